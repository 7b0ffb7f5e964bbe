import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '@drove/test-support';
import { fixturePath, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const execFileAsync = promisify(execFile);

interface Sample {
  heapUsed: number;
  heapTotal: number;
  rss: number;
  arrayBuffers: number;
}

interface Probe {
  early: Sample;
  late: Sample;
  rendered: number;
  failed: number;
  artifacts: number;
}

const MiB = 2 ** 20;

/** Runs the probe in a process of its own, so that only the coordinator is measured. */
async function probe(nodeFlags: string[], source: 'sync' | 'async' = 'sync'): Promise<Probe> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--expose-gc', ...nodeFlags, fixturePath('memory-probe.mjs'), tempDir(), 'process', '200000', '10000', source],
    { timeout: 240_000, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Probe;
}

describe('the coordinator over a 200,000-path generator', () => {
  it('keeps its live heap flat and its memory bounded between 10,000 and 200,000 paths', async () => {
    // V8's young generation is pinned small so RSS shows what the exporter holds, not how V8 sizes its
    // nursery (by default it grows to its fixed maximum, about 16 MiB more, in the first 50,000 paths; see README).
    const result = await probe(['--max-semi-space-size=1']);
    expect(result).toMatchObject({ rendered: 200_000, failed: 0, artifacts: 2000 });
    // Live objects: no per-path growth at all (allow 2 MiB of noise).
    expect(result.late.heapUsed - result.early.heapUsed).toBeLessThan(2 * MiB);
    // The only per-path state: 8 bytes a claimed output file for collision checks (4 MiB of typed arrays at 200,000).
    expect(result.late.arrayBuffers - result.early.arrayBuffers).toBeLessThan(6 * MiB);
    expect(result.late.rss - result.early.rss).toBeLessThan(20 * MiB);
  }, 240_000);

  it('keeps its live heap flat when the paths come from an async iterable, as the CLI reads them', async () => {
    const result = await probe(['--max-semi-space-size=1'], 'async');
    expect(result).toMatchObject({ rendered: 200_000, failed: 0 });
    // Waiting on an async source must not leave anything behind a path (it once left a promise reaction: +70 MiB).
    expect(result.late.heapUsed - result.early.heapUsed).toBeLessThan(2 * MiB);
    expect(result.late.rss - result.early.rss).toBeLessThan(20 * MiB);
  }, 240_000);

  it('keeps its live heap flat with default V8 settings too, and its young generation from growing to the maximum', async () => {
    const result = await probe([]);
    expect(result.rendered).toBe(200_000);
    expect(result.late.heapUsed - result.early.heapUsed).toBeLessThan(2 * MiB);
    // V8 doubles the young generation as bytes survive its collections. With what a path leaves alive
    // across them kept small, it stops at 8 MiB semi-spaces here (heap +12 MiB); when a task's abort
    // listener chained each task to the next, it reached its 16 MiB maximum in most runs (+28 MiB).
    expect(result.late.heapTotal - result.early.heapTotal).toBeLessThan(24 * MiB);
    // Bounded, not proportional: a fixed young generation plus the claims table (200,000 paths of page
    // data alone would be far more than this).
    expect(result.late.rss - result.early.rss).toBeLessThan(64 * MiB);
  }, 240_000);
});
