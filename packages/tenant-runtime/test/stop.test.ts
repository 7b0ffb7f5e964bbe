import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pidExists, removeTempDirs } from '@drove/test-support';
import { disposeAll, getJson, ManualClock, ofType, runtime, tenantsRoot, waitFor } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

// A tenant that ignores SIGTERM: every way of stopping it must escalate to SIGKILL after the grace.
const stubborn = { start: 'ignore-sigterm' } as const;

describe('stopping a tenant that ignores SIGTERM', () => {
  it('kill() escalates to SIGKILL after stopGraceMs', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot({ acme: stubborn }), { stopGraceMs: 200 });
    const tenant = await rt.ensure('acme');
    await rt.kill('acme');
    expect(pidExists(tenant.pid)).toBe(false);
    expect(ofType(transitions, 'exit')).toEqual([
      { type: 'exit', key: 'acme', pid: tenant.pid, exitCode: null, signal: 'SIGKILL', reason: 'killed' },
    ]);
  });

  it('restart() escalates too', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot({ acme: stubborn }), { stopGraceMs: 200 });
    const old = await rt.ensure('acme');
    const fresh = await rt.restart('acme');
    expect(fresh.pid).not.toBe(old.pid);
    expect(ofType(transitions, 'exit')[0]).toMatchObject({ pid: old.pid, signal: 'SIGKILL', reason: 'restarted' });
  });

  it('eviction escalates too', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot({ a: stubborn, b: stubborn }), { stopGraceMs: 200, maxConcurrent: 1 });
    const a = await rt.ensure('a');
    await rt.ensure('b');
    expect(ofType(transitions, 'exit')[0]).toMatchObject({ pid: a.pid, signal: 'SIGKILL', reason: 'lru-evicted' });
  });

  it('dispose() escalates too, for all tenants at once', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot({ a: stubborn, b: stubborn }), { stopGraceMs: 200 });
    const tenants = await Promise.all([rt.ensure('a'), rt.ensure('b')]);
    await rt.dispose();
    for (const tenant of tenants) expect(pidExists(tenant.pid)).toBe(false);
    expect(ofType(transitions, 'exit').map((event) => [event.signal, event.reason])).toEqual([
      ['SIGKILL', 'disposed'],
      ['SIGKILL', 'disposed'],
    ]);
  });

  it('the idle sweeper escalates too', async () => {
    const clock = new ManualClock();
    const { runtime: rt, transitions } = runtime(tenantsRoot({ acme: stubborn }), {
      stopGraceMs: 200,
      clock,
      idleAfterMs: 60_000,
      sweepIntervalMs: 10_000,
    });
    const tenant = await rt.ensure('acme');
    clock.advance(70_000);
    expect(await waitFor(() => ofType(transitions, 'exit').length === 1)).toBe(true);
    expect(ofType(transitions, 'exit')[0]).toMatchObject({ pid: tenant.pid, signal: 'SIGKILL', reason: 'idle-killed' });
  });
});

describe('stopping a tenant whose grandchild holds its output open', () => {
  it('settles kill() and reports the exit, ending the grandchild with the tenant’s process group', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']), { onLog: () => {} });
    const tenant = await rt.ensure('acme');
    const { pid: grandchild } = await getJson<{ pid: number }>(tenant.port, '/grandchild');
    try {
      await rt.kill('acme');
      expect(pidExists(tenant.pid)).toBe(false);
      expect(await waitFor(() => !pidExists(grandchild), 5000)).toBe(true);
      expect(ofType(transitions, 'exit')).toEqual([
        { type: 'exit', key: 'acme', pid: tenant.pid, exitCode: null, signal: 'SIGTERM', reason: 'killed' },
      ]);
      expect(rt.stats().processes).toBe(0);
    } finally {
      if (pidExists(grandchild)) process.kill(grandchild, 'SIGKILL');
    }
  });
});
