import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createPool, type Pool, type WorkerKind, type WorkerTelemetry } from '@drove/pool';
import { clockTicksPerSecond, parseStatTicks, readProcStat } from '@drove/pool/telemetry';
import { makeTempDir, removeTempDirs } from '@drove/test-support';

const worker = new URL('./fixtures/gated-worker.mjs', import.meta.url);

/** The handlers of fixtures/gated-worker.mjs these tests use. */
type Handlers = {
  whoami: (payload?: undefined) => number;
  burn: (iterations: number) => number;
  blockUntilFile: (path: string) => string;
};

/** Enough work to take tens of milliseconds of CPU on any machine (a fixed amount of work, not of time). */
const BURN = 30_000_000;

const dir = makeTempDir('drove-telemetry-');
let gates = 0;

afterAll(removeTempDirs);

function checkShape(entry: WorkerTelemetry, kind: WorkerKind): void {
  expect(entry.kind).toBe(kind);
  expect(entry.workerId).toBeGreaterThan(0);
  if (kind === 'thread') {
    expect(entry.pid).toBe(process.pid);
    expect(entry.threadId).toBeGreaterThan(0);
  } else if (kind === 'process') {
    expect(entry.pid).toBeGreaterThan(0);
    expect(entry.pid).not.toBe(process.pid);
    expect(entry.threadId).toBe(0);
  } else {
    expect(entry.pid).toBe(process.pid);
  }
  expect(entry.heapUsedBytes).toBeGreaterThan(0);
  expect(entry.heapTotalBytes).toBeGreaterThanOrEqual(entry.heapUsedBytes);
  expect(entry.rssBytes).toBeGreaterThan(0);
  expect(entry.cpuPercent).toBeGreaterThanOrEqual(0);
  expect(Number.isFinite(entry.cpuPercent)).toBe(true);
  expect(entry.eventLoopUtilization).toBeGreaterThanOrEqual(0);
  expect(entry.eventLoopUtilization).toBeLessThanOrEqual(1);
  expect(entry.uptimeMs).toBeGreaterThan(0);
}

describe.each<WorkerKind>(['thread', 'process'])('pool.telemetry() of %s workers', (kind) => {
  let pool: Pool<Handlers> | undefined;
  const release: (() => void)[] = [];

  afterEach(async () => {
    for (const open of release.splice(0)) open();
    await pool?.destroy();
    pool = undefined;
  });

  it('reports one entry per worker with its pid, thread id, memory, CPU and event-loop figures', async () => {
    const p = createPool<Handlers>({ worker, kind, maxWorkers: 2, minWorkers: 2 });
    pool = p;
    await p.ready();
    const entries = await p.telemetry();
    expect(entries).toHaveLength(2);
    expect(new Set(entries.map((entry) => entry.workerId)).size).toBe(2);
    for (const entry of entries) {
      checkShape(entry, kind);
      expect(entry.state).toBe('ready');
      expect(entry.activeTasks).toBe(0);
      expect(entry.leased).toBe(false);
      expect(entry.stale).toBe(false);
    }
    if (kind === 'thread') expect(new Set(entries.map((entry) => entry.threadId)).size).toBe(2);
    if (kind === 'process') expect(new Set(entries.map((entry) => entry.pid)).size).toBe(2);
  });

  it('shows cpuPercent > 0 on the next call after a CPU-bound task', async () => {
    const p = createPool<Handlers>({ worker, kind, maxWorkers: 1, minWorkers: 1 });
    pool = p;
    await p.ready();
    const [before] = await p.telemetry();
    expect(before!.cpuPercent).toBeGreaterThanOrEqual(0);
    await p.run(BURN, { handler: 'burn' });
    const [after] = await p.telemetry();
    expect(after!.workerId).toBe(before!.workerId);
    expect(after!.cpuPercent).toBeGreaterThan(0);
    expect(after!.completedTasks).toBe(1);
    expect(after!.stale).toBe(false);
  });

  it('marks a worker blocked in a long synchronous task as stale, with its last figures', async () => {
    const p = createPool<Handlers>({ worker, kind, maxWorkers: 1, minWorkers: 1 });
    pool = p;
    await p.ready();
    const [fresh] = await p.telemetry();
    expect(fresh!.stale).toBe(false);

    const gate = join(dir, `gate-${gates++}`);
    const open = () => writeFileSync(gate, '');
    release.push(open);
    let onBlocked!: () => void;
    const blocked = new Promise<void>((resolve) => {
      onBlocked = resolve;
    });
    const task = p.run(gate, { handler: 'blockUntilFile', onProgress: () => onBlocked() });
    await blocked; // the worker is now inside a synchronous loop until the gate opens

    const [stale] = await p.telemetry({ timeoutMs: 150 });
    expect(stale!.stale).toBe(true);
    expect(stale!.workerId).toBe(fresh!.workerId);
    expect(stale!.activeTasks).toBe(1);
    // Its last figures, not zeros.
    expect(stale!.heapUsedBytes).toBe(fresh!.heapUsedBytes);
    expect(stale!.rssBytes).toBe(fresh!.rssBytes);
    expect(stale!.pid).toBe(fresh!.pid);

    open();
    await expect(task).resolves.toBe('released');
    const [answered] = await p.telemetry();
    expect(answered!.stale).toBe(false);
    expect(answered!.activeTasks).toBe(0);
  });

  it('emits the telemetry event every telemetryIntervalMs, and no more once closed', async () => {
    const p = createPool<Handlers>({ worker, kind, maxWorkers: 2, minWorkers: 2, telemetryIntervalMs: 50 });
    pool = p;
    await p.ready();
    const samples: { workers: WorkerTelemetry[]; at: number }[] = [];
    p.on('telemetry', (sample) => samples.push(sample));
    // ready() waits for one worker: samples list the workers started so far, so wait for two with both.
    const full = () => samples.filter((sample) => sample.workers.length === 2);
    await expect.poll(() => full().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const [first, second] = full();
    for (const entry of first!.workers) checkShape(entry, kind);
    expect(second!.at).toBeGreaterThan(first!.at);
    await p.close();
    const count = samples.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(samples.length).toBe(count);
  });

  it('reports a leased worker as leased', async () => {
    const p = createPool<Handlers>({ worker, kind, maxWorkers: 1, minWorkers: 1 });
    pool = p;
    const lease = await p.acquire();
    const [entry] = await p.telemetry();
    expect(entry!.leased).toBe(true);
    expect(entry!.workerId).toBe(lease.workerId);
    lease.release();
    const [after] = await p.telemetry();
    expect(after!.leased).toBe(false);
  });
});

describe('pool.telemetry() of an inline worker', () => {
  let pool: Pool<Handlers> | undefined;

  afterEach(async () => {
    await pool?.destroy();
    pool = undefined;
  });

  it('reports the calling process', async () => {
    const p = createPool<Handlers>({ worker, kind: 'inline' });
    pool = p;
    await p.ready();
    const entries = await p.telemetry();
    expect(entries).toHaveLength(1);
    checkShape(entries[0]!, 'inline');
    expect(entries[0]!.stale).toBe(false);
  });

  it('reports nothing for a pool with no worker started', async () => {
    const p = createPool<Handlers>({ worker, kind: 'thread', minWorkers: 0, maxWorkers: 1 });
    pool = p;
    expect(await p.telemetry()).toEqual([]);
  });
});

describe('readProcStat', () => {
  it.runIf(process.platform === 'linux')('reads CPU time and RSS of this process', async () => {
    // Make sure this process has used measurable CPU time.
    let x = 0;
    for (let i = 0; i < BURN; i++) x = (x + Math.sqrt(i)) % 1_000_003;
    expect(x).toBeGreaterThanOrEqual(0);
    const stat = await readProcStat(process.pid);
    expect(stat).toBeDefined();
    expect(stat!.pid).toBe(process.pid);
    expect(stat!.cpuMs).toBeGreaterThan(0);
    expect(stat!.rssBytes).toBeGreaterThan(0);
    // It agrees with what Node says about itself, within a wide margin.
    const rss = process.memoryUsage.rss();
    expect(stat!.rssBytes).toBeGreaterThan(rss / 4);
    expect(stat!.rssBytes).toBeLessThan(rss * 4);
  });

  it('resolves to undefined for a process that does not exist', async () => {
    expect(await readProcStat(2 ** 30)).toBeUndefined();
  });

  it('knows the clock tick rate', () => {
    const ticks = clockTicksPerSecond();
    expect(Number.isInteger(ticks)).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('parseStatTicks', () => {
  /** A /proc/<pid>/stat line with utime 1234 and stime 567 (fields 14 and 15). */
  function statLine(comm: string): string {
    const after = ['S', '1', '100', '100', '0', '-1', '4194560', '2000', '0', '0', '0', '1234', '567', '0', '0', '20', '0', '11'];
    return `4242 (${comm}) ${after.join(' ')}\n`;
  }

  it('reads utime and stime of a plain command name', () => {
    expect(parseStatTicks(statLine('node'))).toEqual({ utime: 1234, stime: 567 });
  });

  it('handles a command name with spaces and parentheses', () => {
    expect(parseStatTicks(statLine('my (weird) proc'))).toEqual({ utime: 1234, stime: 567 });
    expect(parseStatTicks(statLine(') ) 1 2 3 ('))).toEqual({ utime: 1234, stime: 567 });
    expect(parseStatTicks(statLine('a b c d e f g h i j k l m n'))).toEqual({ utime: 1234, stime: 567 });
  });

  it.runIf(process.platform === 'linux')('parses a real /proc line', async () => {
    const { readFile } = await import('node:fs/promises');
    const ticks = parseStatTicks(await readFile('/proc/self/stat', 'utf8'));
    expect(Number.isInteger(ticks.utime)).toBe(true);
    expect(Number.isInteger(ticks.stime)).toBe(true);
    expect(ticks.utime + ticks.stime).toBeGreaterThan(0);
  });
});
