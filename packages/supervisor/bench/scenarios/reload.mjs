// A full reload of an HTTP service of N instances on one shared port, under
// constant load: drove's `reload` (the control socket's, as `drove-supervise
// reload` sends it) with `reload: 'surge'` against PM2 cluster mode's
// `pm2 reload`, each run by a master in a process of its own. The load mixes
// keep-alive clients and clients that open a new connection per request;
// every request's outcome and latency is kept.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@drove/supervisor';
import { freePort, sleep } from '../lib/http.mjs';
import { loadPm2, stopPm2 } from '../lib/pm2.mjs';

const droveChild = fileURLToPath(new URL('../fixtures/reload-drove.mjs', import.meta.url));
const pm2Child = fileURLToPath(new URL('../fixtures/reload-pm2.cjs', import.meta.url));
const cli = fileURLToPath(new URL('../../bin/drove-supervise.js', import.meta.url));

/** One GET: `{ ok, code, ms, pid }`. */
function get(port, agent) {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (outcome) => resolve({ ...outcome, started, ms: performance.now() - started });
    const req = request({ host: '127.0.0.1', port, path: '/', agent, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => done({ ok: res.statusCode === 200, code: res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`, pid: Number(body) }));
      res.on('error', (error) => done({ ok: false, code: error.code ?? error.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error) => done({ ok: false, code: error.code ?? error.message }));
    req.end();
  });
}

/** Resolves once `count` different pids have answered on `port`. */
async function allServing(port, count, deadlineMs = 30_000) {
  const pids = new Set();
  const end = performance.now() + deadlineMs;
  while (pids.size < count) {
    if (performance.now() > end) throw new Error(`only ${pids.size} of ${count} instances answered on port ${port}`);
    const outcome = await get(port, false);
    if (outcome.ok) pids.add(outcome.pid);
    else await sleep(20);
  }
}

/** drove: `drove-supervise fleet.config.mjs` in a process of its own, reloaded through its control socket. */
async function drove(port, instances) {
  const dir = mkdtempSync(join(tmpdir(), 'drove-bench-reload-'));
  const runFolder = join(dir, 'run');
  const config = join(dir, 'fleet.config.mjs');
  writeFileSync(
    config,
    `export default ${JSON.stringify({
      runFolder,
      output: 'ignore',
      sockets: { http: { port, host: '127.0.0.1' } },
      children: [{ name: 'web', kind: 'process', entry: droveChild, instances, reload: 'surge', shutdownTimeoutMs: 5000 }],
    })};\n`,
  );
  const master = spawn(process.execPath, [cli, config], { stdio: 'ignore' });
  const exited = new Promise((resolve) => master.once('exit', resolve));
  let client;
  for (const end = performance.now() + 30_000; !client; ) {
    client = await connect(runFolder).catch(() => undefined);
    if (!client && performance.now() > end) throw new Error('drove-supervise did not open its control socket');
    if (!client) await sleep(50);
  }
  await allServing(port, instances);
  return {
    reload: () => client.reload(),
    async stop() {
      await client.shutdown().catch(() => master.kill('SIGKILL'));
      client.close();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PM2 cluster mode, configured for graceful reloads as PM2's docs say. */
async function pm2(port, instances) {
  const loaded = loadPm2();
  if (!loaded) return undefined;
  const { call } = loaded;
  await call('connect', false);
  await call('start', {
    script: pm2Child,
    name: 'web',
    exec_mode: 'cluster',
    instances,
    env: { PORT: String(port) },
    wait_ready: true, // a new worker counts once it sent 'ready', not at its first listen
    listen_timeout: 10_000, // and is given that long to send it
    kill_timeout: 5000, // an old worker gets as long as drove's shutdownTimeoutMs to finish its requests
    autorestart: true,
  });
  await allServing(port, instances);
  return {
    reload: () => call('reload', 'web'),
    stop: () => stopPm2(loaded, ['web']),
  };
}

export const reloadContenders = [
  { name: "drove reload (reload: 'surge')", start: drove },
  { name: 'pm2 reload (cluster mode)', start: pm2 },
];

/**
 * Runs `reloads` full reloads of `instances` instances under `keepAlive` +
 * `fresh` client loops, after `steadyMs` of the same load without a reload.
 */
export async function reloadUnderLoad(contender, { instances, reloads, keepAlive = 2, fresh = 2, steadyMs = 2000 }) {
  const port = await freePort();
  const service = await contender.start(port, instances);
  if (!service) return undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: keepAlive });
  const outcomes = [];
  const windows = [];
  let loading = true;
  const loop = async (useAgent) => {
    while (loading) {
      const outcome = await get(port, useAgent ? agent : false);
      outcome.keepAlive = useAgent;
      outcomes.push(outcome);
      // A refused connection comes back at once: do not spin.
      if (!outcome.ok) await sleep(1);
    }
  };
  const loops = [...Array.from({ length: keepAlive }, () => loop(true)), ...Array.from({ length: fresh }, () => loop(false))];
  try {
    await sleep(steadyMs);
    const steadyEnd = performance.now();
    for (let i = 0; i < reloads; i++) {
      const started = performance.now();
      await service.reload();
      windows.push([started, performance.now()]);
      await sleep(1000);
    }
    loading = false;
    await Promise.all(loops);
    return summarize(outcomes, windows, steadyEnd);
  } finally {
    loading = false;
    agent.destroy();
    await service.stop();
  }
}

function p99(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))];
}

function summarize(outcomes, windows, steadyEnd) {
  const during = (outcome) => windows.some(([from, to]) => outcome.started >= from && outcome.started <= to);
  const reloadOutcomes = outcomes.filter(during);
  const steady = outcomes.filter((outcome) => outcome.started < steadyEnd && outcome.ok);
  const failed = outcomes.filter((outcome) => !outcome.ok);
  const durations = windows.map(([from, to]) => to - from).sort((a, b) => a - b);
  return {
    sent: outcomes.length,
    failed: failed.length,
    refused: failed.filter((outcome) => outcome.code === 'ECONNREFUSED').length,
    reset: failed.filter((outcome) => outcome.code === 'ECONNRESET' || outcome.code === 'EPIPE').length,
    other: failed.filter((outcome) => !['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(outcome.code)).map((outcome) => outcome.code),
    /** Failures on keep-alive connections and on new ones. */
    failedKeepAlive: failed.filter((outcome) => outcome.keepAlive).length,
    failedFresh: failed.filter((outcome) => !outcome.keepAlive).length,
    duringReload: reloadOutcomes.length,
    reloadMs: durations[Math.floor(durations.length / 2)],
    reloadMaxMs: durations.at(-1),
    p99SteadyMs: p99(steady.map((outcome) => outcome.ms)),
    p99ReloadMs: p99(reloadOutcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.ms)),
  };
}
