import { afterEach, describe, expect, it } from 'vitest';
import { InvalidSpecError, type ChildSpec } from '@drove/supervisor';
import { killAll, readyChild, supervise, waitFor } from './helpers.js';

afterEach(killAll);

const web: ChildSpec = { name: 'web', kind: 'process', entry: readyChild };
const cache: ChildSpec = { name: 'cache', kind: 'command', argv: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] };

async function get(url: string): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('the health endpoint', () => {
  it('answers /healthz, /readyz and /metrics while the supervisor runs, and closes with it', async () => {
    const supervisor = supervise({ health: { port: 0 }, backoff: { baseMs: 120_000, maxMs: 120_000, jitter: 0 }, children: [web, cache] });
    await supervisor.start();
    const base = `http://127.0.0.1:${supervisor.healthAddress()!.port}`;
    expect(await get(`${base}/healthz`)).toEqual({ status: 200, type: 'application/json', body: '{"status":"ok","state":"running"}\n' });
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200, body: '{"status":"ready","state":"running","notRunning":[]}\n' });

    const metrics = (await get(`${base}/metrics`)).body;
    expect(metrics).toContain('# TYPE drove_child_restarts_total counter\n');
    expect(metrics).toContain('drove_supervisor_up{state="running"} 1\n');
    expect(metrics).toContain('drove_child_up{child="web",kind="process"} 1\n');
    expect(metrics).toContain('drove_child_restarts_total{child="cache",kind="command"} 0\n');
    expect(Number(/^drove_child_resident_memory_bytes\{child="web",kind="process"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(1024 * 1024);
    expect(/^drove_child_cpu_seconds_total\{child="web",kind="process"\} [\d.]+$/m.test(metrics)).toBe(true);
    expect(/^drove_child_uptime_seconds\{child="web",kind="process"\} [\d.]+$/m.test(metrics)).toBe(true);

    // A crashed child waiting out its back-off makes the fleet unready, not the supervisor dead.
    process.kill(supervisor.whichChildren()[0]!.pid!, 'SIGKILL');
    expect(await waitFor(() => supervisor.whichChildren()[0]!.state === 'restarting')).toBe(true);
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 503, body: '{"status":"not ready","state":"running","notRunning":[{"name":"web","state":"restarting"}]}\n' });
    expect((await get(`${base}/healthz`)).status).toBe(200);
    const later = (await get(`${base}/metrics`)).body;
    expect(later).toContain('drove_child_up{child="web",kind="process"} 0\n');
    expect(Number(/^drove_child_backoff_seconds\{child="web",kind="process"\} ([\d.]+)$/m.exec(later)?.[1])).toBeGreaterThan(60);

    // A child stopped by hand is not meant to run: ready again.
    await supervisor.terminateChild('web');
    expect((await get(`${base}/readyz`)).status).toBe(200);
    expect((await get(`${base}/nope`)).status).toBe(404);

    await supervisor.stop();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it("exports each child's heartbeat telemetry and its next scheduled restart", async () => {
    const supervisor = supervise({
      health: { port: 0 },
      children: [{ ...web, heartbeat: { intervalMs: 50, timeoutMs: 5000 }, cronRestart: { pattern: '0 3 * * *', timezone: 'UTC' } }, cache],
    });
    await supervisor.start();
    expect(await waitFor(() => supervisor.stats().children[0]!.lastPong !== undefined)).toBe(true);
    const metrics = (await get(`http://127.0.0.1:${supervisor.healthAddress()!.port}/metrics`)).body;
    const value = (name: string, child = 'web', kind = 'process'): number | undefined => {
      const found = new RegExp(`^${name}\\{child="${child}",kind="${kind}"\\} ([\\d.e+-]+)$`, 'm').exec(metrics)?.[1];
      return found === undefined ? undefined : Number(found);
    };
    expect(value('drove_child_heap_used_bytes')).toBeGreaterThan(1024 * 1024);
    expect(value('drove_child_heap_total_bytes')).toBeGreaterThanOrEqual(value('drove_child_heap_used_bytes')!);
    const utilization = value('drove_child_event_loop_utilization');
    expect(utilization).toBeGreaterThanOrEqual(0);
    expect(utilization).toBeLessThanOrEqual(1);
    expect(value('drove_child_heartbeat_age_seconds')).toBeGreaterThanOrEqual(0);
    const cron = value('drove_child_next_cron_restart_seconds');
    expect(cron).toBeGreaterThan(0);
    expect(cron).toBeLessThanOrEqual(24 * 3600);
    // A command has no heartbeat and no schedule: no such sample.
    expect(value('drove_child_heap_used_bytes', 'cache', 'command')).toBeUndefined();
    expect(value('drove_child_next_cron_restart_seconds', 'cache', 'command')).toBeUndefined();
  });

  it('refuses a busy port at start, and an invalid option at construction', async () => {
    const first = supervise({ health: { port: 0 }, children: [] });
    await first.start();
    const second = supervise({ health: { port: first.healthAddress()!.port }, children: [web] });
    await expect(second.start()).rejects.toMatchObject({ code: 'ERR_SUPERVISOR_SOCKET', message: expect.stringContaining('for the health endpoint') });
    expect(second.state).toBe('stopped');
    expect(() => supervise({ health: { port: -1 } })).toThrow(InvalidSpecError);
    expect(() => supervise({ health: { port: 0, path: '/x' } as never })).toThrow(/`health.path`/);
  });
});
