// PM2 for the benchmarks: loaded once with a private PM2_HOME (PM2 reads it
// when it is loaded), its API promisified, and its daemon killed by the pid
// file it writes, so no daemon outlives a run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let loaded;

/** `{ pm2, home, call }`, or undefined when PM2 is not installed. */
export function loadPm2() {
  if (loaded !== undefined) return loaded || undefined;
  const home = mkdtempSync(join(tmpdir(), 'drove-bench-pm2-'));
  process.on('exit', () => rmSync(home, { recursive: true, force: true }));
  process.env.PM2_HOME = home;
  let pm2;
  try {
    pm2 = createRequire(import.meta.url)('pm2');
  } catch {
    loaded = false;
    return undefined;
  }
  const call = (method, ...args) => new Promise((resolve, reject) => pm2[method](...args, (error, result) => (error ? reject(error) : resolve(result))));
  loaded = { pm2, home, call };
  return loaded;
}

/** The daemon's pid, from its pid file. */
export function pm2DaemonPid(home) {
  return Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
}

/** Deletes the apps, asks the daemon to exit, then SIGKILLs it by its pid file (killDaemon can fail quietly: a daemon still starting, a run cut short). */
export async function stopPm2({ pm2, home, call }, apps) {
  for (const app of apps) await call('delete', app).catch(() => {});
  let pid;
  try {
    pid = pm2DaemonPid(home);
  } catch {
    // Never started.
  }
  await call('killDaemon').catch(() => {});
  pm2.disconnect();
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
