import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TenantExitedError, type ExitReason, type Tenant } from '@drove/tenant-runtime';
import { pidExists, removeTempDirs } from '@drove/test-support';
import { addTenant, disposeAll, getJson, httpGet, ofType, runtime, tenantsRoot, waitFor } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

interface Hello {
  key: string;
  pid: number;
  cwd: string;
}

describe.each(['handle', 'report'] as const)('listen: %s', (listen) => {
  it('starts a tenant on first ensure, in its directory, and serves it on the reported port', async () => {
    const root = tenantsRoot(['acme']);
    const { runtime: rt, transitions } = runtime(root, { listen });
    const tenant = await rt.ensure('acme');
    expect(tenant).toMatchObject({ key: 'acme', port: expect.any(Number), pid: expect.any(Number) });
    const hello = await getJson<Hello>(tenant.port);
    expect(hello).toMatchObject({ key: 'acme', pid: tenant.pid, cwd: `${root}/acme` });
    expect(transitions.map((event) => event.type)).toEqual(['spawn', 'ready']);
    const [spawn] = ofType(transitions, 'spawn');
    expect(spawn?.port).toBe(listen === 'handle' ? tenant.port : null);
    expect(rt.stats()).toEqual({ running: 1, total: 1, starting: 0, processes: 1, draining: false, backoff: 0 });
  });

  it('shares one start among concurrent callers: N callers, one process', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']), { listen });
    const tenants = await Promise.all(Array.from({ length: 50 }, () => rt.ensure('acme')));
    expect(new Set(tenants.map((tenant) => tenant.pid)).size).toBe(1);
    expect(ofType(transitions, 'spawn')).toHaveLength(1);
    expect(rt.metrics().totalSpawns).toBe(1);
  });
});

describe('a running tenant', () => {
  it('is returned at once by ensure() and touch()ed by it', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const first = await rt.ensure('acme');
    const touchedAt = first.lastTouchedAt;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await rt.ensure('acme');
    expect(again).toBe(first);
    expect(again.lastTouchedAt).toBeGreaterThan(touchedAt);
    rt.touch('nobody'); // no-op for a key that is not running
    expect(rt.metrics().totalSpawns).toBe(1);
  });

  it('that crashes is reported crashed and started again by the next ensure()', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']));
    const first = await rt.ensure('acme');
    await httpGet(first.port, '/die').catch(() => undefined);
    expect(await waitFor(() => ofType(transitions, 'exit').length === 1)).toBe(true);
    expect(ofType(transitions, 'exit')[0]).toMatchObject({ key: 'acme', pid: first.pid, exitCode: 1, reason: 'crashed' });
    expect(rt.stats().running).toBe(0);
    const second = await rt.ensure('acme');
    expect(second.pid).not.toBe(first.pid);
    expect(rt.metrics().totalExits.crashed).toBe(1);
    // A crash after ready is not a failed start: no back-off.
    expect(rt.metrics().totalBackoffEntries).toBe(0);
  });

  it('resolves exited(tenant) once the runtime has seen its process exit, and at once for a gone tenant', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const first = await rt.ensure('acme');
    let settled = false;
    const gone = rt.exited(first).then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    process.kill(first.pid, 'SIGKILL');
    await gone;
    expect(rt.stats().running).toBe(0);
    const second = await rt.ensure('acme');
    expect(second.pid).not.toBe(first.pid);
    await rt.exited(first);
  });

  it('that exits with 0 by itself is reported exited-clean', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']));
    const tenant = await rt.ensure('acme');
    await httpGet(tenant.port, '/exit?code=0');
    expect(await waitFor(() => ofType(transitions, 'exit').length === 1)).toBe(true);
    expect(ofType(transitions, 'exit')[0]).toMatchObject({ exitCode: 0, reason: 'exited-clean' });
  });
});

describe('kill, restart, drain, dispose', () => {
  it('kill() stops the process and resolves once it exited; a second kill is a no-op', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']));
    const tenant = await rt.ensure('acme');
    await rt.kill('acme');
    expect(pidExists(tenant.pid)).toBe(false);
    expect(ofType(transitions, 'exit')).toEqual([
      { type: 'exit', key: 'acme', pid: tenant.pid, exitCode: null, signal: 'SIGTERM', reason: 'killed' },
    ]);
    await rt.kill('acme');
    await rt.kill('never-started');
    expect(rt.stats()).toMatchObject({ running: 0, total: 0, processes: 0 });
  });

  it('kill() during a start cancels it: its callers reject ERR_TENANT_EXITED (killed), with no back-off', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const starting = rt.ensure('acme');
    const killed = rt.kill('acme');
    const error = await starting.catch((e: unknown) => e);
    await killed;
    expect(error).toBeInstanceOf(TenantExitedError);
    expect(error).toMatchObject({ code: 'ERR_TENANT_EXITED', reason: 'killed' });
    expect(rt.stats()).toMatchObject({ backoff: 0, processes: 0 });
    expect((await rt.ensure('acme')).pid).toBeGreaterThan(0);
  });

  it('restart() replaces the process: single-flight, the old one exits before the new one spawns', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']));
    const old = await rt.ensure('acme');
    const restarts = Array.from({ length: 5 }, () => rt.restart('acme'));
    const during = rt.ensure('acme');
    const fresh = await Promise.all(restarts);
    expect(new Set(fresh.map((tenant) => tenant.pid)).size).toBe(1);
    expect(fresh[0]?.pid).not.toBe(old.pid);
    expect((await during).pid).toBe(fresh[0]?.pid);
    expect(pidExists(old.pid)).toBe(false);
    const order = transitions.map((event) => `${event.type}:${'pid' in event ? event.pid : ''}`);
    expect(order).toEqual([
      `spawn:${old.pid}`,
      `ready:${old.pid}`,
      `exit:${old.pid}`,
      `spawn:${fresh[0]?.pid}`,
      `ready:${fresh[0]?.pid}`,
    ]);
    expect(ofType(transitions, 'exit')[0]?.reason).toBe('restarted');
    // Once settled, a new restart() is a new restart.
    expect((await rt.restart('acme')).pid).not.toBe(fresh[0]?.pid);
  });

  it('restart() during a start hands the first callers the restarted tenant', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const first = rt.ensure('acme');
    const restarted = await rt.restart('acme');
    expect((await first).pid).toBe(restarted.pid);
  });

  it('drain() refuses new starts with ERR_TENANT_DRAINING but serves running tenants', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme', 'other']));
    const tenant = await rt.ensure('acme');
    rt.drain();
    rt.drain();
    expect(await rt.ensure('acme')).toBe(tenant);
    await expect(rt.ensure('other')).rejects.toMatchObject({ code: 'ERR_TENANT_DRAINING', name: 'TenantDrainingError' });
    await expect(rt.restart('acme')).rejects.toMatchObject({ code: 'ERR_TENANT_DRAINING' });
    expect(ofType(transitions, 'drain')).toEqual([{ type: 'drain', reason: 'drain-requested' }]);
    expect(rt.stats()).toMatchObject({ draining: true, running: 1 });
  });

  it('dispose() stops everything, rejects later calls, is idempotent, and keeps the counters', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['a', 'b', 'c']));
    const tenants = await Promise.all(['a', 'b'].map((key) => rt.ensure(key)));
    const starting = rt.ensure('c').catch((error: unknown) => error);
    const disposed = rt.dispose();
    expect(rt.dispose()).toBe(disposed);
    await disposed;
    expect(await starting).toMatchObject({ code: 'ERR_TENANT_DISPOSED' });
    for (const tenant of tenants) expect(pidExists(tenant.pid)).toBe(false);
    await expect(rt.ensure('a')).rejects.toMatchObject({ code: 'ERR_TENANT_DISPOSED' });
    await expect(rt.restart('a')).rejects.toMatchObject({ code: 'ERR_TENANT_DISPOSED' });
    const metrics = rt.metrics();
    expect(metrics.totalSpawns).toBeGreaterThanOrEqual(2);
    expect(metrics.totalExits.disposed).toBe(metrics.totalSpawns);
    expect(metrics).toMatchObject({ running: 0, total: 0, processes: 0 });
    expect(ofType(transitions, 'exit').every((event) => event.reason === 'disposed')).toBe(true);
  });

  it('counts every exit reason it saw in metrics().totalExits', async () => {
    const root = tenantsRoot(['a', 'b', 'c']);
    const { runtime: rt } = runtime(root, { maxConcurrent: 2 });
    await rt.ensure('a');
    await rt.ensure('b');
    await rt.ensure('c'); // evicts a
    await rt.restart('b');
    await rt.kill('c');
    await rt.dispose();
    const exits = rt.metrics().totalExits;
    const expected: Partial<Record<ExitReason, number>> = { 'lru-evicted': 1, restarted: 1, killed: 1, disposed: 1 };
    for (const [reason, count] of Object.entries(exits)) expect([reason, count]).toEqual([reason, expected[reason as ExitReason] ?? 0]);
  });

  it('keeps going when a hook throws', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']), {
      onTransition: () => {
        throw new Error('hook bug');
      },
      onLog: () => {
        throw new Error('hook bug');
      },
    });
    const tenant: Tenant = await rt.ensure('acme');
    expect((await getJson<Hello>(tenant.port)).key).toBe('acme');
  });

  it('refuses a key whose directory is missing with ERR_TENANT_NOT_FOUND, without back-off', async () => {
    const root = tenantsRoot([]);
    const { runtime: rt, transitions } = runtime(root);
    await expect(rt.ensure('ghost')).rejects.toMatchObject({ code: 'ERR_TENANT_NOT_FOUND', key: 'ghost' });
    expect(rt.stats().backoff).toBe(0);
    addTenant(root, 'ghost');
    expect((await rt.ensure('ghost')).key).toBe('ghost');
    expect(ofType(transitions, 'spawn')).toHaveLength(1);
  });

  it('stops waiting when the caller aborts, while the shared start goes on for the others', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const controller = new AbortController();
    const aborted = rt.ensure('acme', { signal: controller.signal });
    const other = rt.ensure('acme');
    controller.abort(new Error('client went away'));
    await expect(aborted).rejects.toMatchObject({ code: 'ABORT_ERR', cause: { message: 'client went away' } });
    expect((await other).key).toBe('acme');
    await expect(rt.ensure('acme', { signal: AbortSignal.abort() })).resolves.toMatchObject({ key: 'acme' });
    await expect(rt.ensure('other', { signal: 'nope' as never })).rejects.toMatchObject({ code: 'ERR_TENANT_INVALID_OPTION' });
  });

  it('is disposed by await using', async () => {
    let pid = 0;
    {
      await using rt = runtime(tenantsRoot(['acme'])).runtime;
      pid = (await rt.ensure('acme')).pid;
    }
    expect(pidExists(pid)).toBe(false);
  });
});

