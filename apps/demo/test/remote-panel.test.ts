// The dashboard's Remote panel against a real redis-server: drove-demo given REDIS_URL runs a remote pool
// and one host; a drove-worker process started here joins the queue; the snapshot the page renders shows
// both hosts (remote.hosts()) and the pool's stats (remote.stats()), a batch sent from the dashboard
// completes over them, and the connection is shown without its password.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, removeTempDirs, startRedis, type Redis } from '@drove/test-support';
import { snapshot, startDemo, waitFor, type RunningDemo } from './helpers.js';

const password = 'demo-S3cret-8c1e';
const remoteWorker = fileURLToPath(new URL('../dist/remote-worker.js', import.meta.url));
const droveWorker = join(dirname(fileURLToPath(import.meta.resolve('@drove/remote/package.json'))), 'bin', 'drove-worker.js');
// Debian's chromium, as the dashboard's browser test (CHROMIUM_PATH overrides).
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The dashboard test's probe: layoutProblems() lists buttons not fully inside their card, and sideways scrolling.
const probe = fileURLToPath(new URL('./fixtures/dashboard-probe.js', import.meta.url));
let redis: Redis;
let demo: RunningDemo;
let browser: Browser | undefined;

beforeAll(async () => {
  redis = await startRedis({ password });
  demo = await startDemo([], { REDIS_URL: redis.url });
});

afterAll(async () => {
  await browser?.close();
  demo?.cleanup();
  await redis?.stop();
  removeTempDirs();
});

describe('the Remote panel', () => {
  it('shows every host of the queue and the pool stats; a batch from the dashboard completes over them', { timeout: 180_000 }, async () => {
    const first = await waitFor('the demo\'s own host', async () => {
      const remote = (await snapshot(demo.urls)).coordinator?.remote;
      return remote && remote.hosts.length === 1 ? remote : undefined;
    });
    expect(first).toMatchObject({ queue: 'drove-demo', connection: `redis://***@127.0.0.1:${redis.port}` });
    expect(first.error).toBeUndefined();
    expect(first.hosts[0]?.workers).toHaveLength(1);

    // Another machine's host, as a user starts one.
    const host = spawn(process.execPath, [droveWorker, '--queue', 'drove-demo', '--threads', '2', remoteWorker], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, REDIS_URL: redis.url } });
    let stderr = '';
    host.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((resolve) => host.once('exit', (code) => resolve(code)));
    try {
      const both = await waitFor('two hosts on the panel', async () => {
        const remote = (await snapshot(demo.urls)).coordinator?.remote;
        return remote && remote.hosts.length === 2 ? remote : undefined;
      });
      expect(both.hosts.map((report) => report.pid)).toContain(host.pid);
      expect(both.hosts.find((report) => report.pid === host.pid)?.workers).toHaveLength(2);

      // The page: one row a host, the connection without its password; its button sends the batch.
      browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.addInitScript({ path: probe });
      await page.goto(demo.urls.dashboard);
      await page.locator('#remote table.remote-hosts tbody tr').nth(1).waitFor();
      expect(await page.locator('#remote').isVisible()).toBe(true);
      expect(await page.locator(`#remote tr[data-host] td[data-label="pid"]`).allTextContents()).toContain(String(host.pid));
      expect(await page.locator('#remote-where').textContent()).toBe(`@drove/remote · queue drove-demo at redis://***@127.0.0.1:${redis.port}`);
      for (const width of [1280, 420]) {
        await page.setViewportSize({ width, height: 900 });
        expect(await page.evaluate('layoutProblems()'), `at ${width} px`).toEqual([]);
      }
      await page.locator('#remote-batch').click();
      await page.locator('#notice', { hasText: '✓ a batch of 200 tasks goes to the remote hosts' }).waitFor();
      await page.locator('#remote-stats', { hasText: 'batch 1: 200 / 200 done' }).waitFor();
      expect(await page.content()).not.toContain(password);
      const after = await waitFor('the batch done', async () => {
        const remote = (await snapshot(demo.urls)).coordinator?.remote;
        return remote && !remote.batch.running && remote.batch.done === 200 ? remote : undefined;
      });
      expect(after.stats).toMatchObject({ completed: 200, failed: 0, pending: 0 });
      // The hosts' own counts arrive with their next reports: every task ran on one of them (at least once).
      const reported = await waitFor('the hosts\' reports', async () => {
        const remote = (await snapshot(demo.urls)).coordinator?.remote;
        const total = remote?.hosts.reduce((sum, report) => sum + report.stats.completed, 0) ?? 0;
        return total >= 200 ? remote : undefined;
      });
      expect(reported.hosts).toHaveLength(2);
      expect(JSON.stringify(await snapshot(demo.urls))).not.toContain(password);

      // A host stopped gracefully leaves the panel.
      host.kill('SIGTERM');
      expect(await exited).toBe(0);
      await waitFor('one host left', async () => (await snapshot(demo.urls)).coordinator?.remote?.hosts.length === 1);
    } finally {
      if (host.exitCode === null) host.kill('SIGKILL');
      await exited;
    }
    expect(stderr).not.toContain(password);
    demo.interrupt();
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(demo.output.join('\n')).not.toContain(password);
    expect(isAlive(host.pid ?? 0)).toBe(false);
  });
});
