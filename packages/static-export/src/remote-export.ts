/**
 * A static export spread over hosts: the coordinator's side. Paths go, a
 * chunk a task, to a BullMQ queue where `drove-export worker` hosts render
 * them into their own folders; `mergeExports` joins those folders afterwards.
 * `@drove/remote` (and so BullMQ and ioredis) is loaded only when this runs.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Connection, RemotePool } from '@drove/remote';
import { StaticExportError } from './errors.js';
import { loadRemote } from './internal/load-remote.js';
import { RemoteExportRun } from './internal/remote-export-run.js';
import { REMOTE_RENDER_HANDLER, type RemoteRenderReply, type RemoteRenderTask } from './internal/remote-task.js';
import { check } from './internal/validate.js';
import type { ExportProgress } from './report.js';
import type { RemoteExportLogEntry, RemoteExportSummary } from './remote-report.js';

/** Options of {@link exportRemote}. `connection`, `queue` and `paths` are required. */
export interface RemoteExportOptions {
  /** Redis: a `redis://` / `rediss://` URL or ioredis options, as `@drove/remote` takes them. Never shown with its password. */
  connection: Connection;
  /** The queue the hosts (`drove-export worker --queue NAME`) take tasks from. */
  queue: string;
  /** BullMQ's key prefix; the hosts must use the same. @default 'bull' */
  prefix?: string;
  /** Any iterable or async iterable of path strings, read only as fast as hosts render. */
  paths: Iterable<unknown> | AsyncIterable<unknown>;
  /** Leave files whose content the previous merged manifest (each host's `previousManifest`) lists unchanged. @default false */
  incremental?: boolean;
  /** Paths a task: more saves Redis round trips (about 1 ms each), fewer spreads the end of the export better. @default 16 */
  chunkPaths?: number;
  /** Tasks in flight at most: the coordinator holds `concurrency × chunkPaths` paths at most. @default 16 */
  concurrency?: number;
  /** Failures kept in the summary (all are counted, and all reach `onLog`). @default 1000 */
  maxFailuresKept?: number;
  /** How long to wait for Redis before rejecting `ERR_EXPORT_REMOTE`. @default 10000 */
  connectTimeoutMs?: number;
  /** Aborting stops sending paths and takes back the tasks in flight; the export rejects `ERR_EXPORT_ABORTED` with the summary. */
  signal?: AbortSignal;
  /** Every file, `ctx.log()` line and failure, in input order, each with its host. */
  onLog?: (entry: RemoteExportLogEntry) => void;
  /** After each finished path. */
  onProgress?: (progress: ExportProgress) => void;
}

const known = ['connection', 'queue', 'prefix', 'paths', 'incremental', 'chunkPaths', 'concurrency', 'maxFailuresKept', 'connectTimeoutMs', 'signal', 'onLog', 'onProgress'];

/**
 * A remote export stopped by its `signal`: `summary` holds what finished.
 *
 * @example
 * ```ts
 * import { exportRemote, RemoteExportAbortedError } from '@drove/static-export/remote';
 * try { await exportRemote({ connection, queue: 'site', paths, signal }); } catch (error) {
 *   if (error instanceof RemoteExportAbortedError) console.log(`${error.summary.rendered} pages before the stop`);
 * }
 * ```
 */
export class RemoteExportAbortedError extends StaticExportError {
  override name = 'RemoteExportAbortedError' as const;
  readonly summary: RemoteExportSummary;

  constructor(summary: RemoteExportSummary, cause: unknown) {
    super('ERR_EXPORT_ABORTED', 'The remote export was aborted', { cause });
    this.summary = summary;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), summary: this.summary };
  }
}

/**
 * Exports a static site on the hosts of a queue: reads `paths` (only as fast
 * as the hosts render: at most `concurrency × chunkPaths` paths in flight),
 * checks each as a local export does (a path that escapes, or maps to the file
 * of an earlier path, fails here), sends them a chunk a task, and records each
 * path's outcome with the host that rendered it. Each host writes into its own
 * folder and run file; {@link mergeExports} joins them into one export equal to
 * a one-machine one. A path whose host dies runs again on another host after
 * the hosts' stall interval (at least once; a render must be a function of its
 * path, as for a local export).
 *
 * @returns the summary, with the run id `mergeExports` picks and each failure's host.
 * @throws (rejects) {StaticExportError} `ERR_EXPORT_INVALID_OPTION` for an invalid option, `ERR_EXPORT_REMOTE`
 * when `@drove/remote` is not installed or Redis does not answer, `ERR_EXPORT_SOURCE_FAILED` when `paths` throws,
 * and {@link RemoteExportAbortedError} (`ERR_EXPORT_ABORTED`) when `signal` aborts.
 * @example
 * ```ts
 * import { exportRemote } from '@drove/static-export/remote';
 * const summary = await exportRemote({ connection: process.env.REDIS_URL ?? '', queue: 'site', paths: ['/', '/about'] });
 * console.log(`run ${summary.run}: ${summary.rendered} rendered on ${summary.hosts.join(', ')}`);
 * ```
 */
export async function exportRemote(options: RemoteExportOptions): Promise<RemoteExportSummary> {
  check.keys('', options, known);
  check.string('queue', options.queue);
  if (typeof options.connection !== 'string' && (typeof options.connection !== 'object' || options.connection === null)) {
    check.fail('connection', 'a redis:// or rediss:// URL or ioredis options', typeof options.connection);
  }
  const paths = options.paths as unknown;
  if (paths === null || typeof paths !== 'object' || (!(Symbol.iterator in paths) && !(Symbol.asyncIterator in paths))) {
    check.fail('paths', 'an iterable or async iterable of path strings', paths);
  }
  const chunkPaths = options.chunkPaths ?? 16;
  check.count('chunkPaths', chunkPaths, { min: 1, max: 10_000 });
  const concurrency = options.concurrency ?? 16;
  check.count('concurrency', concurrency, { min: 1, max: 10_000 });
  const maxFailuresKept = options.maxFailuresKept ?? 1000;
  check.count('maxFailuresKept', maxFailuresKept);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  check.duration('connectTimeoutMs', connectTimeoutMs, { min: 1 });
  if (options.signal !== undefined) check.signal('signal', options.signal);
  const incremental = options.incremental ?? false;
  check.boolean('incremental', incremental);

  const { createRemotePool, describeConnection } = await loadRemote();
  const run = new RemoteExportRun(newRunId(), { maxFailuresKept, onLog: options.onLog, onProgress: options.onProgress });
  let remote: RemotePool;
  try {
    remote = createRemotePool({ queue: options.queue, connection: options.connection, prefix: options.prefix ?? 'bull', connectTimeoutMs, concurrency });
  } catch (error) {
    throw new StaticExportError('ERR_EXPORT_INVALID_OPTION', (error as Error).message, { cause: error });
  }
  // Connection trouble while ioredis reconnects: the tasks wait in Redis, and their own errors reach their paths.
  remote.on('error', () => undefined);
  remote.on('stalled', () => run.stalled++);
  const source: { error?: { value: unknown } } = {};
  try {
    try {
      await remote.ready();
    } catch (error) {
      throw new StaticExportError('ERR_EXPORT_REMOTE', `Could not reach Redis at ${describeConnection(options.connection)}: ${(error as Error).message}`, { cause: error });
    }
    const tasks = chunks(options.paths, run, chunkPaths, incremental, source);
    const signal = options.signal;
    for await (const settled of remote.map(tasks, { handler: REMOTE_RENDER_HANDLER, concurrency, ordered: true, settle: true, ...(signal && { signal }) })) {
      const task = settled.input as RemoteRenderTask;
      if (settled.status === 'fulfilled') {
        const reply = settled.value as RemoteRenderReply;
        task.paths.forEach(([, path], i) => {
          const outcome = reply.outcomes[i];
          if (outcome) run.record(path, outcome, reply.host);
          else run.recordTask([path], new StaticExportError('ERR_EXPORT_REMOTE', `Host ${reply.host} answered no outcome for ${path}`, { path }));
        });
      } else {
        run.recordTask(
          task.paths.map(([, path]) => path),
          settled.reason,
        );
      }
    }
  } catch (error) {
    if (options.signal?.aborted) {
      await remote.destroy();
      throw new RemoteExportAbortedError(run.summary(true), options.signal.reason);
    }
    await remote.destroy();
    throw error;
  }
  await remote.close();
  if (source.error) {
    const cause = source.error.value;
    throw new StaticExportError('ERR_EXPORT_SOURCE_FAILED', `Reading \`paths\` failed after ${run.seen} paths: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return run.summary(false);
}

/** Admitted paths, `chunkPaths` a task, with their place in the input. A stream that throws ends the tasks; the error is kept for the end. */
async function* chunks(
  paths: Iterable<unknown> | AsyncIterable<unknown>,
  run: RemoteExportRun,
  chunkPaths: number,
  incremental: boolean,
  source: { error?: { value: unknown } },
): AsyncGenerator<RemoteRenderTask, void, undefined> {
  let chunk: [number, string][] = [];
  let seq = 0;
  try {
    for await (const path of paths) {
      const at = seq++;
      if (!run.admit(path)) continue;
      chunk.push([at, path]);
      if (chunk.length >= chunkPaths) {
        yield { run: run.run, incremental, paths: chunk };
        chunk = [];
      }
    }
  } catch (error) {
    source.error = { value: error };
  }
  if (chunk.length > 0) yield { run: run.run, incremental, paths: chunk };
}

/** `<base-36 ms>-<8 hex>`: runs of one site sort by their start. */
function newRunId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
}
