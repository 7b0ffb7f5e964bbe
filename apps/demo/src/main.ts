#!/usr/bin/env node
/**
 * drove-demo: the Drove packages composed into one app.
 *
 * - a supervisor (@drove/supervisor) runs the front door and the dashboard;
 * - the front door (@drove/tenant-runtime) starts a process per tenant on
 *   demand — the blog, the catalogue, a small API — and stops it when idle;
 * - this process builds the blog (@drove/blog-engine, worker threads) and
 *   exports the catalogue (@drove/static-export, render processes), at start
 *   and whenever the dashboard asks, every pool reporting its telemetry
 *   (@drove/pool) to the dashboard.
 *
 * Ctrl-C stops it all: the build, the children, the tenants; nothing is left.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { startControlServer } from './control/control-server.js';
import { parseDemoArgs, usage } from './control/demo-options.js';
import { startFleet, type Fleet } from './control/fleet.js';
import { Jobs } from './control/jobs.js';
import { RemotePanel } from './control/remote-panel.js';
import { dataLayout } from './shared/layout.js';
import type { CoordinatorState, DemoUrls } from './shared/state.js';

const parsed = parseDemoArgs(process.argv.slice(2));
if (parsed === 'help') {
  console.log(usage);
  process.exit(0);
}
if (typeof parsed === 'string') {
  console.error(`drove-demo: ${parsed}\n\n${usage}`);
  process.exit(2);
}
const options = parsed;
const log = (line: string) => console.log(`demo | ${line}`);
const layout = dataLayout(options.dataDir);
await mkdir(layout.catalogueOut, { recursive: true });

// The parts, made in the order each needs the others: the control API (whose
// address the supervisor's children are given), the fleet, then the jobs.
const parts: { fleet?: Fleet; jobs?: Jobs; urls?: DemoUrls; remote?: RemotePanel } = {};
const token = randomBytes(16).toString('hex');
const control = await startControlServer(token, {
  state: (): CoordinatorState | undefined => {
    const { fleet, jobs, urls } = parts;
    if (!fleet || !jobs || !urls) return undefined;
    return {
      urls,
      run: jobs.run,
      running: jobs.running,
      jobs: [jobs.blog, jobs.catalogue],
      supervisor: fleet.supervisor.stats(),
      events: fleet.events(),
      remote: parts.remote?.view(),
    };
  },
  rebuild: () => {
    if (parts.jobs?.running) return 'a build is running already';
    void parts.jobs?.start();
    return undefined;
  },
  killWorker: (pid) => parts.jobs?.killWorker(pid),
  killChild: (name) => {
    const child = parts.fleet?.supervisor.whichChildren().find((c) => c.name === name);
    if (!child?.pid) return `no running child named ${name}`;
    process.kill(child.pid, 'SIGKILL');
    return undefined;
  },
  remoteBatch: () => (parts.remote ? parts.remote.batch() : 'the demo has no Redis: start it with REDIS_URL=redis://…'),
});

let stopping = false;
let stoppingSince = 0;
// `npm run` passes the terminal's Ctrl-C on to its child, which has it from the terminal already:
// the same keypress arrives twice within a few milliseconds. Only a later one means "kill at once".
const sameKeypressMs = 1000;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  log(`${signal}: stopping (again to kill at once)`);
  await parts.jobs?.stop();
  await parts.remote?.close();
  await parts.fleet?.supervisor.stop();
  parts.fleet?.close();
  await closeServer(control.server);
  log('stopped');
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      if (Date.now() - stoppingSince < sameKeypressMs) return;
      void (parts.fleet?.supervisor.kill() ?? Promise.resolve()).finally(() => process.exit(130));
      return;
    }
    stopping = true;
    stoppingSince = Date.now();
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

let fleet: Fleet;
try {
  fleet = await startFleet({
    host: options.host,
    port: options.port,
    dashboardPort: options.dashboardPort,
    log,
    env: ({ port, dashboardPort }) => ({
      DEMO_TOKEN: token,
      DEMO_CONTROL_URL: control.url,
      DEMO_FRONT_DOOR_URL: `http://${options.host}:${port}`,
      DEMO_DASHBOARD_URL: `http://${options.host}:${dashboardPort}/`,
      DEMO_DATA_DIR: options.dataDir,
      DEMO_IDLE_MS: String(options.idleSeconds * 1000),
    }),
  });
} catch (error) {
  console.error(`drove-demo: ${error instanceof Error ? error.message : String(error)}`);
  await closeServer(control.server);
  process.exit(1);
}

const frontDoor = `http://${options.host}:${fleet.port}`;
const urls: DemoUrls = {
  frontDoor: `${frontDoor}/`,
  dashboard: `http://${options.host}:${fleet.dashboardPort}/`,
  blog: `${frontDoor}/blog/`,
  catalogue: `${frontDoor}/catalogue/`,
  api: `${frontDoor}/api/products?q=lamp`,
};
const jobs = new Jobs({
  layout,
  posts: options.posts,
  products: options.products,
  forecastPaths: options.forecastPaths,
  workers: options.workers,
  blogUrl: urls.blog,
  renderer: new URL('./catalogue-renderer.js', import.meta.url),
  log,
});
// With Redis, the dashboard's Remote panel: a remote pool, a host of it here, and any other host of its queue.
const redisUrl = process.env.REDIS_URL;
const remote = redisUrl ? await RemotePanel.start(redisUrl, log) : undefined;
Object.assign(parts, { fleet, jobs, urls, remote });
console.log(`
  Drove demo
  front door  ${urls.frontDoor}
  blog        ${urls.blog}
  catalogue   ${urls.catalogue}
  api         ${urls.api}
  dashboard   ${urls.dashboard}

  Building ${options.posts} posts and ${options.products} products on every core. Ctrl-C stops everything.
`);
if (options.json) console.log(JSON.stringify({ event: 'listening', pid: process.pid, urls }));
await jobs.start();
if (!stopping) {
  log(`built: open ${urls.dashboard}`);
  if (options.json) console.log(JSON.stringify({ event: 'built', blog: jobs.blog.status, catalogue: jobs.catalogue.status }));
}
