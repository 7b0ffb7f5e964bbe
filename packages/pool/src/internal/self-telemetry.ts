import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { isMainThread, threadId } from 'node:worker_threads';
import type { TelemetrySample } from '../envelope.js';
import { currentThreadCpuMicros } from '../telemetry.js';

/** What this worker reports about itself in a `pong`. */
export function sampleSelf(activeTasks: number): TelemetrySample {
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
    eventLoopUtilization: performance.eventLoopUtilization().utilization,
    uptimeMs: performance.now(),
  };
}
