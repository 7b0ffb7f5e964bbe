// A child that writes its output as fast as a pipe takes it, with its lines
// going to log files: drove's `logs` (default 1 MiB buffer per child, and a
// 64 MiB one) beside PM2 7's out_file with timestamps. For each: how long until
// the child's lines are all on disk (or counted as dropped), how many are in
// the file, how many drove dropped, the master's (PM2: its daemon's) peak RSS
// during the flood (drove's master is a fresh Node process a trial), and
// drove's event-loop delay. `node bench/log-flood.mjs [--lines=N] [--trials=N]`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Supervisor } from '@drove/supervisor';
import { readProcStat } from '@drove/pool/telemetry';
import { summarize } from './lib/stats.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const lines = arg('lines', 500_000);
const trials = arg('trials', 3);
const flood = fileURLToPath(new URL('./fixtures/flood.cjs', import.meta.url));
const run = promisify(execFile);
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function countLines(path) {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path);
  let count = 0;
  for (const byte of text) if (byte === 0x0a) count += 1;
  return count;
}

/** Samples a pid's RSS every 20 ms; `stop()` resolves with the peak. */
function peakRss(pid) {
  let peak = 0;
  const timer = setInterval(async () => {
    const stat = await readProcStat(pid);
    if (stat) peak = Math.max(peak, stat.rssBytes);
  }, 20);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/** One trial of drove in a fresh Node process (this script with --probe), so that its master's memory is its own. */
async function drove(maxBufferedBytes) {
  const { stdout } = await run(process.execPath, [fileURLToPath(import.meta.url), `--probe=${maxBufferedBytes}`, `--lines=${lines}`], { maxBuffer: 2 ** 20 });
  return JSON.parse(stdout);
}

async function droveProbe(maxBufferedBytes) {
  const dir = mkdtempSync(join(tmpdir(), 'drove-bench-logs-'));
  try {
    const supervisor = new Supervisor({
      output: 'ignore',
      logs: { dir, maxBytes: 2 ** 30, maxBufferedBytes },
      children: [{ name: 'flood', kind: 'command', argv: [process.execPath, flood, `--lines=${lines}`], restart: 'transient' }],
    });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const before = (await readProcStat(process.pid))?.rssBytes ?? 0;
    const stopPeak = peakRss(process.pid);
    const exited = new Promise((resolve) => supervisor.once('exit', resolve));
    const started = performance.now();
    delay.enable();
    await supervisor.start();
    await exited;
    await supervisor.stop(); // writes what is buffered
    const elapsedMs = performance.now() - started;
    const peak = stopPeak();
    delay.disable();
    const log = supervisor.stats().children[0].log;
    const inFile = countLines(join(dir, 'flood.log'));
    return { elapsedMs, inFile, dropped: log.droppedLines, rssBefore: before, peakRss: peak, delayP99: delay.percentile(99) / 1e6, delayMax: delay.max / 1e6 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// PM2 reads PM2_HOME once, when it is loaded: one private home for the whole run.
const pm2Home = mkdtempSync(join(tmpdir(), 'drove-bench-pm2-logs-'));
process.on('exit', () => rmSync(pm2Home, { recursive: true, force: true }));

async function pm2() {
  process.env.PM2_HOME = pm2Home;
  let pm2;
  try {
    pm2 = createRequire(import.meta.url)('pm2');
  } catch {
    return undefined;
  }
  const home = pm2Home;
  const call = (method, ...args) => new Promise((resolve, reject) => pm2[method](...args, (error, result) => (error ? reject(error) : resolve(result))));
  const out = join(home, 'flood.out.log');
  try {
    await call('connect', false);
    const daemon = Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
    const before = (await readProcStat(daemon))?.rssBytes ?? 0;
    const stopPeak = peakRss(daemon);
    const started = performance.now();
    await call('start', { script: flood, name: 'flood', args: [`--lines=${lines}`], autorestart: false, out_file: out, error_file: join(home, 'flood.err.log'), time: true, merge_logs: true });
    // Done once the file holds every line (PM2 drops none: it buffers in its daemon).
    let inFile = 0;
    for (let last = -1, still = 0; still < 100; ) {
      inFile = countLines(out);
      if (inFile >= lines) break;
      still = inFile === last ? still + 1 : 0;
      last = inFile;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const elapsedMs = performance.now() - started;
    // The last count read the file into this process, not into the daemon: the daemon's peak stands.
    return { elapsedMs, inFile, dropped: 0, rssBefore: before, peakRss: stopPeak(), delayP99: undefined, delayMax: undefined };
  } finally {
    await call('delete', 'flood').catch(() => {});
    await call('killDaemon').catch(() => {});
    pm2.disconnect();
    // killDaemon can fail quietly (a daemon still starting, a run cut short): no daemon outlives the run.
    try {
      process.kill(Number(readFileSync(join(home, 'pm2.pid'), 'utf8')), 'SIGKILL');
    } catch {
      // Gone already, or never started.
    }
    rmSync(out, { force: true });
  }
}

const probe = process.argv.find((a) => a.startsWith('--probe='));
if (probe) {
  process.stdout.write(JSON.stringify(await droveProbe(Number(probe.split('=')[1]))));
  process.exit(0);
}

const cpu = cpus();
console.log(`Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Linux ${release()}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the start`);
console.log(`Command: node bench/log-flood.mjs --lines=${lines} --trials=${trials} (median of ${trials} trials; a line is about 100 bytes before its timestamp)\n`);
const contenders = [
  ['drove, logs (1 MiB buffer, the default)', () => drove(2 ** 20)],
  ['drove, logs (64 MiB buffer)', () => drove(64 * 2 ** 20)],
  ['pm2 out_file, time: true', pm2],
];
const rows = [];
for (const [name, trial_] of contenders) {
  const results = [];
  for (let trial = 0; trial < trials; trial++) {
    const result = await trial_();
    if (!result) break;
    results.push(result);
  }
  if (results.length === 0) {
    rows.push([name, 'not installed', '', '', '', '', '']);
    continue;
  }
  const median = (key) => summarize(results.map((result) => result[key] ?? Number.NaN)).p50;
  const seconds = median('elapsedMs') / 1000;
  rows.push([
    name,
    `${(median('elapsedMs') / 1000).toFixed(2)} s`,
    `${Math.round(lines / seconds).toLocaleString('en')}`,
    `${median('inFile').toLocaleString('en')}`,
    `${median('dropped').toLocaleString('en')}`,
    `${mib(median('rssBefore'))} → ${mib(median('peakRss'))}`,
    Number.isNaN(median('delayP99')) ? '—' : `${median('delayP99').toFixed(1)} / ${median('delayMax').toFixed(1)} ms`,
  ]);
}
const header = ['', 'flood to all lines on disk or counted', 'lines/s', 'lines in the file', 'dropped (counted)', 'master RSS before → peak', 'event-loop delay p99 / max'];
const widths = header.map((_, i) => Math.max(header[i].length, ...rows.map((row) => String(row[i]).length)));
const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
console.log([line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n'));
console.log(`\nLoad average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
process.exit(0);
