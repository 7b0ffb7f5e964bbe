import { getHeapStatistics } from 'node:v8';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { isMainThread, threadId } from 'node:worker_threads';
import type { TelemetrySample } from '../envelope.js';
import { currentThreadCpuMicros } from '../telemetry.js';

let previousElu: EventLoopUtilization | undefined;

/** What this worker reports about itself in a `pong`; event-loop utilization is since the previous probe. */
export function sampleSelf(activeTasks: number): TelemetrySample {
  const elu = performance.eventLoopUtilization();
  const eventLoopUtilization = (previousElu ? performance.eventLoopUtilization(elu, previousElu) : elu).utilization;
  previousElu = elu;
  const heap = getHeapStatistics();
  // process.cpuUsage() is the whole process's; a thread reads its own from /proc.
  const cpu = (isMainThread ? undefined : currentThreadCpuMicros()) ?? process.cpuUsage();
  return {
    pid: process.pid,
    threadId,
    activeTasks,
    heapUsedBytes: heap.used_heap_size,
    heapTotalBytes: heap.total_heap_size,
    rssBytes: process.memoryUsage.rss(),
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    eventLoopUtilization,
    uptimeMs: performance.now(),
  };
}
