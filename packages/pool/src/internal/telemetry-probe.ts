import { performance } from 'node:perf_hooks';
import { envelope, type TelemetrySample } from '../envelope.js';
import type { WorkerKind } from '../options.js';
import type { WorkerTelemetry } from '../telemetry.js';
import type { PoolWorker } from './pool-worker.js';

let nextPingId = 1;

/**
 * Asks a worker for its telemetry over the envelope (ping → pong). A worker
 * busy in a long synchronous task cannot answer within `timeoutMs`: it is
 * reported with its last figures and `stale: true`.
 */
export async function probeTelemetry(worker: PoolWorker, timeoutMs: number, kind: WorkerKind): Promise<WorkerTelemetry> {
  return toTelemetry(worker, await ping(worker, timeoutMs), kind);
}

function ping(worker: PoolWorker, timeoutMs: number): Promise<TelemetrySample | undefined> {
  return new Promise((resolve) => {
    const id = nextPingId++;
    const timer = setTimeout(() => {
      worker.pings.delete(id);
      resolve(undefined);
    }, timeoutMs);
    worker.pings.set(id, (sample) => {
      clearTimeout(timer);
      resolve(sample);
    });
    if (!worker.post(envelope('ping', { id }))) {
      worker.pings.delete(id);
      clearTimeout(timer);
      resolve(undefined);
    }
  });
}

/** Turns a sample into a report; CPU % is over the time since the previous sample. */
function toTelemetry(
  worker: PoolWorker,
  sample: TelemetrySample | undefined,
  kind: WorkerKind,
): WorkerTelemetry {
  const now = performance.now();
  const previous = worker.lastSample;
  const current = sample ?? previous?.sample;
  if (sample) worker.lastSample = { sample, at: now };
  let cpuPercent = 0;
  let eventLoopUtilization = current?.eventLoopUtilization ?? 0;
  if (sample && previous) {
    const cpuMicros = sample.cpuUserMicros + sample.cpuSystemMicros - previous.sample.cpuUserMicros - previous.sample.cpuSystemMicros;
    const wallMicros = (sample.uptimeMs - previous.sample.uptimeMs) * 1000;
    cpuPercent = wallMicros > 0 ? Math.max(0, (cpuMicros / wallMicros) * 100) : 0;
  } else if (sample && sample.uptimeMs > 0) {
    cpuPercent = ((sample.cpuUserMicros + sample.cpuSystemMicros) / (sample.uptimeMs * 1000)) * 100;
  }
  if (!sample && previous) eventLoopUtilization = previous.sample.eventLoopUtilization;
  return {
    workerId: worker.id,
    kind,
    pid: current?.pid ?? worker.endpoint.pid ?? process.pid,
    threadId: current?.threadId ?? worker.endpoint.threadId,
    state: worker.state === 'exited' ? 'stopping' : worker.state,
    leased: worker.holder !== undefined,
    activeTasks: worker.inFlight.size,
    completedTasks: worker.completed,
    heapUsedBytes: current?.heapUsedBytes ?? 0,
    heapTotalBytes: current?.heapTotalBytes ?? 0,
    rssBytes: current?.rssBytes ?? 0,
    cpuPercent,
    eventLoopUtilization,
    uptimeMs: current?.uptimeMs ?? 0,
    stale: sample === undefined,
  };
}
