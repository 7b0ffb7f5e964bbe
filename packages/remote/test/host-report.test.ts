// remote.hosts(): every live host's stats and its workers' telemetry, as the hosts write them to Redis.
import { removeTempDirs, startRedis, waitFor, type Redis } from '@drove/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemotePool, type HostReport, type RemotePool } from '../src/index.js';
import { killHosts, startHost } from './helpers.js';

let redis: Redis;
let remote: RemotePool;

beforeAll(async () => {
  redis = await startRedis();
  remote = createRemotePool({ queue: 'seen', connection: redis.url });
});

afterAll(async () => {
  await remote?.destroy();
  await killHosts();
  await redis?.stop();
  removeTempDirs();
});

const byPid = (reports: HostReport[]) => new Map(reports.map((report) => [report.pid, report]));

describe('remote.hosts()', () => {
  it("lists every live host with its tasks, its pool's stats and its workers' telemetry; a stopped host leaves at once, a killed one after three intervals", async () => {
    expect(await remote.hosts()).toEqual([]);
    const report = ['--report-interval-ms', '200'];
    const [a, b, c] = await Promise.all([startHost(redis.url, 'seen', report), startHost(redis.url, 'seen', report), startHost(redis.url, 'seen', report)]);
    for (let i = 0; i < 30; i++) await remote.run(i);
    let reports = new Map<number, HostReport>();
    expect(
      await waitFor(async () => {
        reports = byPid(await remote.hosts());
        return reports.size === 3 && [...reports.values()].reduce((sum, host) => sum + host.stats.completed, 0) === 30;
      }),
    ).toBe(true);
    for (const host of [a, b, c]) {
      const seen = reports.get(host?.pid ?? 0);
      expect(seen).toMatchObject({ queue: 'seen', pid: host?.pid, stats: { queue: 'seen', running: 0, failed: 0, pool: { kind: 'thread', workers: 2 } } });
      expect(seen?.workers).toHaveLength(2);
      expect(seen?.workers.every((worker) => worker.kind === 'thread' && worker.pid === host?.pid && worker.heapUsedBytes > 0)).toBe(true);
      expect(seen?.hostId).toMatch(new RegExp(`-${host?.pid}-[0-9a-f]{6}$`));
    }

    a?.child.kill('SIGTERM');
    expect(await a?.exited).toBe(0);
    expect([...byPid(await remote.hosts()).keys()].sort()).toEqual([b?.pid, c?.pid].sort());

    b?.child.kill('SIGKILL');
    expect(await waitFor(async () => (await remote.hosts()).length === 1)).toBe(true);
    expect((await remote.hosts())[0]?.pid).toBe(c?.pid);
  });

  it('emits them as the telemetry event every telemetryIntervalMs', async () => {
    const watching = createRemotePool({ queue: 'seen', connection: redis.url, telemetryIntervalMs: 100 });
    try {
      const event = await new Promise<{ hosts: HostReport[]; at: number }>((resolve) => watching.once('telemetry', resolve));
      expect(event.hosts.length).toBeGreaterThanOrEqual(1);
      expect(event.hosts[0]?.workers).toHaveLength(2);
      expect(typeof event.at).toBe('number');
    } finally {
      await watching.close();
    }
    expect(() => createRemotePool({ queue: 'seen', connection: redis.url, telemetryIntervalMs: -1 })).toThrow(/telemetryIntervalMs/);
  });
});
