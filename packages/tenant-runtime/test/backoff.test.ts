import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TenantBackoffError, TenantExitedError } from '@drove/tenant-runtime';
import { removeTempDirs } from '@drove/test-support';
import { addTenant, disposeAll, ManualClock, ofType, runtime, tenantsRoot } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

describe('back-off of failed starts', () => {
  it('waits 1 s, then twice as long each failure up to 60 s, and refuses after maxFailures until clearBackoff()', async () => {
    const clock = new ManualClock();
    const root = tenantsRoot({ broken: { start: 'crash', exitCode: 3, stderr: 'config missing' } });
    const { runtime: rt, transitions } = runtime(root, { clock });
    const windows: (number | null)[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      const failure = await rt.ensure('broken').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TenantExitedError);
      const refusal = await rt.ensure('broken').catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(TenantBackoffError);
      expect(refusal).toMatchObject({ code: 'ERR_TENANT_BACKOFF', attempt });
      windows.push((refusal as TenantBackoffError).retryAfterMs);
      // Still refused just before the window ends; a start is tried once it has.
      if ((refusal as TenantBackoffError).retryAfterMs !== null) {
        clock.advance(((refusal as TenantBackoffError).retryAfterMs as number) - 1);
        await expect(rt.ensure('broken')).rejects.toMatchObject({ code: 'ERR_TENANT_BACKOFF', retryAfterMs: 1 });
        clock.advance(1);
      }
    }
    expect(windows).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, null]);
    expect(ofType(transitions, 'spawn')).toHaveLength(10);
    // Refused for good, whatever the time.
    clock.advance(10 * 60_000);
    const refused = await rt.ensure('broken').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ERR_TENANT_BACKOFF', retryAfterMs: null, attempt: 10 });
    expect((refused as Error).message).toContain('clearBackoff("broken")');
    expect((refused as Error).cause).toBeInstanceOf(TenantExitedError);
    expect(ofType(transitions, 'backoff').at(-1)).toEqual({ type: 'backoff', key: 'broken', attempt: 10, retryAfterMs: null });
    expect(rt.metrics()).toMatchObject({ backoff: 1, totalBackoffEntries: 10, totalSpawns: 10 });
    expect(rt.metrics().totalExits.crashed).toBe(10);

    // Fixed and cleared: it starts at once, and a success forgets the key.
    addTenant(root, 'broken', {});
    rt.clearBackoff('broken');
    expect((await rt.ensure('broken')).key).toBe('broken');
    expect(rt.stats().backoff).toBe(0);
  });

  it('honours the backoff option', async () => {
    const clock = new ManualClock();
    const { runtime: rt } = runtime(tenantsRoot({ broken: { start: 'crash' } }), {
      clock,
      backoff: { baseMs: 100, maxMs: 250, maxFailures: 4 },
    });
    const windows: (number | null)[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      await rt.ensure('broken').catch(() => undefined);
      const refusal = (await rt.ensure('broken').catch((e: unknown) => e)) as TenantBackoffError;
      windows.push(refusal.retryAfterMs);
      clock.advance(refusal.retryAfterMs ?? 0);
    }
    expect(windows).toEqual([100, 200, 250, null]);
  });

  it('keeps keys apart: one broken tenant does not hold back another', async () => {
    const clock = new ManualClock();
    const { runtime: rt } = runtime(tenantsRoot({ broken: { start: 'crash' }, fine: {} }), { clock });
    await rt.ensure('broken').catch(() => undefined);
    await expect(rt.ensure('broken')).rejects.toMatchObject({ code: 'ERR_TENANT_BACKOFF' });
    expect((await rt.ensure('fine')).key).toBe('fine');
  });

  it('lets restart() try while the key backs off', async () => {
    const clock = new ManualClock();
    const root = tenantsRoot({ broken: { start: 'crash' } });
    const { runtime: rt } = runtime(root, { clock });
    await rt.ensure('broken').catch(() => undefined);
    addTenant(root, 'broken', {});
    await expect(rt.ensure('broken')).rejects.toMatchObject({ code: 'ERR_TENANT_BACKOFF' });
    expect((await rt.restart('broken')).key).toBe('broken');
  });
});
