import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RuntimeLogEvent } from '@drove/tenant-runtime';
import { removeTempDirs } from '@drove/test-support';
import { disposeAll, getJson, runtime, tenantsRoot, tinyTenantScript, waitFor } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

describe('logs', () => {
  it('splits stdout and stderr into lines, per tenant', async () => {
    const lines: RuntimeLogEvent[] = [];
    const { runtime: rt } = runtime(tenantsRoot(['acme']), { onLog: (event) => lines.push(event) });
    const tenant = await rt.ensure('acme');
    await getJson(tenant.port, '/log?lines=3');
    expect(await waitFor(() => lines.filter((line) => line.line.startsWith('line ')).length === 3)).toBe(true);
    const stdout = lines.filter((line) => line.stream === 'stdout').map((line) => line.line);
    expect(stdout).toEqual([`listening on ${tenant.port}`, 'line 0', 'line 1', 'line 2']);
    expect(lines[0]).toMatchObject({ key: 'acme', pid: tenant.pid, stream: 'stdout', truncated: false, at: expect.any(Number) });
  });

  it('cuts a line longer than maxLogLineLength once, drops the rest of it, and goes on with the next line', async () => {
    const lines: RuntimeLogEvent[] = [];
    const { runtime: rt } = runtime(tenantsRoot(['acme']), { maxLogLineLength: 1000, onLog: (event) => lines.push(event) });
    const tenant = await rt.ensure('acme');
    await getJson(tenant.port, '/log?lines=0&long=5000000');
    expect(await waitFor(() => lines.some((line) => line.line === 'after long'))).toBe(true);
    const stderr = lines.filter((line) => line.stream === 'stderr');
    expect(stderr.map((line) => [line.line.length, line.truncated])).toEqual([
      [1000, true],
      [10, false],
    ]);
  });

  it('leaves memory flat over 1,000 spawn/kill cycles of a tiny tenant', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const settle = () => {
      for (let i = 0; i < 4; i++) gc();
      return process.memoryUsage().heapUsed;
    };
    const keys = ['a', 'b', 'c', 'd'];
    let lines = 0;
    const { runtime: rt } = runtime(tenantsRoot(keys), { entry: tinyTenantScript, maxConcurrent: 4, onLog: () => lines++ });
    const cycle = async (count: number) => {
      // Four lanes, each starting and killing its own tenant `count / 4` times.
      await Promise.all(
        keys.map(async (key) => {
          for (let i = 0; i < count / keys.length; i++) {
            await rt.ensure(key);
            await rt.kill(key);
          }
        }),
      );
    };
    await cycle(100); // warm up: JIT, agent pools, module caches
    const before = settle();
    await cycle(1000);
    const after = settle();
    expect(rt.metrics().totalSpawns).toBe(1100);
    expect(rt.stats()).toMatchObject({ running: 0, total: 0, processes: 0, backoff: 0 });
    expect(lines).toBeGreaterThanOrEqual(1100);
    // Whatever a cycle leaves behind would show as ~1,000 × its size; 4 MB is a few KB per cycle.
    expect(after - before).toBeLessThan(4 * 1024 * 1024);
  }, 120_000);
});
