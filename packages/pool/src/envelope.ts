/**
 * The envelope: the one message format Drove's processes and threads speak.
 *
 * A discriminated union on `type`, branded with the protocol version in the
 * `drove` field so it never mistakes a user's message for its own (Node keeps
 * its internal `NODE_*` messages apart the same way). Requests and replies are
 * paired by a numeric `id`. The same envelopes travel over worker threads
 * (`postMessage`) and child processes (`fork` with `serialization: 'advanced'`,
 * or `'json'` where a pool asks for it: see {@link jsonDataProblem}).
 *
 * @example
 * ```ts
 * import { isEnvelope, envelope } from '@drove/pool/envelope';
 * child.send(envelope('ping', { id: 1 }));
 * child.on('message', (message) => { if (isEnvelope(message) && message.type === 'pong') … });
 * ```
 *
 * @module
 */
import { poolErrorClasses } from './errors.js';

/** The protocol version every envelope carries in its `drove` field. */
export const PROTOCOL_VERSION = 1;

/** An error in a form that survives structured clone. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: string | undefined;
  cause?: unknown;
  /** Other own enumerable properties of the error that could be cloned. */
  props?: Record<string, unknown> | undefined;
}

/** What a worker reports about itself in a `pong`. */
export interface TelemetrySample {
  pid: number;
  threadId: number;
  activeTasks: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Resident set size of the worker's process (for threads: the whole process). */
  rssBytes: number;
  /** CPU time this worker (thread or process) used so far, in microseconds. */
  cpuUserMicros: number;
  cpuSystemMicros: number;
  /** Event-loop utilization since the previous probe (or the start), 0…1. */
  eventLoopUtilization: number;
  /** Milliseconds since the worker started. */
  uptimeMs: number;
}

/** The envelopes, by `type`. */
export interface EnvelopeBodies {
  /**
   * pool → worker (processes): which module to load and its init data. Over a
   * JSON channel (`json: true`) the init data travels as `encodedInitData`
   * (v8-serialized, base64), so it keeps the types structured clone keeps.
   */
  init: {
    workerId: number;
    module: string;
    initData: unknown;
    encodedInitData?: string | undefined;
    json?: boolean | undefined;
    concurrency: number;
    maxHeapUsedBytes: number;
  };
  /** child → parent: init finished; the child takes work. `port` is where a server child listens, when it chose it. */
  ready: { pid: number; threadId: number; port?: number | undefined };
  /** pool → worker: run `handler` with `payload`. */
  task: { id: number; handler: string; payload: unknown };
  /** pool → worker: abort task `id` (its `ctx.signal` fires; a task not yet started never starts). */
  cancel: { id: number; reason?: SerializedError | undefined };
  /** worker → pool: task `id` returned `value` after `runMs` of running. */
  result: { id: number; value: unknown; runMs: number };
  /** worker → pool: task `id` threw. */
  error: { id: number; error: SerializedError; runMs: number };
  /** worker → pool: task `id` reported progress. */
  progress: { id: number; value: unknown; message?: string | undefined };
  /** worker → pool: the worker cannot go on (init failed, uncaught exception). */
  fatal: { error: SerializedError };
  /** worker → pool: the worker asks to be replaced once idle (for example over its heap limit). */
  retire: { reason: 'heap-limit'; heapUsedBytes: number };
  /** either way: a liveness and telemetry probe. */
  ping: { id: number };
  /** the answer to `ping` with the same id. */
  pong: { id: number; telemetry: TelemetrySample };
  /** pool → worker: finish, clean up and exit. */
  shutdown: Record<string, never>;
  /** several envelopes in one message: per-message cost, not work, bounds tiny tasks. */
  batch: { messages: Envelope[] };
  /** child → parent: lend me the listening socket `name` the parent owns. */
  listen: { name: string };
  /** parent → child: the listening socket `name` (sent as the message's handle), or why not. */
  'listen-handle': { name: string; error?: string | undefined };
  /** child → parent: my server accepts on `name` now. */
  listening: { name: string };
  /**
   * parent → child: connection `id`, accepted by the parent on `name`, for the
   * child's server (the socket is the handle). `head` holds the bytes the
   * parent read from it first (a request's head, read to route it); the
   * child's server gets them before anything else.
   */
  connection: { name: string; id: number; head?: Uint8Array | undefined };
  /** child → parent: connection `id` is mine; close your copy. */
  accepted: { name: string; id: number };
  /** child → parent: the child served work that the parent did not see (requests on connections handed to it): count it as use. */
  active: Record<string, never>;
  /**
   * parent → warm spare (a Node process started ahead of need, e.g. by the
   * supervisor): import `modules` in order, then answer `loaded`; with `main`,
   * run that module (a `file:` URL) as the process's main module instead,
   * after `modules`, and send no answer (the module speaks for itself).
   */
  load: { id: number; modules: string[]; main?: string | undefined };
  /** warm spare → parent: the `load` of the same id finished, or the error that stopped it. */
  loaded: { id: number; error?: SerializedError | undefined };
}

/** The type names of the envelopes. */
export type EnvelopeType = keyof EnvelopeBodies;

/** One envelope of type `T`. */
export type EnvelopeOf<T extends EnvelopeType> = { drove: typeof PROTOCOL_VERSION; type: T } & EnvelopeBodies[T];

/** Any envelope: a discriminated union on `type`. */
export type Envelope = { [T in EnvelopeType]: EnvelopeOf<T> }[EnvelopeType];

/** Makes an envelope of `type` with `body`. */
export function envelope<T extends EnvelopeType>(type: T, body: EnvelopeBodies[T]): EnvelopeOf<T> {
  return { drove: PROTOCOL_VERSION, type, ...body } as EnvelopeOf<T>;
}

/** Tells an envelope of this protocol version from any other message. */
export function isEnvelope(message: unknown): message is Envelope {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { drove?: unknown }).drove === PROTOCOL_VERSION &&
    typeof (message as { type?: unknown }).type === 'string'
  );
}

const builtinErrors: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const skippedProps = new Set(['name', 'message', 'stack', 'code', 'cause']);

/** What {@link serializeError} takes. */
export interface SerializeErrorOptions {
  /** The error crosses a JSON channel: keep only values JSON carries unchanged (others become strings). @default false */
  json?: boolean;
}

/**
 * Turns any thrown value into a {@link SerializedError}: structured clone keeps
 * an error's message but drops its class, `name`, `code` and own properties
 * (checked on Node 20.20). A property or cause the channel cannot carry is
 * kept as its string.
 */
export function serializeError(error: unknown, options: SerializeErrorOptions = {}): SerializedError {
  return serializeErrorAt(error, options.json === true ? jsonable : cloneable, 0);
}

function serializeErrorAt(error: unknown, keep: (value: unknown) => unknown, depth: number): SerializedError {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: describeThrown(error), props: { thrown: keep(error) } };
  }
  const out: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = String(code);
  if (error.cause !== undefined) {
    out.cause = error.cause instanceof Error && depth < 8 ? serializeErrorAt(error.cause, keep, depth + 1) : keep(error.cause);
  }
  const props: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(error)) {
    if (skippedProps.has(key)) continue;
    props[key] = keep((error as unknown as Record<string, unknown>)[key]);
    any = true;
  }
  if (any) out.props = props;
  return out;
}

/**
 * Rebuilds an `Error` from its serialized form: the pool's own classes and
 * JavaScript's built-in ones by name, any other as an `Error` whose `name`,
 * `code` and properties are set back.
 */
export function deserializeError(serialized: SerializedError): Error {
  const known = (poolErrorClasses as Record<string, unknown>)[serialized.name];
  const Builtin = builtinErrors[serialized.name];
  let error: Error;
  if (known) {
    // The pool's classes take (code, message) or bespoke arguments: make one
    // without running its constructor, then fill it in.
    error = Object.create((known as { prototype: object }).prototype) as Error;
    Object.defineProperty(error, 'message', { value: serialized.message, writable: true, configurable: true });
    Object.defineProperty(error, 'name', { value: serialized.name, writable: true, configurable: true });
  } else {
    error = new (Builtin ?? Error)(serialized.message);
    if (!Builtin) Object.defineProperty(error, 'name', { value: serialized.name, writable: true, configurable: true });
  }
  if (serialized.stack !== undefined) {
    Object.defineProperty(error, 'stack', { value: serialized.stack, writable: true, configurable: true });
  }
  if (serialized.code !== undefined) (error as Error & { code: string }).code = serialized.code;
  if (serialized.cause !== undefined) {
    Object.defineProperty(error, 'cause', {
      value: isSerializedError(serialized.cause) ? deserializeError(serialized.cause) : serialized.cause,
      writable: true,
      configurable: true,
    });
  }
  if (serialized.props) Object.assign(error, serialized.props);
  return error;
}

function isSerializedError(value: unknown): value is SerializedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SerializedError).name === 'string' &&
    typeof (value as SerializedError).message === 'string'
  );
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return `Non-error value thrown: ${JSON.stringify(value) ?? String(value)}`;
  } catch {
    return `Non-error value thrown: ${String(value)}`;
  }
}

/** Keeps a value only if structured clone can carry it. */
function cloneable(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? String(value) : value;
  }
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}

/** Keeps a value only if JSON carries it unchanged. */
function jsonable(value: unknown): unknown {
  return value === undefined || jsonDataProblem(value) === undefined ? value : String(value);
}

/**
 * Why `value` would not arrive unchanged over a JSON channel (a process pool
 * with `serialization: 'json'`), or `undefined` when it would. JSON carries
 * plain objects, arrays, strings, finite numbers, booleans and `null`; an
 * object property that is `undefined` is left out, as if absent. Anything
 * else would arrive changed or not at all — a `Date` as a string, a `Map` as
 * `{}`, `NaN` as `null` — so it is named, with where it is.
 *
 * @example
 * ```ts
 * jsonDataProblem({ when: new Date() }); // 'when is a Date'
 * jsonDataProblem({ pages: [1, 2] });    // undefined
 * ```
 */
export function jsonDataProblem(value: unknown): string | undefined {
  const problem = findJsonProblem(value, []);
  if (problem === undefined) return undefined;
  const at = problem.at.startsWith('.') ? problem.at.slice(1) : problem.at;
  return at === '' ? `the value is ${problem.what}` : `${at} is ${problem.what}`;
}

/** `.name` for a key that reads as an identifier, `["odd key"]` for any other. */
function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function withArticle(name: string): string {
  return `${/^[AEIO]/i.test(name) ? 'an' : 'a'} ${name}`;
}

/**
 * Throws a `TypeError` naming what in `value` a JSON channel would not carry
 * unchanged (see {@link jsonDataProblem}); returns when there is nothing.
 */
export function assertJsonData(value: unknown): void {
  const problem = jsonDataProblem(value);
  if (problem !== undefined) throw new TypeError(`JSON cannot carry this message unchanged: ${problem}`);
}

function findJsonProblem(value: unknown, ancestors: object[]): { at: string; what: string } | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { at: '', what: `${value} (JSON has no such number)` };
    case 'undefined':
      return { at: '', what: 'undefined (JSON has none outside an object)' };
    case 'object':
      break;
    case 'bigint':
      return { at: '', what: 'a BigInt' };
    default:
      return { at: '', what: withArticle(typeof value) };
  }
  if (value === null) return undefined;
  if (ancestors.includes(value)) return { at: '', what: 'a reference to an object that contains it (a cycle)' };
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const problem = findJsonProblem(value[index], ancestors);
        if (problem) return { at: `[${index}]${problem.at}`, what: problem.what };
      }
      return undefined;
    }
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype !== Object.prototype && prototype !== null) {
      return { at: '', what: withArticle((value as { constructor?: { name?: string } }).constructor?.name || 'class instance') };
    }
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      const problem = findJsonProblem(item, ancestors);
      if (problem) return { at: `${propertyPath(key)}${problem.at}`, what: problem.what };
    }
    return undefined;
  } finally {
    ancestors.pop();
  }
}
