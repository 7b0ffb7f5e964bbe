import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RuntimeMetricEvent } from '@drove/tenant-runtime';
import { clockTicksPerSecond } from '@drove/pool/telemetry';
import { pidExists, removeTempDirs } from '@drove/test-support';
import { disposeAll, getJson, ManualClock, ofType, runtime, tenantsRoot, waitFor } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

describe('the idle sweeper', () => {
  it('stops a tenant idle for idleAfterMs (idle-killed), and touch() keeps one alive', async () => {
    const clock = new ManualClock();
    const { runtime: rt, transitions } = runtime(tenantsRoot(['idle', 'busy']), { clock, idleAfterMs: 60_000, sweepIntervalMs: 10_000 });
    const idle = await rt.ensure('idle');
    const busy = await rt.ensure('busy');
    for (let step = 0; step < 7; step++) {
      clock.advance(10_000);
      rt.touch('busy');
    }
    expect(await waitFor(() => ofType(transitions, 'exit').length === 1)).toBe(true);
    expect(ofType(transitions, 'idle-kill')).toEqual([{ type: 'idle-kill', key: 'idle', pid: idle.pid, reason: 'idle-threshold', idleMs: 60_000 }]);
    expect(ofType(transitions, 'exit')[0]).toMatchObject({ key: 'idle', reason: 'idle-killed' });
    expect(pidExists(busy.pid)).toBe(true);
    expect(rt.stats().running).toBe(1);
    // The next ensure() wakes the hibernated tenant.
    expect((await rt.ensure('idle')).pid).not.toBe(idle.pid);
  });

  it('never stops an idle tenant with idleAfterMs: 0, and arms no sweep timer', async () => {
    const clock = new ManualClock();
    const { runtime: rt } = runtime(tenantsRoot(['acme']), { clock, idleAfterMs: 0 });
    const tenant = await rt.ensure('acme');
    expect(clock.pending).toBe(0);
    clock.advance(24 * 3600_000);
    expect(pidExists(tenant.pid)).toBe(true);
  });
});

describe('observations', () => {
  it("reports each running tenant's CPU time in real clock ticks and its RSS, every observeIntervalMs", async () => {
    const clock = new ManualClock();
    const events: RuntimeMetricEvent[] = [];
    const { runtime: rt } = runtime(tenantsRoot(['acme']), { clock, observeIntervalMs: 30_000, onMetrics: (event) => events.push(event) });
    const tenant = await rt.ensure('acme');
    expect(events).toEqual([{ type: 'spawn', key: 'acme', pid: tenant.pid, port: tenant.port, durationMs: expect.any(Number) }]);
    const own = await getJson<{ cpuMs: number }>(tenant.port, '/cpu?ms=300');
    clock.advance(30_000);
    expect(await waitFor(() => events.some((event) => event.type === 'observation'))).toBe(true);
    const observation = events.find((event) => event.type === 'observation');
    expect(observation).toMatchObject({ key: 'acme', pid: tenant.pid, at: clock.now() });
    const { cpuMs, rssBytes } = observation as Extract<RuntimeMetricEvent, { type: 'observation' }>;
    // /proc counts in clock ticks; the tenant's own process.cpuUsage() in microseconds: they agree to a few ticks.
    const tick = 1000 / clockTicksPerSecond();
    expect(cpuMs).toBeGreaterThanOrEqual(own.cpuMs - 3 * tick);
    expect(cpuMs).toBeLessThan(own.cpuMs + 200);
    expect(rssBytes).toBeGreaterThan(1024 * 1024);
    // It goes on while tenants run.
    clock.advance(30_000);
    expect(await waitFor(() => events.filter((event) => event.type === 'observation').length === 2)).toBe(true);
  });
});
