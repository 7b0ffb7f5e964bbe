// Run in a fresh process with its own PM2_HOME: starts PM2's daemon (God)
// with N idle apps, then prints the daemon's memory as JSON. The daemon is
// what PM2 keeps running besides the apps, as drove's master is.
/* global require, process, setTimeout, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS script, as PM2 and the bare loop run it */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const count = Number(process.argv[2]);
let pm2;
try {
  pm2 = require('pm2');
} catch {
  process.stdout.write('null\n');
  process.exit(0);
}
const call = (method, ...args) => new Promise((resolve, reject) => pm2[method](...args, (error, result) => (error ? reject(error) : resolve(result))));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function memory(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
  return { rss: field('Rss'), uss: field('Private_Clean') + field('Private_Dirty') };
}

(async () => {
  await call('connect', false);
  try {
    const script = join(__dirname, '../fixtures/idle-plain.cjs');
    for (let i = 0; i < count; i++) await call('start', { script, name: `c${i}`, autorestart: true });
    await sleep(1000);
    // Let its start-up settle as the drove master's does; PM2 gives no way to run its gc.
    await sleep(200);
    const pid = Number(readFileSync(join(process.env.PM2_HOME, 'pm2.pid'), 'utf8'));
    const apps = await call('list');
    const children = { rss: 0, uss: 0 };
    for (const app of apps) {
      if (!app.pid) continue;
      const m = memory(app.pid);
      children.rss += m.rss;
      children.uss += m.uss;
    }
    process.stdout.write(`${JSON.stringify({ count, daemon: memory(pid), children })}\n`);
  } finally {
    // killDaemon stops the apps with it; PM2's client may keep the process open after it.
    await call('killDaemon').catch(() => {});
    pm2.disconnect();
    process.exit(0);
  }
})();
