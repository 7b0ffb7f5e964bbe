import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkerTelemetry } from '@drove/pool';
import type { ExportLogEntry, ExportProgress } from './report.js';
import { StaticExportError } from './errors.js';
import { CHUNK_CAP } from './internal/chunked-dispatch.js';
import { findUncloneable } from './internal/cloneable.js';
import { check, describe } from './internal/validate.js';
import { defaultManifestName } from './manifest.js';
import type { Shard } from './shard.js';

/** Where render children run. */
export type ExportKind = 'process' | 'thread' | 'inline';

/** Options of {@link exportStatic}. `renderer`, `paths` and `outDir` are required. */
export interface ExportOptions {
  /** The renderer module (a `file:` URL or a path): it exports `render(path, ctx)` and optionally `setup(options)`. */
  renderer: URL | string;
  /** The paths to export, as an iterable or async iterable of strings, pulled only as fast as children take them. */
  paths: Iterable<string> | AsyncIterable<string>;
  /** The directory files are written to (created if missing). */
  outDir: URL | string;
  /** Render children: a number, or `'auto'` for one a core. Always 1 for `kind: 'inline'`. @default 'auto' */
  workers?: number | 'auto';
  /** `'process'` (forked children), `'thread'` (worker threads) or `'inline'` (this thread, the same code path). @default 'process' */
  kind?: ExportKind;
  /** Given to the renderer's `setup(options)` in every child; must survive structured clone (checked at once, naming the offending key). */
  rendererOptions?: unknown;
  /** A path whose render takes longer fails with `ERR_EXPORT_TIMEOUT` and its child is replaced; 0 for no limit. @default 0 */
  timeoutMs?: number;
  /** Times a path whose child died under it is rendered again on a fresh child. @default 0 */
  retries?: number;
  /** Skip writing files whose content hash equals the previous manifest's (the file must still be there with that size). @default false */
  incremental?: boolean;
  /** Render only this shard of the paths (see `shardOf`). */
  shard?: Shard;
  /** The manifest's file name in `outDir`, or `false` for none. @default '.drove-manifest.jsonl' ('.drove-manifest.I-of-N.jsonl' for a shard) */
  manifest?: string | false;
  /**
   * Replace files in `outDir` that no earlier export wrote (a user's files). Without it such a file fails its path
   * with `ERR_EXPORT_WOULD_OVERWRITE` and is left as it is, and a non-empty `outDir` with no manifest of an earlier
   * export (or any non-empty `outDir` with `manifest: false`) is refused at the start.
   * @default false
   */
  force?: boolean;
  /**
   * Paths in flight at most (pulled and dispatched, or finished but waiting for an earlier path to be recorded).
   * Process and thread children get fast paths several to a message, at most `concurrency / (2 × workers × rendersPerWorker + 1)` (and 32).
   * @default max(8, 4 × workers × rendersPerWorker), times 32 for process and thread children unless `maxPathsPerWorker` is set
   */
  concurrency?: number;
  /** Paths one child renders at once (for renderers that wait on I/O). @default 1 */
  rendersPerWorker?: number;
  /** A child is replaced after rendering this many paths (for renderers that leak). @default Infinity */
  maxPathsPerWorker?: number;
  /** After `signal` aborts, paths already rendering may finish for this long before their children are stopped. @default 5000 */
  abortGraceMs?: number;
  /** Failures kept in the summary (all are counted and all reach `onLog`). @default 1000 */
  maxFailuresKept?: number;
  /** The children's stdout and stderr. @default 'inherit' */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** Every log entry: each file written or left unchanged, each `ctx.log()` line, each failure. */
  onLog?: (entry: ExportLogEntry) => void;
  /** After each path is finished (rendered or failed). */
  onProgress?: (progress: ExportProgress) => void;
  /** The render children's telemetry (pool's `WorkerTelemetry`: pid, CPU %, heap, event-loop use, tasks), every `telemetryIntervalMs` while they run. */
  onTelemetry?: (workers: WorkerTelemetry[]) => void;
  /** How often `onTelemetry` is called. @default 1000 */
  telemetryIntervalMs?: number;
  /** Stops the export: no further path is dispatched, paths rendering finish (see `abortGraceMs`), and it rejects with `ERR_EXPORT_ABORTED` carrying the summary. */
  signal?: AbortSignal;
}

/** {@link ExportOptions} checked and filled in. */
export interface ResolvedExportOptions {
  rendererUrl: string;
  paths: Iterable<string> | AsyncIterable<string>;
  outDir: string;
  workers: number;
  kind: ExportKind;
  rendererOptions: unknown;
  timeoutMs: number;
  retries: number;
  incremental: boolean;
  shard: Shard | undefined;
  manifest: string | undefined;
  force: boolean;
  concurrency: number;
  rendersPerWorker: number;
  maxPathsPerWorker: number;
  abortGraceMs: number;
  maxFailuresKept: number;
  stdio: 'inherit' | 'pipe' | 'ignore';
  onLog: ((entry: ExportLogEntry) => void) | undefined;
  onProgress: ((progress: ExportProgress) => void) | undefined;
  onTelemetry: ((workers: WorkerTelemetry[]) => void) | undefined;
  telemetryIntervalMs: number;
  signal: AbortSignal | undefined;
  /** Internal, for tests: every chunk this many paths (process and thread children). */
  chunkPaths: number | undefined;
}

/** Internal, for tests: an option under this key forces the chunk size (a symbol, so it is no public option). */
export const chunkPathsOption = Symbol.for('drove.static-export.chunkPaths');

const known = [
  'renderer', 'paths', 'outDir', 'workers', 'kind', 'rendererOptions', 'timeoutMs', 'retries', 'incremental', 'shard',
  'manifest', 'force', 'concurrency', 'rendersPerWorker', 'maxPathsPerWorker', 'abortGraceMs', 'maxFailuresKept', 'stdio', 'onLog',
  'onProgress', 'onTelemetry', 'telemetryIntervalMs', 'signal',
];

/**
 * Checks every option eagerly and fills in defaults. Pure but for one look at
 * the file system: a renderer module that does not exist is refused here.
 *
 * @throws {StaticExportError} `ERR_EXPORT_INVALID_OPTION`, naming the option (for `rendererOptions`,
 * the key path that cannot be cloned), what it expects and what it got.
 * @example
 * ```ts
 * import { resolveExportOptions } from '@drove/static-export';
 * resolveExportOptions({ renderer: './render.mjs', paths: ['/'], outDir: 'dist' }).workers; // os.availableParallelism()
 * ```
 */
export function resolveExportOptions(options: ExportOptions): ResolvedExportOptions {
  if (typeof options !== 'object' || options === null) check.fail('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new StaticExportError('ERR_EXPORT_INVALID_OPTION', `Unknown option \`${key}\` (known: ${known.join(', ')})`);
    }
  }
  const kind = options.kind ?? 'process';
  check.oneOf('kind', kind, ['process', 'thread', 'inline'] as const);
  const workers = resolveWorkers(options.workers ?? 'auto', kind);
  const shard = resolveShard(options.shard);
  const manifest = resolveManifest(options.manifest, shard);
  const resolved: ResolvedExportOptions = {
    rendererUrl: resolveRenderer(options.renderer),
    paths: options.paths,
    outDir: resolveOutDir(options.outDir),
    workers,
    kind,
    rendererOptions: options.rendererOptions,
    timeoutMs: options.timeoutMs ?? 0,
    retries: options.retries ?? 0,
    incremental: options.incremental ?? false,
    shard,
    manifest,
    force: options.force ?? false,
    // Kept small by default when a path is a task (pool.map adds one abort listener a path in flight); chunks need room.
    concurrency:
      options.concurrency ??
      Math.max(8, 4 * workers * (options.rendersPerWorker ?? 1)) * (kind !== 'inline' && (options.maxPathsPerWorker ?? Infinity) === Infinity ? CHUNK_CAP : 1),
    rendersPerWorker: options.rendersPerWorker ?? 1,
    maxPathsPerWorker: options.maxPathsPerWorker ?? Number.POSITIVE_INFINITY,
    abortGraceMs: options.abortGraceMs ?? 5000,
    maxFailuresKept: options.maxFailuresKept ?? 1000,
    stdio: options.stdio ?? 'inherit',
    onLog: options.onLog,
    onProgress: options.onProgress,
    onTelemetry: options.onTelemetry,
    telemetryIntervalMs: options.telemetryIntervalMs ?? 1000,
    signal: options.signal,
    chunkPaths: (options as { [chunkPathsOption]?: number })[chunkPathsOption],
  };
  const paths = resolved.paths as unknown;
  if (
    typeof paths !== 'object' ||
    paths === null ||
    (typeof (paths as Iterable<string>)[Symbol.iterator] !== 'function' && typeof (paths as AsyncIterable<string>)[Symbol.asyncIterator] !== 'function')
  ) {
    check.fail('paths', 'an iterable or an async iterable of strings', paths);
  }
  check.duration('timeoutMs', resolved.timeoutMs);
  check.count('retries', resolved.retries, { min: 0, max: 100 });
  check.boolean('incremental', resolved.incremental);
  check.boolean('force', resolved.force);
  check.count('concurrency', resolved.concurrency, { min: 1 });
  check.count('rendersPerWorker', resolved.rendersPerWorker, { min: 1 });
  check.count('maxPathsPerWorker', resolved.maxPathsPerWorker, { min: 1, infinite: true });
  check.duration('abortGraceMs', resolved.abortGraceMs);
  check.count('maxFailuresKept', resolved.maxFailuresKept, { min: 0 });
  check.oneOf('stdio', resolved.stdio, ['inherit', 'pipe', 'ignore'] as const);
  if (resolved.onLog !== undefined) check.function('onLog', resolved.onLog);
  if (resolved.onProgress !== undefined) check.function('onProgress', resolved.onProgress);
  if (resolved.onTelemetry !== undefined) check.function('onTelemetry', resolved.onTelemetry);
  check.duration('telemetryIntervalMs', resolved.telemetryIntervalMs, { min: 10 });
  if (resolved.signal !== undefined) check.signal('signal', resolved.signal);
  if (resolved.chunkPaths !== undefined) check.count('chunkPaths', resolved.chunkPaths, { min: 1 });
  if (resolved.incremental && resolved.manifest === undefined) {
    throw new StaticExportError('ERR_EXPORT_INVALID_OPTION', 'Expected `manifest` to name a file with `incremental: true` (it reads the previous one), got `false`');
  }
  const uncloneable = findUncloneable(resolved.rendererOptions, 'rendererOptions');
  if (uncloneable) {
    throw new StaticExportError(
      'ERR_EXPORT_INVALID_OPTION',
      `Expected \`${uncloneable.keyPath}\` to be structured-cloneable (rendererOptions are copied into every render child), got ${describe(uncloneable.value)}: ${uncloneable.reason}`,
    );
  }
  return resolved;
}

function resolveWorkers(workers: unknown, kind: ExportKind): number {
  if (kind === 'inline') {
    if (workers !== 'auto' && workers !== 1) check.fail('workers', "1 or 'auto' with `kind: 'inline'`", workers);
    return 1;
  }
  if (workers === 'auto') return availableParallelism();
  check.count('workers', workers, { min: 1, max: 1024 });
  return workers as number;
}

function resolveShard(shard: unknown): Shard | undefined {
  if (shard === undefined) return undefined;
  if (typeof shard !== 'object' || shard === null) check.fail('shard', 'an object { index, count }', shard);
  const { index, count } = shard as Shard;
  check.count('shard.count', count, { min: 1 });
  check.count('shard.index', index, { min: 1, max: count });
  return { index, count };
}

function resolveManifest(manifest: unknown, shard: Shard | undefined): string | undefined {
  if (manifest === false) return undefined;
  if (manifest === undefined) return defaultManifestName(shard);
  if (typeof manifest !== 'string' || manifest.length === 0 || manifest.includes('/') || manifest.includes('\\') || manifest === '.' || manifest === '..') {
    check.fail('manifest', 'a file name (no directory) or false', manifest);
  }
  return manifest;
}

function resolveRenderer(renderer: unknown): string {
  let path: string;
  if (renderer instanceof URL) {
    if (renderer.protocol !== 'file:') check.fail('renderer', 'a file: URL or a path', renderer.href);
    path = fileURLToPath(renderer);
  } else if (typeof renderer === 'string' && renderer.length > 0) {
    path = renderer.startsWith('file:') ? fileURLToPath(renderer) : resolve(renderer);
  } else {
    check.fail('renderer', 'a file: URL or a path to the renderer module', renderer);
  }
  if (!existsSync(path)) {
    throw new StaticExportError('ERR_EXPORT_INVALID_OPTION', `Expected \`renderer\` to name an existing module, got \`${path}\` (not found)`);
  }
  return pathToFileURL(path).href;
}

function resolveOutDir(outDir: unknown): string {
  if (outDir instanceof URL) {
    if (outDir.protocol !== 'file:') check.fail('outDir', 'a file: URL or a path', outDir.href);
    return fileURLToPath(outDir);
  }
  if (typeof outDir !== 'string' || outDir.length === 0) check.fail('outDir', 'a file: URL or a path', outDir);
  return isAbsolute(outDir) ? outDir : resolve(outDir);
}
