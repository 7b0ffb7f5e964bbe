// Benchmarks of @drove/tenant-runtime, each against the approach a user would otherwise take:
//   cold  — ensure() of a stopped tenant (spawn → ready) vs the seed's approach
//           (allocate a port and close it, spawn with PORT, poll it every 100 ms);
//   warm  — ensure() of a running tenant, per call, with many tenants alive;
//   proxy — requests per second through the front door vs straight to the tenant (node:http
//           client), and with wrk against Debian's nginx (nginx-light) in front of the same tenant.
// Usage: node bench/run.mjs [--quick] [--tenants N] [--only cold,warm,proxy]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnEndpoint } from '@drove/pool/transport';
import { createRuntime } from '@drove/tenant-runtime';
import { findNginx, startNginx } from '@drove/test-support';
import { findBinary, runWrk } from './wrk.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
const only = new Set(flag('--only', 'cold,warm,proxy').split(','));
const tenantCount = Number(flag('--tenants', quick ? 50 : 200));
const tenantScript = new URL('./fixtures/tenant.mjs', import.meta.url);
const portTenantScript = new URL('./fixtures/port-tenant.mjs', import.meta.url);
// wrk as the issue measured: one thread, 16 kept-alive connections, 5 s; two runs.
const WRK = { threads: 1, connections: 16, seconds: quick ? 2 : 5 };
const WRK_RUNS = 2;

const root = mkdtempSync(join(tmpdir(), 'drove-bench-'));
const keys = Array.from({ length: Math.max(tenantCount, 1) }, (_, i) => `t${i}`);
for (const key of [...keys, 'bench', 'cold']) mkdirSync(join(root, key));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
};
const fmt = (value, digits = 1) => value.toFixed(digits);

console.log(`# @drove/tenant-runtime benchmarks`);
console.log(
  `Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores (${cpus()[0]?.model.trim()}), ` +
    `${Math.round(totalmem() / 2 ** 30)} GB, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}${quick ? ', --quick' : ''}`,
);

try {
  if (only.has('cold')) await cold();
  if (only.has('warm')) await warm();
  if (only.has('proxy')) await proxy();
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(`\nLoad average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.exit(0);

// ─── cold ensure ────────────────────────────────────────────────────────────

async function cold() {
  const trials = quick ? 10 : 40;
  const runtimes = {
    handle: createRuntime({ source: { kind: 'directory', root }, entry: tenantScript, listen: 'handle' }),
    report: createRuntime({ source: { kind: 'directory', root }, entry: tenantScript, listen: 'report' }),
  };
  const times = { handle: [], report: [], seed: [], floor: [] };
  // Interleaved, so that a noisy moment on a shared machine hits every contender alike.
  for (let i = 0; i < trials + 2; i++) {
    for (const mode of ['handle', 'report']) {
      const start = performance.now();
      await runtimes[mode].ensure('cold');
      const elapsed = performance.now() - start;
      await runtimes[mode].kill('cold');
      if (i >= 2) times[mode].push(elapsed);
    }
    const elapsed = await seedColdStart();
    if (i >= 2) times.seed.push(elapsed);
    const floor = await bareStart();
    if (i >= 2) times.floor.push(floor);
  }
  await Promise.all(Object.values(runtimes).map((runtime) => runtime.dispose()));
  const seed = median(times.seed);
  console.log(`\n## Cold ensure (spawn → ready), tiny Node HTTP tenant, ${trials} trials each\n`);
  console.log('| approach | median ms | p90 ms | vs seed |');
  console.log('| --- | ---: | ---: | ---: |');
  const row = (name, values) =>
    console.log(`| ${name} | ${fmt(median(values))} | ${fmt(percentile(values, 0.9))} | ${fmt(seed / median(values), 2)}× faster |`);
  row("drove, `listen: 'handle'` (socket handed over IPC)", times.handle);
  row("drove, `listen: 'report'` (tenant binds port 0)", times.report);
  console.log(`| seed's approach (free port, PORT, 100 ms polls) | ${fmt(seed)} | ${fmt(percentile(times.seed, 0.9))} | 1.00× |`);
  console.log(`| (floor: fork of an empty ES module that sends one IPC message) | ${fmt(median(times.floor))} | ${fmt(percentile(times.floor, 0.9))} | |`);
}

/** The floor under any Node tenant's start: boot, one module, one IPC message. */
async function bareStart() {
  const start = performance.now();
  const child = spawnEndpoint({ kind: 'process', entry: new URL('./fixtures/empty.mjs', import.meta.url), execArgv: [], env: { PATH: process.env.PATH }, stdio: 'ignore' });
  await new Promise((resolve) => child.once('message', resolve));
  const elapsed = performance.now() - start;
  await child.stop({ graceMs: 2000 });
  return elapsed;
}

/** The seed's start: allocate a port and close it, spawn with PORT, poll it every 100 ms until it answers. */
async function seedColdStart() {
  const start = performance.now();
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const child = spawnEndpoint({
    kind: 'process',
    entry: portTenantScript,
    execArgv: [],
    cwd: join(root, 'cold'),
    env: { PATH: process.env.PATH, PORT: String(port), NODE_ENV: 'production' },
    stdio: 'ignore',
  });
  for (;;) {
    const ok = await new Promise((resolve) => {
      const probe = request({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(true));
      });
      probe.on('error', () => resolve(false));
      probe.end();
    });
    if (ok) break;
    await sleep(100);
  }
  const elapsed = performance.now() - start;
  await child.stop({ graceMs: 2000 });
  return elapsed;
}

// ─── warm ensure ────────────────────────────────────────────────────────────

async function warm() {
  const runtime = createRuntime({
    source: { kind: 'directory', root },
    entry: tenantScript,
    maxConcurrent: tenantCount,
    idleAfterMs: 0,
    stdio: 'ignore',
  });
  const availableBefore = memAvailable();
  const startAt = performance.now();
  // Started a few at a time: 2 cores.
  for (let i = 0; i < keys.length; i += 8) await Promise.all(keys.slice(i, i + 8).map((key) => runtime.ensure(key)));
  const startSeconds = (performance.now() - startAt) / 1000;
  const { rss, uss } = await totalTenantMemory(runtime, keys);
  const availableDrop = availableBefore - memAvailable();
  const calls = quick ? 200_000 : 2_000_000;
  const perCall = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await runtime.ensure(keys[i % keys.length]);
    perCall.push(Number(process.hrtime.bigint() - start) / calls);
  }
  // The floor: the same loop awaiting an already-resolved promise, no runtime.
  const resolved = Promise.resolve(1);
  const floor = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await resolved;
    floor.push(Number(process.hrtime.bigint() - start) / calls);
  }
  const { running } = runtime.stats();
  await runtime.dispose();
  console.log(`\n## Warm ensure, ${running} live tenants (started in ${fmt(startSeconds)} s)\n`);
  console.log(
    `Memory of the ${running} tenants: ${fmt(uss / 2 ** 20, 0)} MiB private (USS, ${fmt(uss / running / 2 ** 20, 1)} MiB each); ` +
      `their RSS summed is ${fmt(rss / 2 ** 20, 0)} MiB, counting the shared Node binary in every process; ` +
      `the host's MemAvailable fell by ${fmt(availableDrop / 2 ** 20, 0)} MiB.\n`,
  );
  console.log('| loop | median ns per call |');
  console.log('| --- | ---: |');
  console.log(`| \`await runtime.ensure(key)\` over ${running} keys | ${fmt(median(perCall), 0)} |`);
  console.log(`| \`await\` of a resolved promise (the floor) | ${fmt(median(floor), 0)} |`);
}

/** RSS (shared pages counted in every process) and USS (pages of its own) summed over the tenants, from /proc. */
async function totalTenantMemory(runtime, tenantKeys) {
  const { readFile } = await import('node:fs/promises');
  let rss = 0;
  let uss = 0;
  for (const key of tenantKeys) {
    const tenant = await runtime.ensure(key);
    const rollup = await readFile(`/proc/${tenant.pid}/smaps_rollup`, 'utf8').catch(() => '');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
    rss += kb('Rss');
    uss += kb('Private_Clean') + kb('Private_Dirty');
  }
  return { rss, uss };
}

function memAvailable() {
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

// ─── proxy ──────────────────────────────────────────────────────────────────

async function proxy() {
  const nginxBinary = (() => {
    try {
      return findNginx();
    } catch {
      return undefined;
    }
  })();
  const wrkBinary = findBinary('wrk');
  if (nginxBinary === undefined || wrkBinary === undefined) {
    throw new Error('the proxy benchmark runs Debian\'s nginx-light and wrk: sudo apt-get install -y nginx-light wrk');
  }
  const frontDoor = spawnEndpoint({
    kind: 'process',
    entry: new URL('./fixtures/front-door.mjs', import.meta.url),
    args: [root],
    execArgv: process.env.DROVE_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
    stdio: 'inherit',
  });
  const { proxyPort, handoffPort, tenantPort, tenantPid } = await new Promise((resolve) => frontDoor.once('message', resolve));
  const { readProcStat } = await import('@drove/pool/telemetry');
  const paths = ['direct', 'proxy', 'handoff'];
  const cpu = Object.fromEntries(paths.map((path) => [path, { client: 0, proxy: 0, tenant: 0 }]));
  const measured = async (path, port, host) => {
    const [proxyBefore, tenantBefore, clientBefore] = [await readProcStat(frontDoor.pid), await readProcStat(tenantPid), process.cpuUsage()];
    const rate = await load(port, host, requests, concurrency);
    const [proxyAfter, tenantAfter, clientAfter] = [await readProcStat(frontDoor.pid), await readProcStat(tenantPid), process.cpuUsage(clientBefore)];
    cpu[path].proxy += proxyAfter.cpuMs - proxyBefore.cpuMs;
    cpu[path].tenant += tenantAfter.cpuMs - tenantBefore.cpuMs;
    cpu[path].client += (clientAfter.user + clientAfter.system) / 1000;
    return rate;
  };
  const requests = quick ? 10_000 : 40_000;
  const concurrency = 16;
  const rounds = quick ? 2 : 4;
  const results = Object.fromEntries(paths.map((path) => [path, []]));
  await load(tenantPort, 'localhost', 2000, concurrency); // warm-up every path
  await load(proxyPort, 'bench.local', 2000, concurrency);
  await load(handoffPort, 'bench.local', 2000, concurrency);
  for (let round = 0; round < rounds; round++) {
    // Each round opens new connections (a new agent): the handoff row pays for handing its 16 over.
    results.direct.push(await measured('direct', tenantPort, 'localhost'));
    results.proxy.push(await measured('proxy', proxyPort, 'bench.local'));
    results.handoff.push(await measured('handoff', handoffPort, 'bench.local'));
  }
  // As an expert fronts a Node app: a worker per core, kept-alive upstream connections, and kept-alive
  // client connections not closed every 1,000 requests (wrk does not reconnect for free).
  const nginx = await startNginx({
    upstreamPort: tenantPort,
    workers: 'auto',
    upstreamKeepalive: 32,
    upstreamExtra: 'keepalive_requests 1000000;',
    httpExtra: 'keepalive_requests 1000000;',
  });
  let wrkRuns;
  try {
    wrkRuns = wrkRows(wrkBinary, [
      ['direct', tenantPort, 'localhost'],
      ['nginx', nginx.port, 'bench.local'],
      ['proxied', proxyPort, 'bench.local'],
      ['handoff', handoffPort, 'bench.local'],
    ]);
  } finally {
    await nginx.stop();
  }
  frontDoor.send('bye');
  await frontDoor.stop({ graceMs: 5000, signal: null }).catch(() => undefined);
  const direct = median(results.direct);
  console.log(`\n## Proxy throughput: ${requests} GET requests per round, ${concurrency} in flight, keep-alive, median of ${rounds} rounds\n`);
  const perRequest = (ms) => fmt((ms * 1000) / (requests * rounds), 1);
  console.log('| path | requests/s | vs direct | CPU µs/request: client | front door | tenant |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  console.log(`| client → tenant (direct) | ${fmt(direct, 0)} | 1.00 | ${perRequest(cpu.direct.client)} | — | ${perRequest(cpu.direct.tenant)} |`);
  const row = (label, path) => {
    const rate = median(results[path]);
    console.log(
      `| ${label} | ${fmt(rate, 0)} | ${fmt(rate / direct, 2)} (overhead ${fmt((1 - rate / direct) * 100, 0)} %) | ` +
        `${perRequest(cpu[path].client)} | ${perRequest(cpu[path].proxy)} | ${perRequest(cpu[path].tenant)} |`,
    );
  };
  row('client → front door → tenant (proxied)', 'proxy');
  row('client → front door, handed over → tenant (`handoff: true`)', 'handoff');
  printWrk(wrkRuns);
}

/** Each path under wrk, WRK_RUNS times, interleaved (a noisy moment on a shared machine hits every path alike), after a 1 s warm-up each. */
function wrkRows(wrkBinary, paths) {
  for (const [, port, host] of paths) runWrk(wrkBinary, port, host, { ...WRK, seconds: 1 });
  const runs = [];
  for (let run = 0; run < WRK_RUNS; run++) {
    const results = { load: loadavg()[0] };
    for (const [name, port, host] of paths) results[name] = runWrk(wrkBinary, port, host, WRK);
    runs.push(results);
  }
  return runs;
}

function printWrk(runs) {
  const rates = (name) => runs.map((run) => fmt(run[name].rate, 0)).join(' | ');
  const ratios = (a, b) => runs.map((run) => fmt(run[a].rate / run[b].rate, 2)).join(', ');
  const runNames = runs.map((_, i) => `run ${i + 1}`);
  console.log(
    `\n## Proxy throughput with wrk: \`wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s\`, keep-alive, one tenant, ${runs.length} runs interleaved ` +
      `(1-min load average at each run's start: ${runs.map((run) => fmt(run.load, 2)).join(', ')})\n`,
  );
  console.log(`| path | ${runNames.map((name) => `${name} req/s`).join(' | ')} | ratio (${runNames.join(', ')}) |`);
  console.log(`| --- | ${runNames.map(() => '---:').join(' | ')} | ---: |`);
  console.log(`| client → tenant (direct) | ${rates('direct')} | |`);
  console.log(`| client → nginx → tenant (nginx-light, upstream keepalive 32) | ${rates('nginx')} | ${ratios('nginx', 'direct')} × direct |`);
  console.log(`| client → front door → tenant (proxied) | ${rates('proxied')} | **${ratios('proxied', 'nginx')} × nginx** (target ≥ 0.6) |`);
  console.log(`| client → front door, handed over → tenant (\`handoff: true\`) | ${rates('handoff')} | **${ratios('handoff', 'direct')} × direct** |`);
  const errors = runs.flatMap((run, i) =>
    Object.entries(run)
      .filter(([name]) => name !== 'load')
      .filter(([, result]) => result.non2xx > 0 || result.socketErrors !== undefined)
      .map(([name, result]) => `run ${i + 1} ${name}: ${result.non2xx} non-2xx, socket errors ${result.socketErrors ?? 'none'}`),
  );
  if (errors.length > 0) console.log(`\nErrors wrk counted: ${errors.join('; ')}`);
}

/** Sends `total` GET requests with `concurrency` in flight over keep-alive connections; resolves with requests/s. */
async function load(port, host, total, concurrency) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  const start = performance.now();
  const worker = async () => {
    while (sent < total) {
      sent++;
      await new Promise((resolve, reject) => {
        const outgoing = request({ host: '127.0.0.1', port, path: '/', agent, headers: { host } }, (response) => {
          response.resume();
          response.once('end', resolve);
        });
        outgoing.once('error', reject);
        outgoing.end();
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return total / elapsed;
}
