import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPool,
  InvalidOptionError,
  PoolError,
  resolvePoolOptions,
  type Pool,
  type PoolOptions,
} from '@drove/pool';

const workerUrl = new URL('./fixtures/gated-worker.mjs', import.meta.url);
const workerPath = fileURLToPath(workerUrl);

/** Options with a deliberately wrong field, typed loosely on purpose. */
function loose(extra: Record<string, unknown>): PoolOptions {
  return { worker: workerUrl, ...extra } as unknown as PoolOptions;
}

/** The error `fn` throws, checked to be an InvalidOptionError. */
function refusal(fn: () => unknown): InvalidOptionError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect(thrown).toBeInstanceOf(PoolError);
  const error = thrown as InvalidOptionError;
  expect(error.code).toBe('ERR_POOL_INVALID_OPTION');
  expect(error.name).toBe('InvalidOptionError');
  return error;
}

describe('resolvePoolOptions: refusals', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['maxWorkers 0', { maxWorkers: 0 }, 'Expected `maxWorkers` to be an integer >= 1, got `0` (number)'],
    ['maxWorkers 1.5', { maxWorkers: 1.5 }, 'Expected `maxWorkers` to be an integer >= 1, got `1.5` (number)'],
    ['maxWorkers as a string', { maxWorkers: '2' }, 'Expected `maxWorkers` to be an integer >= 1, got `"2"` (string)'],
    ['maxWorkers Infinity', { maxWorkers: Number.POSITIVE_INFINITY }, 'Expected `maxWorkers` to be an integer >= 1, got `Infinity` (number)'],
    ['minWorkers -1', { minWorkers: -1, maxWorkers: 2 }, 'Expected `minWorkers` to be an integer >= 0, got `-1` (number)'],
    ['minWorkers > maxWorkers', { minWorkers: 3, maxWorkers: 2 }, 'Expected `minWorkers` (3) to be <= `maxWorkers` (2)'],
    ['kind fiber', { kind: 'fiber' }, 'Expected `kind` to be one of `thread`, `process`, `inline`, got `"fiber"` (string)'],
    ['kind 1', { kind: 1 }, 'Expected `kind` to be one of `thread`, `process`, `inline`, got `1` (number)'],
    ['negative taskTimeoutMs', { taskTimeoutMs: -1 }, 'Expected `taskTimeoutMs` to be a number of milliseconds >= 0 and <= 2147483647, got `-1` (number)'],
    ['negative idleTimeoutMs', { idleTimeoutMs: -10 }, 'Expected `idleTimeoutMs` to be a number of milliseconds >= 0 and <= 2147483647 (or Infinity), got `-10` (number)'],
    ['negative shutdownTimeoutMs', { shutdownTimeoutMs: -5 }, 'Expected `shutdownTimeoutMs` to be a number of milliseconds >= 0 and <= 2147483647, got `-5` (number)'],
    ['negative telemetryIntervalMs', { telemetryIntervalMs: -5 }, 'Expected `telemetryIntervalMs` to be a number of milliseconds >= 0 and <= 2147483647, got `-5` (number)'],
    ['negative abortGraceMs', { abortGraceMs: -1 }, 'Expected `abortGraceMs` to be a number of milliseconds >= 0 and <= 2147483647, got `-1` (number)'],
    ['NaN taskTimeoutMs', { taskTimeoutMs: Number.NaN }, 'Expected `taskTimeoutMs` to be a number of milliseconds >= 0 and <= 2147483647, got `NaN` (number)'],
    ['concurrentTasksPerWorker 0', { concurrentTasksPerWorker: 0 }, 'Expected `concurrentTasksPerWorker` to be an integer >= 1, got `0` (number)'],
    ['maxQueue -1', { maxQueue: -1 }, 'Expected `maxQueue` to be an integer >= 0 (or Infinity), got `-1` (number)'],
    ['maxTasksPerWorker 0', { maxTasksPerWorker: 0 }, 'Expected `maxTasksPerWorker` to be an integer >= 1 (or Infinity), got `0` (number)'],
    ['negative maxHeapUsedMb', { maxHeapUsedMb: -1 }, 'Expected `maxHeapUsedMb` to be a finite number >= 0, got `-1` (number)'],
    ['retries 0.5', { retries: 0.5 }, 'Expected `retries` to be an integer >= 0, got `0.5` (number)'],
    ['stdio tty', { stdio: 'tty' }, 'Expected `stdio` to be one of `inherit`, `pipe`, `ignore`, got `"tty"` (string)'],
    ['execArgv of numbers', { execArgv: ['--x', 1] }, 'Expected `execArgv` to be an array of strings, got `["--x",1]` (array)'],
    ['env as a string', { env: 'FOO=1' }, 'Expected `env` to be an object, got `"FOO=1"` (string)'],
    ['resourceLimits as an array', { resourceLimits: [1] }, 'Expected `resourceLimits` to be an object, got `[1]` (array)'],
    [
      'a negative resource limit',
      { resourceLimits: { maxOldGenerationSizeMb: -1 } },
      'Expected `resourceLimits.maxOldGenerationSizeMb` to be a finite number >= 0, got `-1` (number)',
    ],
    ['negative spawnBackoff.baseMs', { spawnBackoff: { baseMs: -1 } }, 'Expected `spawnBackoff.baseMs` to be a number of milliseconds >= 0 and <= 2147483647, got `-1` (number)'],
    ['spawnBackoff.maxFailures 0', { spawnBackoff: { maxFailures: 0 } }, 'Expected `spawnBackoff.maxFailures` to be an integer >= 1 (or Infinity), got `0` (number)'],
    ['spawnBackoff.jitter 3', { spawnBackoff: { jitter: 3 } }, 'Expected `spawnBackoff.jitter` to be a finite number >= 0 and <= 1, got `3` (number)'],
    // The defaults are baseMs 100, maxMs 5000: a maxMs under the default baseMs is refused.
    ['spawnBackoff.maxMs under baseMs', { spawnBackoff: { maxMs: 10 } }, 'Expected `spawnBackoff.maxMs` (10) to be >= `spawnBackoff.baseMs` (100)'],
  ];

  it.each(cases)('refuses %s, naming the option, its form and the value', (_label, extra, message) => {
    const error = refusal(() => resolvePoolOptions(loose(extra)));
    expect(error.message).toBe(message);
  });

  it('refuses an unknown option, naming it and the known ones', () => {
    const error = refusal(() => resolvePoolOptions(loose({ maxWorker: 2 })));
    expect(error.message).toMatch(/^Unknown option `maxWorker` \(known: /);
    expect(error.message).toContain('maxWorkers');
    expect(error.message).toContain('spawnBackoff');
  });

  it('refuses a worker module that does not exist, naming its path', () => {
    const missing = new URL('./fixtures/h-does-not-exist.mjs', import.meta.url);
    const error = refusal(() => resolvePoolOptions({ worker: missing }));
    expect(error.message).toBe(`Expected \`worker\` to name an existing module, got \`${fileURLToPath(missing)}\` (not found)`);
  });

  it('refuses a worker that is neither a path nor a file: URL', () => {
    expect(refusal(() => resolvePoolOptions(loose({ worker: 42 }))).message).toBe(
      'Expected `worker` to be a file: URL or a path to the worker module, got `42` (number)',
    );
    expect(refusal(() => resolvePoolOptions(loose({ worker: '' }))).message).toBe(
      'Expected `worker` to be a file: URL or a path to the worker module, got `""` (string)',
    );
    expect(refusal(() => resolvePoolOptions({ worker: new URL('https://example.com/worker.mjs') })).message).toBe(
      'Expected `worker` to be a file: URL or a path, got `"https://example.com/worker.mjs"` (string)',
    );
  });

  it('refuses initData that cannot be structured-cloned', () => {
    const error = refusal(() => resolvePoolOptions({ worker: workerUrl, initData: () => 1 }));
    expect(error.message).toMatch(/^Expected `initData` to be structured-cloneable .*, got `\[function\]` \(function\): /);
    const nested = refusal(() => resolvePoolOptions({ worker: workerUrl, initData: { ok: 1, handler: () => 2 } }));
    expect(nested.message).toContain('`initData`');
    expect(nested.message).toContain('{"ok":1}');
  });

  it('refuses options that are not an object', () => {
    expect(refusal(() => resolvePoolOptions(null as unknown as PoolOptions)).message).toBe(
      'Expected `options` to be an object, got `null`',
    );
    expect(refusal(() => resolvePoolOptions('worker.mjs' as unknown as PoolOptions)).message).toBe(
      'Expected `options` to be an object, got `"worker.mjs"` (string)',
    );
  });
});

describe('resolvePoolOptions: defaults and forms of `worker`', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolvePoolOptions({ worker: workerUrl });
    const max = availableParallelism();
    expect(resolved).toMatchObject({
      workerUrl: workerUrl.href,
      kind: 'thread',
      maxWorkers: max,
      minWorkers: Math.max(1, Math.floor(max / 2)),
      concurrentTasksPerWorker: 1,
      maxQueue: Number.POSITIVE_INFINITY,
      idleTimeoutMs: 10_000,
      taskTimeoutMs: 0,
      maxTasksPerWorker: Number.POSITIVE_INFINITY,
      maxHeapUsedBytes: 0,
      retries: 0,
      shutdownTimeoutMs: 5000,
      abortGraceMs: 1000,
      stdio: 'inherit',
      telemetryIntervalMs: 0,
    });
    expect(resolved.spawnBackoff).toMatchObject({ baseMs: 100, maxMs: 5000, maxFailures: 5, factor: 2, jitter: 0.2 });
  });

  it('uses one worker by default for inline pools', () => {
    const resolved = resolvePoolOptions({ worker: workerUrl, kind: 'inline' });
    expect(resolved.maxWorkers).toBe(1);
    expect(resolved.minWorkers).toBe(1);
  });

  it('keeps what it is given and converts maxHeapUsedMb to bytes', () => {
    const resolved = resolvePoolOptions({
      worker: workerUrl,
      kind: 'process',
      maxWorkers: 2,
      minWorkers: 0,
      maxHeapUsedMb: 64,
      initData: { greeting: 'hi', when: new Date(0) },
      spawnBackoff: { baseMs: 5, maxFailures: 2 },
    });
    expect(resolved.kind).toBe('process');
    expect(resolved.minWorkers).toBe(0);
    expect(resolved.maxHeapUsedBytes).toBe(64 * 1024 * 1024);
    expect(resolved.spawnBackoff).toMatchObject({ baseMs: 5, maxMs: 5000, maxFailures: 2 });
    expect(resolved.initData).toEqual({ greeting: 'hi', when: new Date(0) });
  });

  it('accepts a path, a relative path and a file: URL string for the same module', () => {
    const fromPath = resolvePoolOptions({ worker: workerPath }).workerUrl;
    const fromRelative = resolvePoolOptions({ worker: relative(process.cwd(), workerPath) }).workerUrl;
    const fromString = resolvePoolOptions({ worker: pathToFileURL(workerPath).href }).workerUrl;
    expect(fromPath).toBe(workerUrl.href);
    expect(fromRelative).toBe(workerUrl.href);
    expect(fromString).toBe(workerUrl.href);
  });
});

/** The handlers of fixtures/gated-worker.mjs these tests use. */
type Handlers = { double: (n: number) => number };

describe('createPool', () => {
  let pool: Pool<Handlers> | undefined;
  afterEach(async () => {
    await pool?.destroy();
    pool = undefined;
  });

  it('throws InvalidOptionError synchronously for maxWorkers 0', () => {
    const error = refusal(() => {
      pool = createPool<Handlers>({ worker: workerUrl, maxWorkers: 0 });
    });
    expect(error.message).toBe('Expected `maxWorkers` to be an integer >= 1, got `0` (number)');
    expect(pool).toBeUndefined();
  });

  it('throws InvalidOptionError for a missing worker module', () => {
    const error = refusal(() => {
      pool = createPool<Handlers>({ worker: '/nonexistent/gated-worker.mjs' });
    });
    expect(error.message).toContain('/nonexistent/gated-worker.mjs');
    expect(error.message).toContain('not found');
  });

  it('throws InvalidOptionError for a function in initData', () => {
    const error = refusal(() => {
      pool = createPool<Handlers>({ worker: workerUrl, kind: 'process', initData: { connect: () => null } });
    });
    expect(error.message).toContain('`initData`');
  });

  it('throws InvalidOptionError for an unknown option', () => {
    const error = refusal(() => {
      pool = createPool<Handlers>(loose({ maxworkers: 2 }));
    });
    expect(error.message).toContain('`maxworkers`');
  });

  it('starts with valid options and exposes them resolved', async () => {
    pool = createPool<Handlers>({ worker: workerPath, kind: 'thread', maxWorkers: 1, minWorkers: 1 });
    expect(pool.options.workerUrl).toBe(workerUrl.href);
    expect(pool.options.maxWorkers).toBe(1);
    await expect(pool.run(21, { handler: 'double' })).resolves.toBe(42);
  });
});
