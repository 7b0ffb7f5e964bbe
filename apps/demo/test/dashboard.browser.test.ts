import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getText, startDemo, type RunningDemo } from './helpers.js';

// Debian's chromium, installed by .ci/run (apt-get install chromium); CHROMIUM_PATH overrides.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(`No browser at ${executablePath}: install Debian's chromium (apt-get install chromium), or set CHROMIUM_PATH`);
  }
  demo = await startDemo(['--forecast-paths', '2000']);
  await demo.built;
  browser = await chromium.launch({
    executablePath,
    headless: true,
    // Root in CI needs --no-sandbox; the rest keeps Chromium off the network it cannot reach here.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  demo?.cleanup();
});

describe('the dashboard in a browser', () => {
  it('rebuilds with progress to the end, kills a tenant and shows it stopped, and saves a screenshot', async () => {
    expect((await getText(demo.urls.blog)).status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(demo.urls.dashboard);
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    await page.locator('#run', { hasText: 'run 1' }).waitFor();
    const blogState = page.locator('[data-tenant="blog"] .state');
    await expect.poll(() => blogState.textContent(), { timeout: 30_000 }).toBe('ready');

    await page.click('#rebuild');
    await page.locator('#run', { hasText: 'run 2' }).waitFor({ timeout: 30_000 });
    // Progress reaches the end: both jobs done, each count at its total.
    for (const job of ['blog', 'catalogue']) {
      await page.locator(`[data-job="${job}"] .status`, { hasText: 'done' }).waitFor({ timeout: 120_000 });
      const count = (await page.locator(`[data-job="${job}"] .count`).textContent()) ?? '';
      const [, done, total] = /(\d+) \/ (\d+)/.exec(count) ?? [];
      expect(Number(done)).toBeGreaterThan(0);
      expect(done).toBe(total);
    }
    await page.locator('#run', { hasText: /^run 2$/ }).waitFor();
    // The pools' workers were seen and charted while they ran.
    expect(await page.locator('#cpu-legend span').count()).toBeGreaterThan(0);

    await page.click('[data-tenant="blog"] button.kill');
    await expect.poll(() => blogState.textContent(), { timeout: 30_000 }).toBe('stopped');
    await page.locator('#notice', { hasText: 'tenant blog stopped' }).waitFor();

    // Bring it back so the screenshot shows tenants at work.
    expect((await getText(demo.urls.blog)).status).toBe(200);
    await expect.poll(() => blogState.textContent(), { timeout: 30_000 }).toBe('ready');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}dashboard.png`, fullPage: true });
    expect(existsSync(`${artifacts}dashboard.png`)).toBe(true);
  });
});
