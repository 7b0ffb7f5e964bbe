// Master RSS and the memory each child adds (process, process with a warm
// spare, thread), and PM2's daemon beside drove's master: each configuration
// in a fresh Node process (PM2's in a private PM2_HOME).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));
const pm2Probe = fileURLToPath(new URL('./pm2-memory-probe.cjs', import.meta.url));

async function measure(kind, count) {
  const { stdout } = await run(process.execPath, ['--expose-gc', probe, kind, String(count)], { timeout: 120_000 });
  return JSON.parse(stdout);
}

async function measurePm2(count) {
  const home = mkdtempSync(join(tmpdir(), 'drove-bench-pm2-memory-'));
  try {
    const { stdout } = await run(process.execPath, [pm2Probe, String(count)], { timeout: 120_000, env: { ...process.env, PM2_HOME: home } });
    return JSON.parse(stdout);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export async function memoryPerChild(count) {
  const empty = await measure('process', 0);
  const out = { master: empty.master, perChild: {}, pm2: undefined };
  for (const kind of ['process', 'spare', 'thread']) {
    const full = await measure(kind, count);
    out.perChild[kind] = {
      masterWith: full.master,
      rss: (full.master.rss - empty.master.rss + full.children.rss) / count,
      uss: (full.master.uss - empty.master.uss + full.children.uss) / count,
    };
  }
  const pm2Empty = await measurePm2(0);
  if (pm2Empty) {
    const pm2Full = await measurePm2(count);
    out.pm2 = { daemon: pm2Empty.daemon, daemonWith: pm2Full.daemon, perChild: { rss: pm2Full.children.rss / count, uss: pm2Full.children.uss / count } };
  }
  return out;
}
