import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { resolveBackoffOptions, type BackoffOptions, type ResolvedBackoffOptions } from './backoff.js';
import { InvalidOptionError } from './errors.js';
import { check, describe } from './internal/validate.js';

/** Where a pool's workers run. */
export type WorkerKind = 'thread' | 'process' | 'inline';

/** Options of {@link createPool}. Only `worker` is required. */
export interface PoolOptions {
  /** The worker module: a `file:` URL or a path (relative paths resolve from the current directory). */
  worker: URL | string;
  /**
   * `'thread'` (worker_threads), `'process'` (child_process.fork; see
   * `serialization`), or `'inline'` (the same handlers on the calling thread).
   * @default 'thread'
   */
  kind?: WorkerKind;
  /** Workers kept alive even when idle; started at once. @default max(1, floor(maxWorkers / 2)) */
  minWorkers?: number;
  /** Workers at most. @default os.availableParallelism() */
  maxWorkers?: number;
  /** Tasks one worker runs at the same time (useful for async handlers). @default 1 */
  concurrentTasksPerWorker?: number;
  /** Tasks waiting for a worker at most; past it `run()` rejects with `ERR_POOL_QUEUE_FULL`. @default Infinity */
  maxQueue?: number;
  /** A worker above `minWorkers` that stayed idle this long is stopped (`Infinity`: never). @default 10000 */
  idleTimeoutMs?: number;
  /** Default time limit of a task; 0 for none. A task over it rejects with `ERR_POOL_TASK_TIMEOUT` and its worker is replaced. @default 0 */
  taskTimeoutMs?: number;
  /** A worker is replaced after running this many tasks. @default Infinity */
  maxTasksPerWorker?: number;
  /** A worker whose V8 heap passes this many MiB is replaced once idle (a soft limit; 0 for none). @default 0 */
  maxHeapUsedMb?: number;
  /** V8 heap limits per worker (threads: `resourceLimits`; processes: `--max-old-space-size`). A worker over them dies and is replaced. */
  resourceLimits?: ResourceLimits;
  /** Environment of the workers. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Node flags of the workers. @default process.execArgv for processes, none for threads */
  execArgv?: string[];
  /**
   * How a process worker's messages are encoded. `'advanced'`: structured
   * clone, the types a thread gets (Map, Date, typed arrays…). `'json'`: plain
   * data only — objects, arrays, strings, finite numbers, booleans, null — and
   * much cheaper a message; a payload or result JSON would change is refused
   * (`ERR_POOL_UNCLONEABLE`, naming the value). `initData` keeps structured
   * clone either way. Processes only. @default 'advanced'
   */
  serialization?: 'advanced' | 'json';
  /** Passed to every worker's `init` (structured-cloned). */
  initData?: unknown;
  /** Times a task is run again on a fresh worker when its worker dies under it. @default 0 */
  retries?: number;
  /** Back-off between failed worker starts. @default { baseMs: 100, maxMs: 5000, maxFailures: 5 } */
  spawnBackoff?: BackoffOptions;
  /** How long a worker may take to exit when asked to stop, before it is killed. @default 5000 */
  shutdownTimeoutMs?: number;
  /** How long a running task may go on after its caller aborted it before its worker is stopped. @default 1000 */
  abortGraceMs?: number;
  /** The workers' stdout and stderr. @default 'inherit' */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /**
   * Samples every worker's telemetry this often and emits it as the pool's
   * `telemetry` event (for dashboards); 0 for never. The timer never holds
   * the process open. @default 0
   */
  telemetryIntervalMs?: number;
}

/** {@link PoolOptions} checked and filled in. */
export interface ResolvedPoolOptions {
  workerUrl: string;
  kind: WorkerKind;
  minWorkers: number;
  maxWorkers: number;
  concurrentTasksPerWorker: number;
  maxQueue: number;
  idleTimeoutMs: number;
  taskTimeoutMs: number;
  maxTasksPerWorker: number;
  maxHeapUsedBytes: number;
  resourceLimits: ResourceLimits | undefined;
  env: NodeJS.ProcessEnv | undefined;
  execArgv: string[] | undefined;
  serialization: 'advanced' | 'json';
  initData: unknown;
  retries: number;
  spawnBackoff: ResolvedBackoffOptions;
  shutdownTimeoutMs: number;
  abortGraceMs: number;
  stdio: 'inherit' | 'pipe' | 'ignore';
  telemetryIntervalMs: number;
}

const known = new Set<string>([
  'worker', 'kind', 'minWorkers', 'maxWorkers', 'concurrentTasksPerWorker', 'maxQueue', 'idleTimeoutMs',
  'taskTimeoutMs', 'maxTasksPerWorker', 'maxHeapUsedMb', 'resourceLimits', 'env', 'execArgv', 'serialization', 'initData',
  'retries', 'spawnBackoff', 'shutdownTimeoutMs', 'abortGraceMs', 'stdio', 'telemetryIntervalMs',
]);

/**
 * Checks every option eagerly and fills in defaults. Pure but for one look at
 * the file system: a worker module that does not exist is refused here.
 *
 * @throws {InvalidOptionError} `ERR_POOL_INVALID_OPTION`, naming the option, its expected form and what was given.
 */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  check.object('options', options);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new InvalidOptionError(`Unknown option \`${key}\` (known: ${[...known].join(', ')})`);
  }
  const kind = options.kind ?? 'thread';
  check.oneOf('kind', kind, ['thread', 'process', 'inline'] as const);
  const maxWorkers = options.maxWorkers ?? (kind === 'inline' ? 1 : availableParallelism());
  check.count('maxWorkers', maxWorkers, { min: 1 });
  const minWorkers = options.minWorkers ?? Math.max(1, Math.floor(maxWorkers / 2));
  check.count('minWorkers', minWorkers, { min: 0 });
  if (minWorkers > maxWorkers) {
    throw new InvalidOptionError(`Expected \`minWorkers\` (${minWorkers}) to be <= \`maxWorkers\` (${maxWorkers})`);
  }
  const resolved: ResolvedPoolOptions = {
    workerUrl: resolveWorkerUrl(options.worker),
    kind,
    minWorkers,
    maxWorkers,
    concurrentTasksPerWorker: options.concurrentTasksPerWorker ?? 1,
    maxQueue: options.maxQueue ?? Number.POSITIVE_INFINITY,
    idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
    taskTimeoutMs: options.taskTimeoutMs ?? 0,
    maxTasksPerWorker: options.maxTasksPerWorker ?? Number.POSITIVE_INFINITY,
    maxHeapUsedBytes: (options.maxHeapUsedMb ?? 0) * 1024 * 1024,
    resourceLimits: options.resourceLimits,
    env: options.env,
    execArgv: options.execArgv,
    serialization: options.serialization ?? 'advanced',
    initData: options.initData,
    retries: options.retries ?? 0,
    spawnBackoff: resolveSpawnBackoff(options.spawnBackoff),
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5000,
    abortGraceMs: options.abortGraceMs ?? 1000,
    stdio: options.stdio ?? 'inherit',
    telemetryIntervalMs: options.telemetryIntervalMs ?? 0,
  };
  check.count('concurrentTasksPerWorker', resolved.concurrentTasksPerWorker, { min: 1 });
  check.count('maxQueue', resolved.maxQueue, { min: 0, infinite: true });
  check.duration('idleTimeoutMs', resolved.idleTimeoutMs, { infinite: true });
  check.duration('taskTimeoutMs', resolved.taskTimeoutMs);
  check.count('maxTasksPerWorker', resolved.maxTasksPerWorker, { min: 1, infinite: true });
  check.number('maxHeapUsedMb', options.maxHeapUsedMb ?? 0, { min: 0 });
  check.count('retries', resolved.retries, { min: 0 });
  check.duration('shutdownTimeoutMs', resolved.shutdownTimeoutMs);
  check.duration('abortGraceMs', resolved.abortGraceMs);
  check.oneOf('stdio', resolved.stdio, ['inherit', 'pipe', 'ignore'] as const);
  check.duration('telemetryIntervalMs', resolved.telemetryIntervalMs);
  check.oneOf('serialization', resolved.serialization, ['advanced', 'json'] as const);
  if (resolved.serialization === 'json' && kind !== 'process') {
    throw new InvalidOptionError(`Expected \`serialization: 'json'\` only with \`kind: 'process'\` (threads always use structured clone), got kind \`${kind}\``);
  }
  if (resolved.resourceLimits !== undefined) {
    check.object('resourceLimits', resolved.resourceLimits);
    for (const [key, value] of Object.entries(resolved.resourceLimits)) check.number(`resourceLimits.${key}`, value, { min: 0 });
  }
  if (resolved.env !== undefined) check.object('env', resolved.env);
  if (resolved.execArgv !== undefined) check.stringArray('execArgv', resolved.execArgv);
  try {
    structuredClone(resolved.initData);
  } catch (error) {
    throw new InvalidOptionError(
      `Expected \`initData\` to be structured-cloneable (it is copied into every worker), got ${describe(resolved.initData)}: ${
        (error as Error).message
      }`,
    );
  }
  return resolved;
}

function resolveSpawnBackoff(spawnBackoff: BackoffOptions | undefined): ResolvedBackoffOptions {
  if (spawnBackoff !== undefined) check.object('spawnBackoff', spawnBackoff);
  return resolveBackoffOptions({ baseMs: 100, maxMs: 5000, maxFailures: 5, ...spawnBackoff }, 'spawnBackoff');
}

function resolveWorkerUrl(worker: unknown): string {
  let path: string;
  if (worker instanceof URL) {
    if (worker.protocol !== 'file:') check.fail('worker', 'a file: URL or a path', worker.href);
    path = fileURLToPath(worker);
  } else if (typeof worker === 'string' && worker.length > 0) {
    path = worker.startsWith('file:') ? fileURLToPath(worker) : isAbsolute(worker) ? worker : resolve(worker);
  } else {
    check.fail('worker', 'a file: URL or a path to the worker module', worker);
  }
  if (!existsSync(path)) throw new InvalidOptionError(`Expected \`worker\` to name an existing module, got \`${path}\` (not found)`);
  return pathToFileURL(path).href;
}
