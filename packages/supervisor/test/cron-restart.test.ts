import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@drove/pool/clock';
import { makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { connect, type ChildSpec } from '@drove/supervisor';
import { formatStatus } from '../src/internal/control-cli.js';
import { fixture, killAll, nextEvent, readyChild, supervise, waitFor } from './helpers.js';

afterEach(killAll);
afterAll(removeTempDirs);

describe('cronRestart: scheduled restarts (PM2 cron_restart)', () => {
  it('restarts a child when its schedule falls: a new pid, cause cron, the old process gone', async () => {
    const supervisor = supervise({ children: [{ name: 'web', kind: 'process', entry: readyChild, cronRestart: '* * * * * *' }] });
    await supervisor.start();
    const before = supervisor.whichChildren()[0]!.pid!;
    const next = supervisor.stats().children[0]!.cronRestartAt;
    expect(next).toBeTypeOf('number');
    expect(next! % 1000).toBe(0); // a whole second, as '* * * * * *' falls

    const restart = await nextEvent(supervisor, 'restart');
    expect(restart).toMatchObject({ name: 'web', cause: 'cron' });
    expect(restart.restarts).toBeGreaterThanOrEqual(1);
    const ready = await nextEvent(supervisor, 'ready', (event) => event.name === 'web');
    expect(ready.pid).not.toBe(before);
    expect(supervisor.whichChildren()[0]).toMatchObject({ state: 'running', pid: ready.pid });
    expect(await waitFor(() => !pidExists(before))).toBe(true);
    expect(supervisor.stats().children[0]!.cronRestartAt!).toBeGreaterThan(next!);
  });

  it('goes through the surge path for surge children on a shared socket: each copy in turn, its successor ready before it stops, no request failed', async () => {
    const spec: ChildSpec = { name: 'web', kind: 'process', entry: fixture('surge-child.mjs'), instances: 2, reload: 'surge', cronRestart: '* * * * * *' };
    const supervisor = supervise({ sockets: { http: { port: 0 } }, children: [spec] });
    // The runs that are ready and have not exited: what serves.
    const serving = new Set<number>();
    let fewest = Infinity;
    // A round is recorded from its first restart after start() (a round can fall while the copies
    // still start): rounds run one after the other, each from web#0 on.
    let started = false;
    let before = new Set<number>();
    const order: string[] = [];
    const oldGone = new Set<string>();
    const recording = (): boolean => before.size > 0 && oldGone.size < 2;
    const age = (pid: number | undefined): string => (before.has(pid!) ? 'old' : 'new');
    supervisor.on('restart', (event) => {
      if (started && before.size === 0 && event.name === 'web#0' && event.cause === 'cron') before = new Set(supervisor.whichChildren().map((child) => child.pid!));
      if (recording()) order.push(`${event.name} restart ${event.cause}`);
    });
    supervisor.on('spawn', (event) => recording() && order.push(`${event.name} spawn ${age(event.pid)}`));
    supervisor.on('ready', (event) => {
      serving.add(event.pid!);
      if (recording()) order.push(`${event.name} ready ${age(event.pid)}`);
    });
    supervisor.on('exit', (event) => {
      serving.delete(event.pid!);
      if (!recording()) return;
      fewest = Math.min(fewest, serving.size);
      order.push(`${event.name} exit ${age(event.pid)} ${event.reason} ${event.willRestart}`);
      if (age(event.pid) === 'old') oldGone.add(event.name);
    });
    await supervisor.start();
    started = true;
    const url = `http://127.0.0.1:${supervisor.address('http')!.port}/`;

    let loading = true;
    let ok = 0;
    const failures: string[] = [];
    const client = async (): Promise<void> => {
      while (loading) {
        try {
          const response = await fetch(url);
          await response.text();
          if (response.status === 200) ok += 1;
          else failures.push(`status ${response.status}`);
        } catch (error) {
          failures.push(String((error as Error & { cause?: Error }).cause?.message ?? error));
        }
      }
    };
    const clients = [client(), client(), client()];
    expect(await waitFor(() => oldGone.size === 2, 30_000)).toBe(true);
    loading = false;
    await Promise.all(clients);

    expect(order).toEqual([
      'web#0 restart cron',
      'web#0 spawn new',
      'web#0 ready new',
      'web#0 exit old shutdown false',
      'web#1 restart cron',
      'web#1 spawn new',
      'web#1 ready new',
      'web#1 exit old shutdown false',
    ]);
    // At each exit of the round, two ready copies were left serving.
    expect(fewest).toBe(2);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    expect([...before].filter(pidExists)).toEqual([]);
  });

  it('shows the next scheduled restart in status; a child stopped by hand stays stopped when the schedule falls', async () => {
    const runFolder = join(makeTempDir('drove-cron-'), 'run');
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const supervisor = supervise({
      clock,
      runFolder,
      children: [
        { name: 'nightly', kind: 'process', entry: readyChild, cronRestart: { pattern: '0 3 * * *', timezone: 'UTC' } },
        { name: 'plain', kind: 'process', entry: readyChild },
      ],
    });
    await supervisor.start();
    const client = await connect(runFolder);
    try {
      const status = await client.status();
      const [nightly, plain] = status.children;
      expect(nightly!.cronRestartMs).toBe(3 * 3600_000);
      expect(plain!.cronRestartMs).toBeNull();
      // `drove-supervise status` shows it in its last column.
      const [, columns, nightlyRow, plainRow] = formatStatus(status).split('\n');
      expect(columns!.split(/\s+/).at(-1)).toBe('cron');
      expect(nightlyRow).toMatch(/ in 3h 0m$/);
      expect(plainRow).toMatch(/ -$/);

      // 03:00: the schedule falls, the child restarts (cause cron).
      const restarted = nextEvent(supervisor, 'ready', (event) => event.name === 'nightly');
      const restart = nextEvent(supervisor, 'restart');
      clock.advanceTo(Date.parse('2026-01-01T03:00:00Z'));
      expect(await restart).toMatchObject({ name: 'nightly', cause: 'cron' });
      await restarted;
      expect(supervisor.stats().children[0]!.cronRestartAt).toBe(Date.parse('2026-01-02T03:00:00Z'));

      // Stopped by hand, it stays stopped through the next night.
      await client.stop('nightly');
      let restarts = 0;
      supervisor.on('restart', () => (restarts += 1));
      clock.advanceTo(Date.parse('2026-01-02T03:00:00Z'));
      expect((await client.status()).children[0]).toMatchObject({ state: 'stopped', pid: null, restarts: 1, cronRestartMs: 24 * 3600_000 });
      expect(restarts).toBe(0);
    } finally {
      client.close();
    }
  });
});
