// Chaos: a long map over three hosts while one is killed (SIGKILL) and another paused (SIGSTOP) past the
// stall interval, then a fresh host joins. Every item must settle exactly once at the caller, fulfilled.
// `npm run chaos -w @drove/remote` runs it with 20,000 tasks; the regular suite with CHAOS_TASKS or 2,000.
import { isAlive, makeTempDir, removeTempDirs, startRedis, waitFor, type Redis } from '@drove/test-support';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRemotePool, type RemotePool } from '../src/index.js';
import { killHosts, startHost } from './helpers.js';

const tasks = Number(process.env.CHAOS_TASKS ?? 2000);
let redis: Redis;
let remote: RemotePool | undefined;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await remote?.destroy();
  await killHosts();
  await redis?.stop();
  removeTempDirs();
});

it(`a map of ${tasks} tasks survives a killed host and a paused one: each settles exactly once`, { timeout: 30 * 60_000 }, async () => {
  const stall = ['--stall-interval-ms', '1000'];
  const [killed, paused] = await Promise.all([startHost(redis.url, 'chaos', stall), startHost(redis.url, 'chaos', stall), startHost(redis.url, 'chaos', stall)]);
  remote = createRemotePool({ queue: 'chaos', connection: redis.url });
  const file = join(makeTempDir('drove-remote-chaos-'), 'marks');
  function* items() {
    for (let i = 0; i < tasks; i++) yield { file, key: String(i), ms: 1 };
  }
  const settled = new Uint8Array(tasks);
  let count = 0;
  let resumed: Promise<void> | undefined;
  let joined: Promise<unknown> | undefined;
  for await (const outcome of remote.map(items(), { handler: 'work', concurrency: 64, settle: true, ordered: false })) {
    settled[outcome.index] = (settled[outcome.index] ?? 0) + 1;
    if (outcome.status !== 'fulfilled' || outcome.value !== String(outcome.index)) {
      expect.fail(`item ${outcome.index}: ${outcome.status === 'rejected' ? String(outcome.reason) : JSON.stringify(outcome.value)}`);
    }
    count++;
    if (count === Math.floor(tasks / 4)) killed?.child.kill('SIGKILL');
    if (count === Math.floor(tasks / 2)) {
      paused?.child.kill('SIGSTOP');
      // Past the stall interval (and a check of it), then back: its stale copies must not reach the caller.
      resumed = new Promise((resolve) => setTimeout(() => resolve(void paused?.child.kill('SIGCONT')), 3000));
      joined = startHost(redis.url, 'chaos', stall);
    }
  }
  await resumed;
  await joined;
  expect(count).toBe(tasks);
  expect(settled.every((times) => times === 1)).toBe(true);
  expect(await waitFor(() => !isAlive(killed?.pid ?? 0))).toBe(true);
  // At least once on the hosts: every task done somewhere.
  const done = new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('done '))
      .map((line) => line.split(' ')[1]),
  );
  expect(done.size).toBe(tasks);
  expect(remote.stats()).toMatchObject({ completed: tasks, failed: 0, pending: 0 });
  console.log(`chaos: ${tasks} tasks, ${remote.stats().stalled} taken back from a dead or paused host, ${remote.stats().reconciled} settled by a look-up`);
});
