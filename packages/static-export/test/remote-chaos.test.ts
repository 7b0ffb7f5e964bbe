// Chaos for an export spread over hosts, against a real redis-server: three `drove-export worker`
// processes; one is SIGKILLed a quarter of the way through, another SIGSTOPped halfway for longer
// than the stall interval (then resumed: its stale copies must change nothing), and a fresh host joins.
// The merged output must equal a one-machine export byte for byte, every path listed exactly once.
// 20,000 paths (about 30 s on a shared 2-core machine); CHAOS_PATHS=<n> for another count.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { exportStatic, mergeExports } from '@drove/static-export';
import { exportRemote } from '@drove/static-export/remote';
import { isAlive, waitFor } from '@drove/test-support';
import { fixture, sitePaths, tempDir, treeOf } from './helpers.js';
import { startExportHost, stopExportHost, useRedis, type ExportHost } from './remote-hosts.js';

const count = Number(process.env.CHAOS_PATHS ?? 20_000);
const redis = useRedis();

it(`an export of ${count} paths survives a killed host and a paused one: merged, it equals a one-machine export`, { timeout: 30 * 60_000 }, async () => {
  const stall = ['--stall-interval-ms', '1000'];
  const start = (name: string) => startExportHost(redis.url, 'chaos', { name, out: tempDir(`drove-chaos-${name}-`), args: stall });
  const hosts = await Promise.all(['killed', 'paused', 'steady'].map(start));
  const [killed, paused] = hosts as [ExportHost, ExportHost, ExportHost];
  let resumed: Promise<void> | undefined;
  let joined: Promise<ExportHost> | undefined;
  let stalled = 0;
  const summary = await exportRemote({
    connection: redis.url,
    queue: 'chaos',
    paths: sitePaths(count),
    onProgress: ({ done }) => {
      if (done === Math.floor(count / 4)) killed.child.kill('SIGKILL');
      if (done === Math.floor(count / 2)) {
        paused.child.kill('SIGSTOP');
        // Past the stall interval and a check of it, then back: what it finishes late must change nothing.
        resumed = new Promise((resolve) => setTimeout(() => resolve(void paused.child.kill('SIGCONT')), 3000));
        joined = start('joined');
      }
    },
    onLog: (entry) => {
      if (entry.type === 'failure') stalled++;
    },
  });
  await resumed;
  const late = await joined;
  expect(stalled).toBe(0);
  expect(summary).toMatchObject({ paths: count, rendered: count, failed: 0 });
  expect(await waitFor(() => !isAlive(killed.pid))).toBe(true);
  // The paused host finishes what it holds and stops; its folder is merged with the others'.
  const survivors = [...hosts.slice(1), ...(late ? [late] : [])];
  expect(await Promise.all(survivors.map(stopExportHost))).toEqual(survivors.map(() => 0));

  const merged = tempDir('drove-chaos-merged-');
  const result = await mergeExports({ from: [...hosts, ...(late ? [late] : [])].map((host) => host.out), outDir: merged });
  expect(result).toMatchObject({ run: summary.run, paths: count, collisions: 0 });
  const local = tempDir('drove-chaos-local-');
  const one = await exportStatic({ renderer: fixture('remote-renderer.mjs'), paths: sitePaths(count), outDir: local, workers: 2, kind: 'process' });
  expect(one.failed).toBe(0);
  expect(treeOf(merged)).toEqual(treeOf(local));
  // Every path exactly once in the manifest, in input order.
  const lines = readFileSync(join(merged, '.drove-manifest.jsonl'), 'utf8').trimEnd().split('\n');
  expect(lines.map((line) => (JSON.parse(line) as { path: string }).path)).toEqual([...sitePaths(count)]);
  console.log(`chaos: ${count} paths on ${summary.hosts.join(', ')}, ${summary.stalled} tasks taken back from the killed or paused host; merge: ${result.duplicates} paths rendered twice, ${result.tornLines} torn lines, ${result.copied} files copied`);
});
