import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '@drove/test-support';
import { act, descendants, getText, snapshot, startDemo, waitFor, type RunningDemo } from './helpers.js';

// Product pages made expensive enough (about 40 ms of CPU each) that the export
// is still running when the test kills one of its render processes.
let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo(['--forecast-paths', '4000', '--idle-seconds', '60']);
  expect(await demo.built).toEqual({ blog: 'done', catalogue: 'done' });
});

afterAll(() => demo?.cleanup());

describe('drove-demo, end to end', () => {
  it('serves the blog, the catalogue and the API through the front door, each tenant started on its first request', async () => {
    const before = await snapshot(demo.urls);
    expect(before.frontDoor?.tenants.map((t) => [t.key, t.state])).toEqual([
      ['api', 'cold'],
      ['blog', 'cold'],
      ['broken', 'cold'],
      ['catalogue', 'cold'],
    ]);

    const blog = await getText(demo.urls.blog);
    expect(blog.status).toBe(200);
    expect(blog.body).toContain('Drove Field Notes');
    // Links carry the front door's /blog/ prefix, so the site works behind it.
    expect(blog.body).toMatch(/href="\/blog\/\d{4}\/\d{2}\/[a-z0-9-]+\/"/);

    const catalogue = await getText(demo.urls.catalogue);
    expect(catalogue.status).toBe(200);
    expect(catalogue.body).toContain('120 products.');
    const product = /href="(\/catalogue\/products\/[a-z0-9-]+\/)"/.exec((await getText(`${demo.urls.catalogue}categories/lamps/`)).body)?.[1];
    expect(product).toBeDefined();
    const page = await getText(new URL(product!, demo.urls.frontDoor).href);
    expect(page.body).toContain('<svg');

    const api = await getText(`${demo.urls.frontDoor}api/products?limit=2`);
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toMatchObject({ total: 120 });
    expect(JSON.parse(api.body).products).toHaveLength(2);

    const after = await waitFor('three tenants ready', async () => {
      const tenants = (await snapshot(demo.urls)).frontDoor?.tenants ?? [];
      return tenants.filter((t) => t.state === 'ready').length === 3 && tenants;
    });
    expect(after.find((t) => t.key === 'broken')?.state).toBe('cold');
  });

  it('starts a tenant again on the next request after it was killed', async () => {
    const first = JSON.parse((await getText(`${demo.urls.frontDoor}api/health`)).body) as { pid: number };
    process.kill(first.pid, 'SIGKILL');
    await waitFor('the api tenant to die', () => !isAlive(first.pid));
    const again = await getText(`${demo.urls.frontDoor}api/health`);
    expect(again).toMatchObject({ status: 200 });
    const second = JSON.parse(again.body) as { pid: number };
    expect(second.pid).not.toBe(first.pid);

    // The same through the dashboard's "kill tenant" button.
    await getText(demo.urls.blog);
    const blogPid = (await snapshot(demo.urls)).frontDoor!.tenants.find((t) => t.key === 'blog')!.pid!;
    expect(await act(demo.urls, { type: 'kill-tenant', key: 'blog' })).toMatchObject({ ok: true });
    expect(isAlive(blogPid)).toBe(false);
    const stopped = await waitFor('the blog tenant shown stopped', async () => (await snapshot(demo.urls)).frontDoor?.tenants.find((t) => t.key === 'blog' && t.state === 'stopped'));
    expect(stopped.lastExit?.reason).toBe('killed');
    expect((await getText(demo.urls.blog)).status).toBe(200);
    const restarted = await waitFor('the blog tenant shown ready again', async () =>
      (await snapshot(demo.urls)).frontDoor?.tenants.find((t) => t.key === 'blog' && t.state === 'ready'),
    );
    expect(restarted.spawns).toBe(2);
    expect(restarted.pid).not.toBe(blogPid);
  });

  it('backs off a tenant that fails to start, and answers 503 meanwhile', async () => {
    expect((await getText(`${demo.urls.frontDoor}broken/`)).status).toBe(502);
    const refused = await getText(`${demo.urls.frontDoor}broken/`);
    expect(refused.status).toBe(503);
    const broken = await waitFor('broken backing off', async () => (await snapshot(demo.urls)).frontDoor?.tenants.find((t) => t.key === 'broken' && t.state === 'backing-off'));
    expect(broken.lastExit).toMatchObject({ reason: 'crashed', exitCode: 1 });
    expect(await act(demo.urls, { type: 'clear-backoff', key: 'broken' })).toMatchObject({ ok: true });
    expect((await snapshot(demo.urls)).frontDoor?.tenants.find((t) => t.key === 'broken')?.state).toBe('cold');
    // Cleared: the next request tries a start again (and fails again: 502, not 503).
    expect((await getText(`${demo.urls.frontDoor}broken/`)).status).toBe(502);
    const metrics = await getText(`${demo.urls.frontDoor}_drove/metrics`);
    expect(metrics.body).toMatch(/drove_tenant_runtime_exits_total\{reason="crashed"\} [1-9]/);
  });

  it('loses no page when a render process of the export is killed mid-run', async () => {
    let killed = false;
    for (let attempt = 0; attempt < 3 && !killed; attempt++) {
      // The dashboard's snapshot is up to a second old: look only at the run this rebuild started.
      const run = (await snapshot(demo.urls)).coordinator!.run + 1;
      expect(await act(demo.urls, { type: 'rebuild' })).toMatchObject({ ok: true, message: 'rebuild started' });
      const pid = await waitFor(
        'render processes',
        async () => {
          const coordinator = (await snapshot(demo.urls)).coordinator;
          if (coordinator?.run !== run) return false;
          const catalogue = coordinator.jobs.find((job) => job.name === 'catalogue');
          if (catalogue?.status === 'done') return -1;
          return catalogue?.status === 'running' && catalogue.workers.find((w) => w.kind === 'process' && w.activeTasks > 0)?.pid;
        },
        120_000,
      );
      if (pid > 0) killed = (await act(demo.urls, { type: 'kill-worker', pid })).ok;
      await waitFor('the run to end', async () => {
        const coordinator = (await snapshot(demo.urls)).coordinator;
        return coordinator?.run === run && !coordinator.running;
      }, 120_000);
    }
    expect(killed).toBe(true);
    const catalogue = (await snapshot(demo.urls)).coordinator!.jobs.find((job) => job.name === 'catalogue')!;
    expect(catalogue).toMatchObject({ status: 'done', killedWorkers: 1, progress: { phase: 'export', done: catalogue.progress.total, totalFinal: true } });
    expect(catalogue.summary).toMatch(new RegExp(`^${catalogue.progress.total} pages:`));
  });

  it('drains from the dashboard: running tenants go on serving, new starts are refused with 503', async () => {
    expect((await getText(demo.urls.blog)).status).toBe(200);
    expect(await act(demo.urls, { type: 'kill-tenant', key: 'catalogue' })).toMatchObject({ ok: true });
    expect(await act(demo.urls, { type: 'drain' })).toMatchObject({ ok: true });
    expect((await snapshot(demo.urls)).frontDoor?.draining).toBe(true);
    expect((await getText(demo.urls.blog)).status).toBe(200);
    expect((await getText(demo.urls.catalogue)).status).toBe(503);
  });

  it('restarts a supervised child killed with SIGKILL, and the front door answers throughout', async () => {
    const before = (await snapshot(demo.urls)).coordinator!.supervisor.children.find((c) => c.name === 'front-door')!;
    expect(await act(demo.urls, { type: 'kill-child', name: 'front-door' })).toMatchObject({ ok: true });
    await waitFor('the old front door to die', () => !isAlive(before.pid!));
    // The supervisor owns the port: this request waits for the successor instead of being refused.
    expect((await getText(demo.urls.frontDoor)).status).toBe(200);
    const after = await waitFor('front-door running again', async () =>
      (await snapshot(demo.urls)).coordinator?.supervisor.children.find((c) => c.name === 'front-door' && c.state === 'running' && c.pid !== before.pid),
    );
    expect(after.restarts).toBe(before.restarts + 1);
    expect(after.lastExit).toMatchObject({ reason: 'crashed', signal: 'SIGKILL' });
    // A new front door is a new runtime: no longer draining.
    expect((await getText(demo.urls.catalogue)).status).toBe(200);
  });

  it('stops on Ctrl-C with exit code 0 and leaves no process behind', async () => {
    await getText(demo.urls.blog);
    await getText(`${demo.urls.frontDoor}api/health`);
    const tree = descendants(demo.child.pid!);
    // The front door, the dashboard and at least the two tenants just used.
    expect(tree.length).toBeGreaterThanOrEqual(4);
    demo.interrupt();
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(tree.filter(isAlive)).toEqual([]);
    expect(demo.output.join('\n')).toContain('demo | stopped');
  });
});

describe('drove-demo with a short idle time', () => {
  it('stops a tenant left idle, and starts it again on the next request', async () => {
    const quick = await startDemo(['--idle-seconds', '1', '--posts', '20', '--products', '20']);
    try {
      await quick.built;
      const first = JSON.parse((await getText(`${quick.urls.frontDoor}api/health`)).body) as { pid: number };
      const idle = await waitFor('the api tenant idle-killed', async () =>
        (await snapshot(quick.urls)).frontDoor?.tenants.find((t) => t.key === 'api' && t.state === 'idle-killed'),
      );
      expect(idle.lastExit?.reason).toBe('idle-killed');
      expect(isAlive(first.pid)).toBe(false);
      const second = JSON.parse((await getText(`${quick.urls.frontDoor}api/health`)).body) as { pid: number };
      expect(second.pid).not.toBe(first.pid);
      quick.interrupt();
      expect(await quick.exited).toEqual({ code: 0, signal: null });
    } finally {
      quick.cleanup();
    }
  });
});
