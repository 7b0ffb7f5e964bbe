/**
 * What an export reports: log entries as paths finish, progress, failures,
 * and the summary it resolves to. Plain, serializable objects.
 *
 * @module
 */
import type { StaticExportErrorCode } from './errors.js';
import type { LogLevel } from './renderer.js';
import type { Shard } from './shard.js';

/** A path that failed: which, with what code, and where (the renderer's own stack when it threw). */
export interface ExportFailure {
  path: string;
  code: StaticExportErrorCode;
  message: string;
  stack: string | undefined;
}

/** One entry of `onLog`. */
export type ExportLogEntry =
  /** A file written, or left as it was by an incremental export. */
  | { type: 'artifact'; path: string; file: string; bytes: number; hash: string; unchanged: boolean }
  /** A line the renderer logged with `ctx.log()`. */
  | { type: 'message'; path: string; level: LogLevel; message: string }
  /** A path that failed. */
  | ({ type: 'failure' } & ExportFailure);

/** The counters so far, after each finished path (`onProgress`). */
export interface ExportProgress {
  /** The path just finished. */
  path: string;
  outcome: 'rendered' | 'failed';
  /** Paths read from the stream so far, those left to other shards included. */
  seen: number;
  /** Paths of this shard finished: rendered + failed. */
  done: number;
  rendered: number;
  failed: number;
  /** Files written. */
  artifacts: number;
  /** Files left as they were (incremental). */
  unchanged: number;
  /** Bytes written. */
  bytes: number;
  elapsedMs: number;
}

/** What {@link exportStatic} resolves to (and `ExportAbortedError.summary` holds). */
export interface ExportSummary {
  /** Paths of this shard that finished: rendered + failed. */
  paths: number;
  rendered: number;
  failed: number;
  /** Paths read from the stream that belong to other shards. */
  otherShards: number;
  /** Paths whose render was cut short by an abort: nothing of theirs was published. */
  interrupted: number;
  /** Files written. */
  artifacts: number;
  /** Files left as they were because their content had not changed (incremental). */
  unchanged: number;
  /** Bytes written. */
  bytes: number;
  /** The first `maxFailuresKept` failures (all are counted in `failed`). */
  failures: ExportFailure[];
  durationMs: number;
  /** The manifest written, absolute, or `undefined` with `manifest: false`. */
  manifestFile: string | undefined;
  shard: Shard | undefined;
  kind: 'process' | 'thread' | 'inline';
  workers: number;
  /** True when the export was stopped by its signal. */
  aborted: boolean;
}
