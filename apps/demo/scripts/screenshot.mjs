// Takes the dashboard screenshot of the root README: `node apps/demo/scripts/screenshot.mjs [out.png]`
// (after `npm run build`). Runs the demo at its default size on free ports, opens the
// dashboard in Debian's Chromium, and shoots it while the catalogue export is half done.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const out = process.argv[2] ?? fileURLToPath(new URL('../../../docs/dashboard.png', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'drove-demo-shot-'));
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const demo = spawn(process.execPath, [main, '--port', '0', '--dashboard-port', '0', '--data-dir', dataDir, '--json'], {
  detached: true,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const urls = await new Promise((resolve) => {
  createInterface({ input: demo.stdout }).on('line', (line) => {
    if (line.startsWith('{"event":"listening"')) resolve(JSON.parse(line).urls);
  });
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(urls.dashboard);
  // Wake some tenants (and the broken one twice, to show its back-off) while the blog builds.
  for (const path of ['api/health', 'broken/', 'broken/', 'blog/']) await fetch(`${urls.frontDoor}${path}`).catch(() => undefined);
  await page.waitForFunction(() => {
    const card = document.querySelector('[data-job="catalogue"]');
    return Number(card?.dataset.share) > 0.6 && document.querySelector('#pool-tables button[data-action="kill-worker"]') !== null;
  }, undefined, { timeout: 600_000, polling: 250 });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
  process.kill(-demo.pid, 'SIGINT');
  await new Promise((resolve) => demo.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
