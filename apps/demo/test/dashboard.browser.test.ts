import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getText, startDemo, type RunningDemo } from './helpers.js';

// Debian's chromium (the root `npm test` installs it when missing); CHROMIUM_PATH overrides.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Git-ignored (apps/demo/.gitignore): one screenshot per size, kept for a person to look at.
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const widths = [1280, 1440, 1920, 420] as const;

/** What a page showed after one render, as the init script below records it. */
interface Frame {
  run: string;
  notice: string;
  jobs: { name: string; status: string; phase: string; done: number; total: number | null; final: boolean; share: number; text: string }[];
  series: { name: string; points: number; firstAt: number; firstX: number }[];
  chart: { from: number; to: number; left: number; right: number };
  ticks: { at: number; text: string }[];
  legend: string[];
  workers: string[];
  /** Per worker, the times of the samples in the snapshot this frame drew. */
  samples: Record<string, number[]>;
}

// Injected into every page before its own script: records each render and checks the layout (plain browser JavaScript).
const probe = fileURLToPath(new URL('./fixtures/dashboard-probe.js', import.meta.url));
const layoutProblems = 'layoutProblems()';

const frames = (page: Page) => page.evaluate('window.frames_') as Promise<Frame[]>;
const blogPhases = ['generate', 'load', 'render', 'commit', 'build'];

let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(`No browser at ${executablePath}: install Debian's chromium (sudo apt-get install -y chromium), or set CHROMIUM_PATH`);
  }
  // Enough posts and product pages (about 40 ms of CPU each) that a rebuild runs for several refreshes of the page.
  demo = await startDemo(['--posts', '800', '--products', '300', '--forecast-paths', '4000']);
  browser = await chromium.launch({
    executablePath,
    headless: true,
    // Root in CI needs --no-sandbox; the rest keeps Chromium off the network it cannot reach here.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await demo.built;
});

afterAll(async () => {
  await browser?.close();
  demo?.cleanup();
});

describe('the dashboard in a browser', () => {
  const pages = new Map<number, Page>();
  // What each size's page showed during run 2, kept once its pages close.
  const recorded = new Map<number, Frame[]>();

  it('at 1280, 1440, 1920 and 420 px, shows every button inside its card and never scrolls sideways, during a rebuild', async () => {
    // Tenants at work, one backing off (its row gets a second button).
    for (const path of ['api/health', 'blog/', 'broken/', 'broken/']) await getText(`${demo.urls.frontDoor}${path}`);
    for (const width of widths) {
      const page = await browser.newPage({ viewport: { width, height: 1000 } });
      await page.addInitScript({ path: probe });
      await page.goto(demo.urls.dashboard);
      await page.locator('#connection', { hasText: 'live' }).waitFor();
      await page.locator('[data-tenant="broken"] .state', { hasText: 'backing-off' }).waitFor({ timeout: 30_000 });
      pages.set(width, page);
    }
    const main = pages.get(1440)!;
    await main.click('#rebuild');
    await main.locator('#notice', { hasText: '✓ rebuild started' }).waitFor({ timeout: 30_000 });
    // Mid-export: the pool table has its kill buttons.
    for (const page of pages.values()) await page.locator('#pool-tables button[data-action="kill-worker"]').first().waitFor({ timeout: 120_000 });
    mkdirSync(artifacts, { recursive: true });
    for (const [width, page] of pages) {
      expect(await page.evaluate(layoutProblems), `at ${width} px`).toEqual([]);
      await page.screenshot({ path: `${artifacts}dashboard-${width}.png`, fullPage: true });
      expect(existsSync(`${artifacts}dashboard-${width}.png`)).toBe(true);
    }
  });

  it('drops the chart series of a killed render process, and of the blog threads once the blog is built', async () => {
    const page = pages.get(1440)!;
    const button = page.locator('#pool-tables button[data-action="kill-worker"]').first();
    const pid = await button.getAttribute('data-pid');
    await button.click();
    const result = page.locator('#notice', { hasText: /render process \d+ killed|no render process/ });
    await result.waitFor({ timeout: 30_000 });
    // The export may have ended between the render and the click; the legend must drop the pid either way.
    await expect.poll(async () => (await frames(page)).at(-1)?.legend.includes(`catalogue pid ${pid}`), { timeout: 30_000 }).toBe(false);
    for (const page of pages.values()) await page.locator('#run', { hasText: /^run 2$/ }).waitFor({ timeout: 120_000 });
    for (const [width, page] of pages) {
      const seen = await frames(page);
      const during = seen.filter((f) => f.run === 'run 2, building');
      expect(during.some((f) => f.legend.length > 0), `at ${width} px, workers were charted`).toBe(true);
      for (const frame of seen) {
        // The legend names exactly the workers the pools run now: no dead pid, no old thread.
        expect([...frame.legend].sort()).toEqual([...frame.workers].sort());
        const blogDone = frame.jobs.find((j) => j.name === 'blog')?.status === 'done';
        if (blogDone) expect(frame.legend.filter((name) => name.startsWith('blog '))).toEqual([]);
      }
      recorded.set(width, seen);
    }
    // Two cores: keep one page open for what follows.
    for (const [width, page] of pages) if (width !== 1440) await page.close();
  });

  it('draws a freshly opened page from the first sample, on a time axis', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.addInitScript({ path: probe });
    await page.goto(demo.urls.dashboard);
    await page.locator('#run', { hasText: 'run 2' }).waitFor();
    const run = Number(/run (\d+)/.exec((await page.locator('#run').textContent()) ?? '')?.[1]);
    await page.click('#rebuild');
    await page.locator('#run', { hasText: `run ${run + 1}, building` }).waitFor({ timeout: 30_000 });
    // A second page opened once workers run: its first chart already has lines.
    await expect.poll(async () => (await frames(page)).some((f) => f.legend.length > 0), { timeout: 120_000 }).toBe(true);
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await fresh.addInitScript({ path: probe });
    await fresh.goto(demo.urls.dashboard);
    // Its first render of a snapshot (the chart is drawn once before, empty, at the page's width).
    await expect.poll(async () => (await frames(fresh)).some((f) => f.jobs.length > 0), { timeout: 30_000 }).toBe(true);
    const first = (await frames(fresh)).find((f) => f.jobs.length > 0)!;
    const running = first.jobs.some((j) => j.status === 'running');
    if (running && first.workers.length > 0) expect(first.series.length).toBeGreaterThan(0);
    // The first snapshot carries each job's recent samples: every one of them is drawn, from the first.
    for (const series of first.series) {
      const samples = first.samples[series.name] ?? [];
      expect(series.points).toBe(samples.length);
      expect(series.firstAt).toBe(Math.min(...samples));
    }
    await page.locator('#run', { hasText: new RegExp(`^run ${run + 1}$`) }).waitFor({ timeout: 120_000 });
    for (const frame of [...(await frames(page)), ...(await frames(fresh))]) {
      // A time axis: clock times, oldest left, inside the last minute.
      expect(frame.ticks.length).toBeGreaterThanOrEqual(2);
      for (const tick of frame.ticks) expect(tick.text).toMatch(/^\d\d:\d\d:\d\d$/);
      expect(frame.ticks.map((t) => t.at)).toEqual([...frame.ticks.map((t) => t.at)].sort((a, b) => a - b));
      expect(frame.ticks.every((t) => t.at >= frame.chart.from && t.at <= frame.chart.to)).toBe(true);
      // Each line starts at its first sample's time, not at the left edge.
      const { from, to, left, right } = frame.chart;
      for (const series of frame.series) {
        const x = left + ((Math.max(series.firstAt, from) - from) / (to - from)) * (right - left);
        expect(Math.abs(series.firstX - x)).toBeLessThan(1);
      }
    }
    await fresh.close();
    await page.close();
  });

  it('counts each phase against one total, never backwards and never past it', async () => {
    let phasesSeen = 0;
    for (const [width, frames] of recorded) {
      const seen = frames.filter((f) => /^run 2(,|$)/.test(f.run));
      for (const name of ['blog', 'catalogue']) {
        const views = seen.map((f) => f.jobs.find((j) => j.name === name)!).filter((j) => j.status !== 'waiting');
        expect(views.length, `${name} at ${width} px`).toBeGreaterThan(0);
        for (const view of views) {
          if (view.total === null) {
            // A phase with no count says what it does, never `0 / 0`.
            expect(view.text).not.toMatch(/\b0 \/ 0\b/);
            expect(view.text).toMatch(/[a-z]{3,}/);
          } else {
            expect(view.done).toBeLessThanOrEqual(view.total);
            expect(view.text).toContain(`${view.phase} ${view.done.toLocaleString('en-US')} / ${view.total.toLocaleString('en-US')}`);
          }
          expect(view.share).toBeGreaterThanOrEqual(0);
          expect(view.share).toBeLessThanOrEqual(1);
        }
        for (let i = 1; i < views.length; i++) {
          const [before, after] = [views[i - 1]!, views[i]!];
          if (name === 'blog') expect(blogPhases.indexOf(after.phase)).toBeGreaterThanOrEqual(blogPhases.indexOf(before.phase));
          if (before.phase !== after.phase) {
            phasesSeen++;
            continue;
          }
          expect(after.done).toBeGreaterThanOrEqual(before.done);
          expect(after.share).toBeGreaterThanOrEqual(before.share);
          if (before.total !== null && after.total !== null) expect(after.total).toBeGreaterThanOrEqual(before.total);
          if (before.final) expect(after.total).toBe(before.total);
        }
        const last = views.at(-1)!;
        expect(last).toMatchObject({ status: 'done', final: true, share: 1 });
        expect(last.done).toBe(last.total);
      }
    }
    expect(phasesSeen).toBeGreaterThan(0);
  });

  it('clears a notice when its action ends: the rebuild once built, a kill once done', async () => {
    const page = pages.get(1440)!;
    // The rebuild's notice went once run 2 was built.
    const seen = recorded.get(1440)!;
    expect(seen.some((f) => f.notice.includes('rebuild started'))).toBe(true);
    expect(seen.filter((f) => f.run === 'run 2').every((f) => !f.notice.includes('rebuild started'))).toBe(true);

    const blogState = page.locator('[data-tenant="blog"] .state');
    // Woken now: it may have been stopped for idling during the builds.
    expect((await getText(demo.urls.blog)).status).toBe(200);
    await expect.poll(() => blogState.textContent(), { timeout: 30_000 }).toBe('ready');
    await page.click('[data-tenant="blog"] button.kill');
    await expect.poll(() => blogState.textContent(), { timeout: 30_000 }).toBe('stopped');
    await page.locator('#notice', { hasText: 'tenant blog stopped' }).waitFor();
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 30_000 }).toBe('');
    expect((await getText(demo.urls.blog)).status).toBe(200);
    await expect.poll(() => blogState.textContent(), { timeout: 30_000 }).toBe('ready');
  });

  it("draws the catalogue's price chart with axes and labels", async () => {
    const list = (await getText(`${demo.urls.catalogue}categories/lamps/`)).body;
    const product = /href="(\/catalogue\/products\/[a-z0-9-]+\/)"/.exec(list)?.[1];
    expect(product).toBeDefined();
    const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
    await page.goto(new URL(product!, demo.urls.frontDoor).href);
    const chart = page.locator('svg[aria-label^="90-day price forecast"]');
    const xTicks = await chart.locator('.x-axis text').allTextContents();
    expect(xTicks[0]).toBe('today');
    expect(xTicks.at(-1)).toBe('+90 d');
    const yTicks = await chart.locator('.y-axis text').allTextContents();
    expect(yTicks.length).toBeGreaterThanOrEqual(3);
    for (const tick of yTicks) expect(tick).toMatch(/^€\d+(\.\d\d)?$/);
    expect(await chart.locator('.x-label').textContent()).toBe('days from today');
    expect(await chart.locator('.y-label').textContent()).toBe('price');
    // The axis labels are inside the drawing, not cut off at its edges.
    const box = (await chart.boundingBox())!;
    for (const text of await chart.locator('text').all()) {
      const t = (await text.boundingBox())!;
      expect(t.x).toBeGreaterThanOrEqual(box.x - 0.5);
      expect(t.x + t.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
    }
    await page.close();
  });
});
