/**
 * What a task is in Redis, written down once for the caller and the host: a
 * BullMQ job named after the handler whose data is {@link TaskData}; its return
 * value is the handler's result. A failed attempt leaves the handler's error,
 * in the envelope's error form, as the newest job log line.
 */
import type { SerializedError } from '@drove/pool/envelope';

/** A job's data. A plain BullMQ producer can add `queue.add('double', { payload: 21 })` too. */
export interface TaskData {
  payload: unknown;
  timeoutMs?: number | undefined;
}

/** What `job.updateProgress()` carries for `ctx.progress(value, message)`. */
export interface ProgressData {
  value: unknown;
  message?: string | undefined;
}

/** The message the caller publishes to cancel a running job. */
export interface CancelMessage {
  jobId: string;
}

const errorLogPrefix = 'drove:error ';

export function errorLogLine(error: SerializedError): string {
  return `${errorLogPrefix}${JSON.stringify(error)}`;
}

export function errorFromLog(lines: readonly string[]): SerializedError | undefined {
  for (const line of lines) {
    if (!line.startsWith(errorLogPrefix)) continue;
    try {
      return JSON.parse(line.slice(errorLogPrefix.length)) as SerializedError;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The pub/sub channel of a queue's cancellations, under the queue's key prefix. */
export function cancelChannel(prefix: string, queue: string): string {
  return `${prefix}:${queue}:drove:cancel`;
}

/** The sorted set of a queue's hosts (score: when each last reported). */
export function hostsKey(prefix: string, queue: string): string {
  return `${prefix}:${queue}:drove:hosts`;
}

/** A host's last report (JSON), expiring when the host stops reporting. */
export function hostReportKey(prefix: string, queue: string, hostId: string): string {
  return `${prefix}:${queue}:drove:host:${hostId}`;
}
