import type { ProgressListener } from '@drove/pool';
import type { HostReport } from './host-report.js';
import type { RetryBackoff } from './options.js';

export type { Settled } from '@drove/pool/map-stream';

/** Options of one `remote.run()`. */
export interface RemoteRunOptions<K extends string = string> {
  /** The handler to run. @default 'default' */
  handler?: K;
  /** Aborting rejects with an `AbortError` (`ABORT_ERR`): a queued task is removed from the queue; a running one sees `ctx.signal` fire on its host. */
  signal?: AbortSignal;
  /** This task's time limit on its host, overriding the pool's `timeoutMs`; 0 for none. */
  timeoutMs?: number;
  /** Progress the handler reports with `ctx.progress(value, message)`, from whichever host runs it. */
  onProgress?: ProgressListener;
  /** Overrides the pool's `attempts` for this task. */
  attempts?: number;
  /** Overrides the pool's `backoff` for this task. */
  backoff?: RetryBackoff;
}

/** Options of `remote.map()`. */
export interface RemoteMapOptions<K extends string = string> extends Omit<RemoteRunOptions<K>, 'onProgress'> {
  /** Items in flight at most; input is pulled only as results are taken. @default the pool's `concurrency` */
  concurrency?: number;
  /** Yield results in input order (`true`) or as they finish. @default true */
  ordered?: boolean;
  /** Yield every item's outcome as a `Settled` instead of ending at the first failure. @default false */
  settle?: boolean;
}

/** A plain, serializable snapshot of what this caller sent and what came of it. */
export interface RemotePoolStats {
  queue: string;
  /** Tasks added and not settled yet. */
  pending: number;
  /** Of those, tasks a host has taken (as far as the events said). */
  running: number;
  completed: number;
  failed: number;
  aborted: number;
  /** Times a host lost a task of this caller (its lock expired) and the task went back to the queue. */
  stalled: number;
  /** Tasks settled by asking Redis, their events having been missed. */
  reconciled: number;
}

/** Events of a remote pool; each listener gets one object. */
export interface RemotePoolEvents {
  /** A host took a task. */
  active: (event: { jobId: string }) => void;
  /** A host lost a task (it died or stalled past the stall interval); the task goes back to the queue. */
  stalled: (event: { jobId: string }) => void;
  /** Nothing of this caller pending. */
  drain: () => void;
  /** An error no caller owns (Redis connection errors while reconnecting). */
  error: (error: Error) => void;
  /** Every `telemetryIntervalMs`: what `hosts()` resolves to, and when it was read (epoch ms). */
  telemetry: (event: { hosts: HostReport[]; at: number }) => void;
}
