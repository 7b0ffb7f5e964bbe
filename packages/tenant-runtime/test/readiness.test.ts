import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TenantExitedError, TenantNotReadyError } from '@drove/tenant-runtime';
import { pidExists, removeTempDirs } from '@drove/test-support';
import { disposeAll, ManualClock, ofType, runtime, tenantsRoot, waitFor } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

describe('readiness', () => {
  it('is an event, not a poll: a tenant becomes ready while the runtime clock never moves', async () => {
    const clock = new ManualClock();
    const { runtime: rt } = runtime(tenantsRoot(['acme']), { clock });
    const tenant = await rt.ensure('acme');
    expect(tenant.startedAt).toBe(clock.now());
    // The only timer armed for the start was the readiness timeout, cleared on ready; the sweeper's is what is left.
    expect(clock.pending).toBe(1);
  });

  it('fails ensure() at once when the tenant exits first, with its exit code and last stderr lines', async () => {
    const clock = new ManualClock();
    const { runtime: rt, transitions } = runtime(tenantsRoot({ broken: { start: 'crash', exitCode: 7, stderr: 'DATABASE_URL is not set' } }), {
      clock,
      readyTimeoutMs: 30_000,
    });
    const error = await rt.ensure('broken').catch((e: unknown) => e);
    // The readiness timeout never fired (the clock did not move): the exit itself failed the call.
    expect(error).toBeInstanceOf(TenantExitedError);
    expect(error).toMatchObject({
      code: 'ERR_TENANT_EXITED',
      key: 'broken',
      exitCode: 7,
      signal: null,
      reason: 'crashed',
      stderrTail: ['DATABASE_URL is not set'],
    });
    expect((error as Error).message).toMatch(/exited with code 7 before it was ready \(crashed\); its last stderr lines:\nDATABASE_URL is not set/);
    expect(ofType(transitions, 'exit')[0]).toMatchObject({ exitCode: 7, reason: 'crashed' });
  });

  it('reports a tenant that exits 0 before ready as exited-clean', async () => {
    const { runtime: rt } = runtime(tenantsRoot({ quitter: { start: 'exit-clean' } }));
    await expect(rt.ensure('quitter')).rejects.toMatchObject({ code: 'ERR_TENANT_EXITED', exitCode: 0, reason: 'exited-clean' });
  });

  it('stops a tenant that never reports ready after readyTimeoutMs: ERR_TENANT_NOT_READY, reason readiness-timeout, back-off', async () => {
    const clock = new ManualClock();
    const { runtime: rt, transitions } = runtime(tenantsRoot({ mute: { start: 'never-ready' } }), { clock, readyTimeoutMs: 5000 });
    const starting = rt.ensure('mute').catch((e: unknown) => e);
    expect(await waitFor(() => ofType(transitions, 'spawn').length === 1)).toBe(true);
    const [spawn] = ofType(transitions, 'spawn');
    clock.advance(4999);
    expect(pidExists(spawn?.pid as number)).toBe(true);
    clock.advance(1);
    const error = await starting;
    expect(error).toBeInstanceOf(TenantNotReadyError);
    expect(error).toMatchObject({ code: 'ERR_TENANT_NOT_READY', timeoutMs: 5000, key: 'mute' });
    expect(await waitFor(() => ofType(transitions, 'exit').length === 1)).toBe(true);
    expect(ofType(transitions, 'exit')[0]).toMatchObject({ pid: spawn?.pid, reason: 'readiness-timeout' });
    expect(rt.metrics()).toMatchObject({ totalBackoffEntries: 1, backoff: 1 });
  });

  it('fails a spawn that cannot happen (a missing command) with ERR_TENANT_EXITED and its cause', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']), { entry: undefined, command: ['/nonexistent/drove-node'] });
    const error = await rt.ensure('acme').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TENANT_EXITED', pid: undefined });
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(transitions.filter((event) => event.type === 'spawn')).toEqual([]);
    expect(rt.metrics()).toMatchObject({ totalBackoffEntries: 1, processes: 0 });
  });

  it('runs a command tenant (Node with flags) with an IPC channel', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']), {
      entry: undefined,
      command: [process.execPath, '--no-warnings', new URL('./fixtures/tenant.mjs', import.meta.url).pathname],
    });
    const tenant = await rt.ensure('acme');
    expect(tenant.port).toBeGreaterThan(0);
  });
});
