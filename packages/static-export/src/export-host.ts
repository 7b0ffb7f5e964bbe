/**
 * A host of a remote export (`drove-export worker`): a `@drove/remote` host
 * whose threads render paths into this machine's own folder.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Connection, RemoteHost } from '@drove/remote';
import type { ExportHostWorkerInit } from './entry/export-host-worker.js';
import { StaticExportError } from './errors.js';
import { loadRemote } from './internal/load-remote.js';
import { check } from './internal/validate.js';

const hostWorkerUrl = new URL('./entry/export-host-worker.js', import.meta.url);

/** Options of {@link startExportHost}. `connection`, `queue`, `renderer` and `outDir` are required. */
export interface ExportHostOptions {
  /** Redis: a `redis://` / `rediss://` URL or ioredis options. Never shown with its password. */
  connection: Connection;
  /** The queue the coordinator (`drove-export --remote … --queue NAME`) sends to. */
  queue: string;
  /** The renderer module: a `file:` URL or a path; the same module a local export runs. */
  renderer: URL | string;
  /** This host's own folder: its files and its run files go there (created if missing). A folder shared by every host works too. */
  outDir: URL | string;
  /** Given to the renderer's `setup()`; JSON-safe data (it reaches the host's threads through its command line or code). */
  rendererOptions?: unknown;
  /**
   * The previous merged manifest (`.drove-manifest.jsonl` of the merged
   * output, a copy of it, or the file in a shared folder): in an incremental
   * run, a file it lists with the same content is not written here, whichever
   * host rendered it before. @default none: every file is written
   */
  previousManifest?: string;
  /** This host's name in failures and run files. @default `${os.hostname()}-${process.pid}` */
  name?: string;
  /** Render threads. @default os.availableParallelism() */
  threads?: number;
  /** BullMQ's key prefix, as the coordinator's. @default 'bull' */
  prefix?: string;
  /** A task whose host stops renewing its lock this long goes back to the queue (`@drove/remote`'s `stallIntervalMs`). @default 30000 */
  stallIntervalMs?: number;
  /** Times a task may be lost by a dying host before it fails. @default 1 */
  maxStalledCount?: number;
  /** On `close()`, how long running tasks may take before they go back to the queue. @default 30000 */
  shutdownTimeoutMs?: number;
  /** How long `start` waits for Redis. @default 10000 */
  connectTimeoutMs?: number;
  /** How often the host reports its stats and telemetry to Redis (`remote.hosts()`); 0 for never. @default 2000 */
  reportIntervalMs?: number;
}

const known = [
  'connection', 'queue', 'renderer', 'outDir', 'rendererOptions', 'previousManifest', 'name', 'threads', 'prefix', 'stallIntervalMs', 'maxStalledCount',
  'shutdownTimeoutMs', 'connectTimeoutMs', 'reportIntervalMs',
];

/**
 * Starts a host of a remote export: a `@drove/remote` host of the queue whose
 * threads load the renderer (its `setup` once each) and render the chunks of
 * paths the coordinator sends, writing each path's files atomically into
 * `outDir` and a line a path into their run file there
 * (`.drove-run.<run>.<host>….jsonl`), which {@link mergeExports} reads.
 * `close()` the host it resolves to when done (or send `drove-export worker` SIGTERM).
 *
 * @throws (rejects) {StaticExportError} `ERR_EXPORT_INVALID_OPTION` for an invalid option or a missing renderer,
 * `ERR_EXPORT_REMOTE` when `@drove/remote` is not installed or Redis does not answer, `ERR_EXPORT_SETUP_FAILED` when
 * the renderer's `setup` throws.
 * @example
 * ```ts
 * import { startExportHost } from '@drove/static-export/remote';
 * const host = await startExportHost({ connection: process.env.REDIS_URL ?? '', queue: 'site', renderer: './render.mjs', outDir: 'host-out' });
 * process.once('SIGTERM', () => void host.close());
 * ```
 */
export async function startExportHost(options: ExportHostOptions): Promise<RemoteHost> {
  check.keys('', options, known);
  check.string('queue', options.queue);
  const renderer = toPath('renderer', options.renderer);
  if (!existsSync(renderer)) check.fail('renderer', 'an existing renderer module', renderer);
  const outDir = toPath('outDir', options.outDir);
  if (options.previousManifest !== undefined) check.string('previousManifest', options.previousManifest);
  const name = options.name ?? `${hostname()}-${process.pid}`;
  check.string('name', name);
  const { createRemoteHost, RemoteError } = await loadRemote();
  await mkdir(outDir, { recursive: true });
  const initData: ExportHostWorkerInit = {
    renderer: pathToFileURL(renderer).href,
    rendererOptions: options.rendererOptions,
    outDir,
    previousManifest: options.previousManifest === undefined ? undefined : resolve(options.previousManifest),
    host: name,
  };
  const { connection, queue, threads, prefix, stallIntervalMs, maxStalledCount, shutdownTimeoutMs, connectTimeoutMs, reportIntervalMs } = options;
  let host: RemoteHost;
  try {
    host = createRemoteHost({
      connection, queue, worker: hostWorkerUrl, initData,
      ...defined({ threads, prefix, stallIntervalMs, maxStalledCount, shutdownTimeoutMs, connectTimeoutMs, reportIntervalMs }),
    });
  } catch (error) {
    throw new StaticExportError('ERR_EXPORT_INVALID_OPTION', (error as Error).message, { cause: error });
  }
  try {
    await host.start();
  } catch (error) {
    // Its threads may have started (a setup that failed in one of them): stop them all.
    await host.close().catch(() => undefined);
    if (error instanceof RemoteError && error.code === 'ERR_REMOTE_CONNECTION') throw new StaticExportError('ERR_EXPORT_REMOTE', error.message, { cause: error });
    const cause = (error as Error).cause ?? error;
    throw new StaticExportError('ERR_EXPORT_SETUP_FAILED', `The renderer's setup failed on this host (${initData.renderer}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return host;
}

function toPath(name: string, value: unknown): string {
  if (value instanceof URL) return fileURLToPath(value);
  check.string(name, value);
  return resolve(value as string);
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
