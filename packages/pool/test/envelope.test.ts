import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  createPool,
  InvalidOptionError,
  PoolError,
  TaskTimeoutError,
  WorkerExitedError,
  WorkerInitError,
  type Pool,
  type WorkerKind,
} from '@drove/pool';
import {
  deserializeError,
  envelope,
  assertJsonData,
  isEnvelope,
  jsonDataProblem,
  PROTOCOL_VERSION,
  serializeError,
  type SerializedError,
} from '@drove/pool/envelope';

/** Serializes, clones as a thread or process channel would, and rebuilds. */
function roundTrip(error: unknown): Error {
  return deserializeError(structuredClone(serializeError(error)));
}

describe('isEnvelope', () => {
  it('accepts envelopes of this protocol version', () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(isEnvelope(envelope('ping', { id: 1 }))).toBe(true);
    expect(isEnvelope(envelope('shutdown', {}))).toBe(true);
    expect(isEnvelope({ drove: 1, type: 'result', id: 4, value: 'x', runMs: 1 })).toBe(true);
    // A cloned envelope is still one: the brand is plain data.
    expect(isEnvelope(structuredClone(envelope('task', { id: 2, handler: 'default', payload: [1, 2] })))).toBe(true);
  });

  it('builds envelopes with the brand, the type and the body', () => {
    expect(envelope('task', { id: 7, handler: 'double', payload: 21 })).toEqual({
      drove: PROTOCOL_VERSION,
      type: 'task',
      id: 7,
      handler: 'double',
      payload: 21,
    });
  });

  it('carries the warm-spare requests and their answers', () => {
    const load = structuredClone(envelope('load', { id: 3, modules: ['node:http', 'file:///srv/base.mjs'], main: 'file:///srv/web.mjs' }));
    expect(isEnvelope(load)).toBe(true);
    expect(load).toEqual({ drove: PROTOCOL_VERSION, type: 'load', id: 3, modules: ['node:http', 'file:///srv/base.mjs'], main: 'file:///srv/web.mjs' });
    const failed = structuredClone(envelope('loaded', { id: 3, error: serializeError(new TypeError('no such module')) }));
    expect(isEnvelope(failed) && failed.type === 'loaded').toBe(true);
    if (!isEnvelope(failed) || failed.type !== 'loaded' || !failed.error) throw new Error('expected a loaded envelope with an error');
    expect(failed.id).toBe(3);
    expect(deserializeError(failed.error)).toBeInstanceOf(TypeError);
    expect(envelope('loaded', { id: 4 })).toEqual({ drove: PROTOCOL_VERSION, type: 'loaded', id: 4 });
  });

  it('refuses user messages and other protocol versions', () => {
    expect(isEnvelope({ type: 'ping', id: 1 })).toBe(false);
    expect(isEnvelope({ hello: 'worker' })).toBe(false);
    expect(isEnvelope({ drove: 2, type: 'ping', id: 1 })).toBe(false);
    expect(isEnvelope({ drove: 0, type: 'ping', id: 1 })).toBe(false);
    expect(isEnvelope({ drove: '1', type: 'ping', id: 1 })).toBe(false);
    expect(isEnvelope({ drove: 1 })).toBe(false);
    expect(isEnvelope({ drove: 1, type: 42 })).toBe(false);
    expect(isEnvelope(null)).toBe(false);
    expect(isEnvelope(undefined)).toBe(false);
    expect(isEnvelope('ping')).toBe(false);
    expect(isEnvelope(1)).toBe(false);
    expect(isEnvelope([1, 'ping'])).toBe(false);
  });
});

describe('serializeError / deserializeError', () => {
  it('keeps name, code, message, stack, cause chain and extra properties', () => {
    const root = new Error('root cause');
    const middle = new RangeError('middle', { cause: root });
    const error = Object.assign(new Error('top', { cause: middle }), {
      code: 'E_TOP',
      detail: { attempt: 3, tags: ['a', 'b'] },
      status: 503,
    });
    error.name = 'FetchError';

    const serialized = serializeError(error);
    // The serialized form survives structured clone as it is.
    expect(structuredClone(serialized)).toEqual(serialized);

    const back = roundTrip(error) as Error & { code?: string; detail?: unknown; status?: number };
    expect(back).toBeInstanceOf(Error);
    expect(back.name).toBe('FetchError');
    expect(back.message).toBe('top');
    expect(back.code).toBe('E_TOP');
    expect(back.stack).toBe(error.stack);
    expect(back.detail).toEqual({ attempt: 3, tags: ['a', 'b'] });
    expect(back.status).toBe(503);

    const backMiddle = back.cause as Error;
    expect(backMiddle).toBeInstanceOf(RangeError);
    expect(backMiddle.message).toBe('middle');
    expect(backMiddle.stack).toBe(middle.stack);
    const backRoot = backMiddle.cause as Error;
    expect(backRoot).toBeInstanceOf(Error);
    expect(backRoot.message).toBe('root cause');
    expect(backRoot.cause).toBeUndefined();
  });

  it('turns a numeric code into a string code', () => {
    const error = Object.assign(new Error('numeric'), { code: 42 });
    expect(serializeError(error).code).toBe('42');
    expect((roundTrip(error) as Error & { code: string }).code).toBe('42');
  });

  it('rebuilds built-in error classes as their class', () => {
    for (const Ctor of [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
      const back = roundTrip(new Ctor(`a ${Ctor.name}`));
      expect(back).toBeInstanceOf(Ctor);
      expect(Object.getPrototypeOf(back)).toBe(Ctor.prototype);
      expect(back.name).toBe(Ctor.name);
      expect(back.message).toBe(`a ${Ctor.name}`);
    }
  });

  it('rebuilds an unknown error class as an Error with its name', () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
      readonly limit = 10;
    }
    const back = roundTrip(new QuotaError('over quota')) as Error & { limit?: number };
    expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
    expect(back.name).toBe('QuotaError');
    expect(back.limit).toBe(10);
    expect(String(back)).toBe('QuotaError: over quota');
  });

  it('rebuilds a WorkerExitedError with its prototype, code and facts', () => {
    const cause = new TypeError('segfault-ish');
    const error = new WorkerExitedError({ workerId: 3, exitCode: 7, signal: null }, { cause });
    const back = roundTrip(error);
    expect(Object.getPrototypeOf(back)).toBe(WorkerExitedError.prototype);
    expect(back).toBeInstanceOf(WorkerExitedError);
    expect(back).toBeInstanceOf(PoolError);
    expect(back).toBeInstanceOf(Error);
    const exited = back as WorkerExitedError;
    expect(exited.code).toBe('ERR_POOL_WORKER_EXITED');
    expect(exited.message).toBe('Worker 3 exited with code 7 while running the task');
    expect(exited.workerId).toBe(3);
    expect(exited.exitCode).toBe(7);
    expect(exited.signal).toBeNull();
    expect(exited.stack).toBe(error.stack);
    expect(exited.cause).toBeInstanceOf(TypeError);
    expect((exited.cause as Error).message).toBe('segfault-ish');
    expect(exited.toJSON()).toMatchObject({ code: 'ERR_POOL_WORKER_EXITED', workerId: 3, exitCode: 7, signal: null });
  });

  it('rebuilds each of the pool error classes with the right prototype and code', () => {
    const errors: [Error & { code: string }, object][] = [
      [new PoolError('ERR_POOL_QUEUE_FULL', 'full'), PoolError.prototype],
      [new InvalidOptionError('bad option'), InvalidOptionError.prototype],
      [new TaskTimeoutError(250), TaskTimeoutError.prototype],
      [new WorkerInitError('init failed', { cause: new Error('db down') }), WorkerInitError.prototype],
      [new AbortError('stopped'), AbortError.prototype],
    ];
    for (const [error, prototype] of errors) {
      const back = roundTrip(error) as Error & { code: string };
      expect(Object.getPrototypeOf(back)).toBe(prototype);
      expect(back).toBeInstanceOf(PoolError);
      expect(back.code).toBe(error.code);
      expect(back.message).toBe(error.message);
    }
    expect((roundTrip(new TaskTimeoutError(250)) as TaskTimeoutError).timeoutMs).toBe(250);
    expect((roundTrip(new WorkerInitError('x', { cause: new Error('db down') })).cause as Error).message).toBe('db down');
  });

  it('carries non-Error thrown values', () => {
    const fromString = roundTrip('plain string') as Error & { thrown?: unknown };
    expect(fromString).toBeInstanceOf(Error);
    expect(fromString.message).toBe('plain string');
    expect(fromString.thrown).toBe('plain string');

    const fromObject = roundTrip({ reason: 'nope', n: 1 }) as Error & { thrown?: unknown };
    expect(fromObject.message).toBe('Non-error value thrown: {"reason":"nope","n":1}');
    expect(fromObject.thrown).toEqual({ reason: 'nope', n: 1 });

    const fromNumber = roundTrip(42) as Error & { thrown?: unknown };
    expect(fromNumber.message).toBe('Non-error value thrown: 42');
    expect(fromNumber.thrown).toBe(42);

    const fromUndefined = roundTrip(undefined);
    expect(fromUndefined.message).toBe('Non-error value thrown: undefined');

    const fromNull = roundTrip(null) as Error & { thrown?: unknown };
    expect(fromNull.message).toBe('Non-error value thrown: null');
    expect(fromNull.thrown).toBeNull();
  });

  it('keeps uncloneable parts as strings instead of failing', () => {
    const error = Object.assign(new Error('with a function'), { callback: () => 1, sym: Symbol('s') });
    const serialized = serializeError(error);
    expect(() => structuredClone(serialized)).not.toThrow();
    const back = deserializeError(structuredClone(serialized)) as Error & { callback?: unknown; sym?: unknown };
    expect(typeof back.callback).toBe('string');
    expect(back.sym).toBe('Symbol(s)');

    const thrownFunction = serializeError(function namedThing() {});
    expect(() => structuredClone(thrownFunction)).not.toThrow();
    expect(thrownFunction.message).toContain('namedThing');

    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    expect(() => structuredClone(serializeError(circular))).not.toThrow();
    expect(serializeError(circular).message).toContain('Non-error value thrown');
  });

  it('keeps a non-Error cause as it is', () => {
    const back = roundTrip(new Error('wrapped', { cause: { status: 404 } }));
    expect(back.cause).toEqual({ status: 404 });
    const serialized: SerializedError = { name: 'Error', message: 'x', cause: 'just text' };
    expect(deserializeError(serialized).cause).toBe('just text');
  });

  it('stops a cyclic cause chain instead of recursing forever', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as Error & { cause: unknown }).cause = b;
    const serialized = serializeError(a);
    expect(() => structuredClone(serialized)).not.toThrow();
    let depth = 0;
    let node: unknown = roundTrip(a);
    while (node instanceof Error) {
      depth++;
      node = node.cause;
    }
    expect(depth).toBeGreaterThan(1);
    expect(depth).toBeLessThan(20);
  });
});

describe('jsonDataProblem', () => {
  it('passes what JSON carries unchanged: plain and null-prototype objects, arrays, finite numbers, strings, booleans, null', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    for (const value of [null, 0, -1.5, 'text', true, [], {}, bare, { a: [1, { b: null }], c: undefined }]) {
      expect(jsonDataProblem(value)).toBeUndefined();
    }
  });

  it('names what JSON would change or drop, and where it is', () => {
    expect(jsonDataProblem(new Date(0))).toBe('the value is a Date');
    expect(jsonDataProblem(undefined)).toMatch(/^the value is undefined/);
    expect(jsonDataProblem({ items: [{ ok: 1 }, { at: new Set() }] })).toBe('items[1].at is a Set');
    expect(jsonDataProblem({ 'odd key': Number.POSITIVE_INFINITY })).toMatch(/^\["odd key"\] is Infinity/);
    expect(jsonDataProblem({ fn: () => 1 })).toBe('fn is a function');
    expect(jsonDataProblem({ s: Symbol('x') })).toBe('s is a symbol');
    expect(jsonDataProblem([new ArrayBuffer(1)])).toBe('[0] is an ArrayBuffer');
    expect(jsonDataProblem({ error: new Error('x') })).toBe('error is an Error');
  });

  it('finds a cycle instead of recursing forever, and allows a shared object that is not one', () => {
    const shared = { n: 1 };
    expect(jsonDataProblem({ a: shared, b: [shared] })).toBeUndefined();
    const list: unknown[] = [1];
    list.push({ back: list });
    expect(jsonDataProblem(list)).toMatch(/^\[1\]\.back is a reference to an object that contains it/);
  });

  it('makes assertJsonData throw a TypeError naming the problem, and return for JSON data', () => {
    expect(() => assertJsonData({ at: [new Map()] })).toThrow(new TypeError('JSON cannot carry this message unchanged: at[0] is a Map'));
    expect(assertJsonData({ ok: [1, 'two', null] })).toBeUndefined();
  });

  it('makes serializeError keep only JSON data with { json: true }', () => {
    const error = Object.assign(new RangeError('dated'), { code: 'E_X', at: new Date(0), count: 3, tags: ['a'] });
    const serialized = serializeError(new Error('outer', { cause: error }), { json: true });
    expect(jsonDataProblem(serialized)).toBeUndefined();
    const back = deserializeError(JSON.parse(JSON.stringify(serialized)) as SerializedError);
    expect(back.cause).toBeInstanceOf(RangeError);
    expect(back.cause).toMatchObject({ code: 'E_X', at: new Date(0).toString(), count: 3, tags: ['a'] });
    // Without the option a Date stays a Date, as structured clone carries it.
    expect((serializeError(error).props as { at: unknown }).at).toBeInstanceOf(Date);
  });
});

const worker = new URL('./fixtures/gated-worker.mjs', import.meta.url);

/** The handlers of fixtures/gated-worker.mjs these tests use. */
type Handlers = {
  throwRich: (payload?: undefined) => never;
  throwString: (value: unknown) => never;
};

describe.each<WorkerKind>(['thread', 'process', 'inline'])('errors crossing from a %s worker', (kind) => {
  let pool: Pool<Handlers> | undefined;
  afterEach(async () => {
    await pool?.destroy();
    pool = undefined;
  });

  it('rejects with the handler error rebuilt: class, code, cause chain, properties', async () => {
    pool = createPool<Handlers>({ worker, kind, maxWorkers: 1, minWorkers: 1 });
    const error = (await pool.run(undefined, { handler: 'throwRich' }).catch((e: unknown) => e)) as TypeError & {
      code?: string;
      detail?: unknown;
    };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('rich failure');
    expect(error.code).toBe('E_RICH');
    expect(error.detail).toEqual({ attempt: 3, tags: ['a', 'b'] });
    expect(error.stack).toContain('rich failure');
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(((error.cause as Error).cause as Error).message).toBe('root cause');
  });

  it('rejects with an Error for a thrown non-Error value', async () => {
    pool = createPool<Handlers>({ worker, kind, maxWorkers: 1, minWorkers: 1 });
    const fromString = (await pool.run('just a string', { handler: 'throwString' }).catch((e: unknown) => e)) as Error & {
      thrown?: unknown;
    };
    expect(fromString).toBeInstanceOf(Error);
    expect(fromString.message).toBe('just a string');
    expect(fromString.thrown).toBe('just a string');
    const fromObject = (await pool.run({ n: 1 }, { handler: 'throwString' }).catch((e: unknown) => e)) as Error & {
      thrown?: unknown;
    };
    expect(fromObject.thrown).toEqual({ n: 1 });
  });
});
