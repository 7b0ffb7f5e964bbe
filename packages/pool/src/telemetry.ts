/**
 * Telemetry of processes and threads: what a pool reports per worker, and
 * readers of Linux's `/proc` that any package can use for a child it did not
 * start as a pool worker.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';
import type { TelemetrySample } from './envelope.js';
import type * as ChildProcessModule from 'node:child_process';

export type { TelemetrySample } from './envelope.js';

/** One worker's telemetry, as `pool.telemetry()` reports it. */
export interface WorkerTelemetry {
  workerId: number;
  kind: 'thread' | 'process' | 'inline';
  pid: number;
  threadId: number;
  state: 'starting' | 'ready' | 'retiring' | 'stopping';
  leased: boolean;
  activeTasks: number;
  completedTasks: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Resident set size; for threads, of the process they share. */
  rssBytes: number;
  /** CPU use since the previous sample (or since the start), in percent of one core. */
  cpuPercent: number;
  /** Event-loop utilization since the previous sample, 0…1. */
  eventLoopUtilization: number;
  uptimeMs: number;
  /** True when the worker did not answer the probe in time (busy in a long task) and these are its last figures. */
  stale: boolean;
}

let ticks: number | undefined;

/**
 * The kernel's clock ticks per second (`getconf CLK_TCK`), which `/proc`
 * times are counted in. Read once; 100 where `getconf` is missing.
 */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      // Loaded on first use: every worker imports this module, few ever ask for ticks.
      const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof ChildProcessModule;
      const value = Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(), 10);
      ticks = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU time and memory of a process, read from `/proc`. */
export interface ProcStat {
  pid: number;
  /** User plus system CPU time, in milliseconds. */
  cpuMs: number;
  rssBytes: number;
}

/** Parses the CPU fields of a `/proc/…/stat` line, in clock ticks. */
export function parseStatTicks(stat: string): { utime: number; stime: number } {
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { utime: Number(fields[11]), stime: Number(fields[12]) };
}

function parseRss(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * Reads a process's CPU time and RSS from `/proc` (Linux). Resolves to
 * `undefined` where `/proc` is missing or the process is gone.
 *
 * @example
 * ```ts
 * import { readProcStat } from '@drove/pool/telemetry';
 * const stat = await readProcStat(child.pid); // { pid, cpuMs, rssBytes }
 * ```
 */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const [stat, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
    const { utime, stime } = parseStatTicks(stat);
    return { pid, cpuMs: ((utime + stime) * 1000) / clockTicksPerSecond(), rssBytes: parseRss(status) };
  } catch {
    return undefined;
  }
}

/**
 * CPU time of the calling thread in microseconds, from `/proc/thread-self/stat`
 * (Linux; resolution of one clock tick). `undefined` elsewhere.
 */
export function currentThreadCpuMicros(): { user: number; system: number } | undefined {
  try {
    // Synchronous on purpose: fs's sync calls run on the calling thread, so
    // thread-self names this thread and not one of libuv's.
    const { utime, stime } = parseStatTicks(readFileSync('/proc/thread-self/stat', 'utf8'));
    const perTick = 1_000_000 / clockTicksPerSecond();
    return { user: utime * perTick, system: stime * perTick };
  } catch {
    return undefined;
  }
}

let previousElu: EventLoopUtilization | undefined;

/**
 * What this thread or process reports about itself in a `pong`: memory, CPU
 * time (a thread's own, from `/proc/thread-self` on Linux), and event-loop
 * utilization since the previous sample.
 *
 * @example
 * ```ts
 * import { envelope } from '@drove/pool/envelope';
 * import { sampleSelf } from '@drove/pool/telemetry';
 * process.send(envelope('pong', { id, telemetry: sampleSelf() }));
 * ```
 */
export function sampleSelf(activeTasks = 0): TelemetrySample {
  const heap = getHeapStatistics();
  // process.cpuUsage() is the whole process's; a thread reads its own from /proc.
  const cpu = (isMainThread ? undefined : currentThreadCpuMicros()) ?? process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const eventLoopUtilization = (previousElu ? performance.eventLoopUtilization(elu, previousElu) : elu).utilization;
  previousElu = elu;
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
