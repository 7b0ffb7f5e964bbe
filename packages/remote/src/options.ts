import { createCheck, MAX_TIMER_MS } from '@drove/pool/validate';
import { checkConnection, type Connection } from './connection.js';
import { InvalidRemoteOptionError } from './errors.js';

export const check = createCheck((message) => new InvalidRemoteOptionError(message));

/** How long BullMQ waits before attempt n + 1 of a failed task. */
export interface RetryBackoff {
  /** `'fixed'`: `delayMs` each time; `'exponential'`: `delayMs × 2^(n − 1)`. @default 'exponential' */
  type?: 'fixed' | 'exponential';
  /** @default 1000 */
  delayMs?: number;
}

/** Options of {@link createRemotePool}. `queue` and `connection` are required. */
export interface RemotePoolOptions {
  /** The BullMQ queue the hosts (`drove-worker --queue NAME`) take tasks from. */
  queue: string;
  /** Redis: a `redis://` / `rediss://` URL or ioredis options. Never logged with its password. */
  connection: Connection;
  /** BullMQ's key prefix; hosts must use the same. @default 'bull' */
  prefix?: string;
  /** Times a task is tried in all when it fails (its handler throws or times out); BullMQ's `attempts`. @default 1 */
  attempts?: number;
  /** Back-off between attempts. @default { type: 'exponential', delayMs: 1000 } */
  backoff?: RetryBackoff;
  /** Default time limit of a task on its host, 0 for none; a task over it fails with `ERR_POOL_TASK_TIMEOUT`. @default 0 */
  timeoutMs?: number;
  /** Items in flight at most in `map()` when it names none. @default 64 */
  concurrency?: number;
  /**
   * How often the pool asks Redis about tasks it has heard nothing of for that
   * long: the events stream is trimmed, and a caller that fell far behind it
   * would otherwise wait for a result already written. @default 5000
   */
  reconcileIntervalMs?: number;
  /** How long `ready()` (and the first task) waits for Redis before rejecting `ERR_REMOTE_CONNECTION`. @default 10000 */
  connectTimeoutMs?: number;
  /** Read `hosts()` this often and emit it as the `telemetry` event `{ hosts, at }`, for a dashboard; 0 for never. The timer never holds the process open. @default 0 */
  telemetryIntervalMs?: number;
}

/** {@link RemotePoolOptions} with every default filled in. */
export interface ResolvedRemotePoolOptions {
  queue: string;
  connection: Connection;
  prefix: string;
  attempts: number;
  backoff: Required<RetryBackoff>;
  timeoutMs: number;
  concurrency: number;
  reconcileIntervalMs: number;
  connectTimeoutMs: number;
  telemetryIntervalMs: number;
}

const known = ['queue', 'connection', 'prefix', 'attempts', 'backoff', 'timeoutMs', 'concurrency', 'reconcileIntervalMs', 'connectTimeoutMs', 'telemetryIntervalMs'];

/**
 * Checks `options` and fills in the defaults, without connecting (pure).
 *
 * @throws {InvalidRemoteOptionError} `ERR_REMOTE_INVALID_OPTION`, naming the option, what it expects and what it got.
 * @example
 * ```ts
 * import { resolveRemotePoolOptions } from '@drove/remote';
 * resolveRemotePoolOptions({ queue: 'hash', connection: 'redis://127.0.0.1:6379' }).attempts; // 1
 * ```
 */
export function resolveRemotePoolOptions(options: RemotePoolOptions): ResolvedRemotePoolOptions {
  check.keys('', options, known);
  check.string('queue', options.queue);
  checkQueueName(options.queue);
  checkConnection('connection', options.connection);
  const prefix = options.prefix ?? 'bull';
  check.string('prefix', prefix);
  const attempts = options.attempts ?? 1;
  check.count('attempts', attempts, { min: 1 });
  const backoff = resolveBackoff('backoff', options.backoff);
  const timeoutMs = options.timeoutMs ?? 0;
  check.duration('timeoutMs', timeoutMs);
  const concurrency = options.concurrency ?? 64;
  check.count('concurrency', concurrency, { min: 1 });
  const reconcileIntervalMs = options.reconcileIntervalMs ?? 5000;
  check.duration('reconcileIntervalMs', reconcileIntervalMs, { min: 10 });
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  check.duration('connectTimeoutMs', connectTimeoutMs, { min: 1 });
  const telemetryIntervalMs = options.telemetryIntervalMs ?? 0;
  check.duration('telemetryIntervalMs', telemetryIntervalMs);
  return {
    queue: options.queue,
    connection: options.connection,
    prefix,
    attempts,
    backoff,
    timeoutMs,
    concurrency,
    reconcileIntervalMs,
    connectTimeoutMs,
    telemetryIntervalMs,
  };
}

export function resolveBackoff(name: string, backoff: RetryBackoff | undefined): Required<RetryBackoff> {
  if (backoff === undefined) return { type: 'exponential', delayMs: 1000 };
  check.keys(name, backoff, ['type', 'delayMs']);
  const type = backoff.type ?? 'exponential';
  check.oneOf(`${name}.type`, type, ['fixed', 'exponential']);
  const delayMs = backoff.delayMs ?? 1000;
  check.duration(`${name}.delayMs`, delayMs, { min: 0 });
  return { type, delayMs: Math.min(delayMs, MAX_TIMER_MS) };
}

/** BullMQ keys are `prefix:queue:…`: a colon in the name would mix queues up. */
export function checkQueueName(queue: string): void {
  if (queue.includes(':')) check.fail('queue', 'a name without `:` (BullMQ separates its keys with it)', queue);
}
