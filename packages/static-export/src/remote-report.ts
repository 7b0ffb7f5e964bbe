/**
 * What a remote export reports (`exportRemote`, `drove-export --remote`):
 * the local export's entries and counters, each with the host that rendered
 * the path. Plain, serializable objects.
 *
 * @module
 */
import type { ExportFailure, ExportLogEntry } from './report.js';

/** A path that failed, and the host that met the failure (`undefined` when no host answered for it: its task was lost or refused). */
export interface RemoteExportFailure extends ExportFailure {
  host: string | undefined;
}

/** One entry of a remote export's `onLog`: a local export's entry and the host it comes from. */
export type RemoteExportLogEntry = ExportLogEntry & { host: string | undefined };

/** What `exportRemote` resolves to. */
export interface RemoteExportSummary {
  /** The run's id: the hosts' run files carry it, and `mergeExports({ run })` picks it. */
  run: string;
  /** Paths finished: rendered + failed. */
  paths: number;
  rendered: number;
  failed: number;
  /** Paths whose task was cut short by an abort. */
  interrupted: number;
  /** Files written (in the hosts' folders). */
  artifacts: number;
  /** Files left as they were because the previous merged manifest lists the same content (incremental). */
  unchanged: number;
  /** Bytes written. */
  bytes: number;
  /** The first `maxFailuresKept` failures, each with its host. */
  failures: RemoteExportFailure[];
  /** The hosts that rendered paths of this run. */
  hosts: string[];
  /** Times a host lost a task of this run (it died, or stopped answering past its stall interval) and the task went back to the queue. */
  stalled: number;
  durationMs: number;
  aborted: boolean;
}
