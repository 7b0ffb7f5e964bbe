import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, generateSite, type LockHolder } from '@drove/blog-engine';
import { spawnCli, tempDir, tree, writeSite } from './helpers.js';

// Builds of one site run one at a time: each holds `<database>.lock` from before it reads the database to
// after its last write, and another build waits for it.

const sleepers: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const sleeper of sleepers.splice(0)) sleeper.kill('SIGKILL');
});

/** A live process that is not a build, and its start time as a lock names it (clock ticks since boot, base 36). */
function liveProcess(): { pid: number; started: string; kill: () => void } {
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  sleepers.push(sleeper);
  const stat = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  return { pid: sleeper.pid!, started: ticks.toString(36), kill: () => sleeper.kill('SIGKILL') };
}

function smallSite(): string {
  return writeSite({
    'site.config.json': JSON.stringify({ title: 'Locked', baseUrl: 'https://example.com/' }),
    'posts/2024-01-01-one.md': '---\ntitle: One\n---\nOne.\n',
    'posts/2024-01-02-two.md': '---\ntitle: Two\n---\nTwo.\n',
  });
}

/** The tree a build of `site` from nothing makes, in a folder of its own. */
async function cleanTree(site: string): Promise<Map<string, string>> {
  const dir = tempDir();
  await build({ site, out: join(dir, 'out'), database: `file:${join(dir, 'clean.db')}`, workers: 1 });
  return tree(join(dir, 'out'));
}

const lockFile = (site: string) => join(site, '.drove-cache', 'build.db.lock');

describe('one build of a site at a time', () => {
  it('a build waits while another process builds the same site, then finds its work done', async () => {
    const site = tempDir();
    await generateSite({ out: site, posts: 1000, seed: 3 });
    const first = spawnCli(['build', site, '--workers', '1']);
    const lock = lockFile(site);
    while (!existsSync(lock)) await new Promise((resolve) => setTimeout(resolve, 5));
    const waited: LockHolder[] = [];
    const second = await build({ site, workers: 1, onWait: (holder) => waited.push(holder) });
    expect(await first.ended).toEqual({ code: 0, signal: null });
    expect(waited).toEqual([{ pid: first.child.pid, since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }]);
    // The first build wrote everything; the second, run after it, found nothing to do.
    expect(second.written).toBe(0);
    expect(existsSync(lock)).toBe(false);
    expect(tree(join(site, '_site'))).toEqual(await cleanTree(site));
  });

  it('the CLI says whom it waits for', async () => {
    const site = smallSite();
    const holder = liveProcess();
    mkdirSync(join(site, '.drove-cache'), { recursive: true });
    writeFileSync(lockFile(site), `${holder.pid} ${holder.started} 2026-12-05T10:00:00.000Z token\n`);
    const waiting = spawnCli(['build', site]);
    let stderr = '';
    waiting.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    while (!stderr.includes('waiting')) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stderr).toContain(`drove-blog: waiting for another build of this site (pid ${holder.pid}, since 2026-12-05T10:00:00.000Z) to finish`);
    expect(existsSync(join(site, '_site'))).toBe(false);
    // The holder ends without removing its lock (as a SIGKILLed build would): the waiting build takes it over.
    holder.kill();
    expect(await waiting.ended).toEqual({ code: 0, signal: null });
    expect(tree(join(site, '_site'))).toEqual(await cleanTree(site));
  });

  it('two builds started at once in one process run one after the other', async () => {
    const site = smallSite();
    const waited: LockHolder[] = [];
    const results = await Promise.all([1, 2].map(() => build({ site, workers: 1, onWait: (holder) => waited.push(holder) })));
    expect(waited).toHaveLength(1);
    expect(waited[0]!.pid).toBe(process.pid);
    expect(results.map((result) => result.written).sort((a, b) => a - b)).toEqual([0, results[0]!.pages]);
    expect(tree(join(site, '_site'))).toEqual(await cleanTree(site));
  });

  it.each([
    ['a process that is gone', () => `999999 1 2026-12-05T10:00:00.000Z token\n`],
    ['a live pid the kernel gave to another process since', () => `${process.pid} 1 2026-12-05T10:00:00.000Z token\n`],
    ['a build that died while it wrote it (an empty file, a minute old)', () => ''],
  ])('a lock left by %s is taken over at once', async (_case, text) => {
    const site = smallSite();
    await build({ site, workers: 1 });
    writeFileSync(lockFile(site), text());
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lockFile(site), minuteAgo, minuteAgo);
    const waited: LockHolder[] = [];
    const again = await build({ site, workers: 1, onWait: (holder) => waited.push(holder) });
    expect(waited).toEqual([]);
    expect(again.written).toBe(0);
    expect(existsSync(lockFile(site))).toBe(false);
  });

  it('a lock being written (created, not yet whole, as where there are no hard links) is waited for, not taken over', async () => {
    const site = smallSite();
    await build({ site, workers: 1 });
    writeFileSync(lockFile(site), '');
    const waited: LockHolder[] = [];
    let done = false;
    const again = build({ site, workers: 1, onWait: (holder) => waited.push(holder) }).finally(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(done).toBe(false);
    expect(readFileSync(lockFile(site), 'utf8')).toBe('');
    // Its writer gives up and removes it: the waiting build goes on.
    rmSync(lockFile(site));
    expect((await again).written).toBe(0);
    expect(waited).toEqual([]);
    expect(existsSync(lockFile(site))).toBe(false);
  });

  it('an aborted build stops waiting with ERR_BLOG_ABORTED and leaves the holder its lock', async () => {
    const site = smallSite();
    const holder = liveProcess();
    await build({ site, workers: 1 });
    const text = `${holder.pid} ${holder.started} 2026-12-05T10:00:00.000Z token\n`;
    writeFileSync(lockFile(site), text);
    const controller = new AbortController();
    const waiting = build({ site, workers: 1, signal: controller.signal, onWait: () => controller.abort() });
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_BLOG_ABORTED' });
    expect(readFileSync(lockFile(site), 'utf8')).toBe(text);
  });
});
