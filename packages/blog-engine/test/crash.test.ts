import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { build, generateSite } from '@drove/blog-engine';
import { post, spawnCli, tempDir, tree, writeSite } from './helpers.js';

function blog(): string {
  const files: Record<string, string> = {
    'site.config.json': JSON.stringify({ title: 'Crash', baseUrl: 'https://example.com/', languages: ['en', 'de'], paginate: { home: 4, tag: 3, archive: 5 }, feeds: { limit: 5 } }),
  };
  for (let i = 1; i <= 40; i++) {
    const date = `20${20 + (i % 3)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`;
    files[`posts/p${i}.md`] = post({ title: `Post ${i}`, date, tags: `[t${i % 5}, t${i % 7}]`, categories: `c${i % 3}` }, `First of ${i}.\n\nMore of ${i}.\n`);
    if (i % 8 === 0) files[`posts/p${i}.de.md`] = post({ title: `Beitrag ${i}`, date }, `Erster ${i}.\n`);
  }
  return writeSite(files);
}

/** Edits that make the next build write, rename and remove many files. */
function mutate(site: string): void {
  for (const i of [3, 9, 14, 22, 31]) {
    const file = join(site, `posts/p${i}.md`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(`First of ${i}.`, `First of ${i}, edited.`).replace(`title: Post ${i}`, `title: Post ${i} edited`));
  }
  rmSync(join(site, 'posts/p8.md'));
  rmSync(join(site, 'posts/p8.de.md'));
  rmSync(join(site, 'posts/p17.md'));
  for (const i of [41, 42, 43]) writeFileSync(join(site, `posts/p${i}.md`), post({ title: `Post ${i}`, date: '2023-01-0' + (i - 40), tags: `[fresh${i}]` }));
}

async function cleanTree(site: string): Promise<Map<string, string>> {
  const dir = tempDir();
  await build({ site, out: join(dir, 'out'), database: `file:${join(dir, 'clean.db')}`, workers: 2 });
  return tree(join(dir, 'out'));
}

describe('a build killed at any moment, then run again, gives exactly the output of a clean build', () => {
  it.each([
    ['after-render', false],
    ['after-pending', false],
    ['commit-chunk:1', false],
    ['commit-chunk:3', true],
    ['after-commit-chunk:2', false],
    ['after-commit-chunk:1', true],
    ['after-remove', false],
  ])('SIGKILL at %s (inputs reverted before the rerun: %s)', async (point, revert) => {
    const site = blog();
    const backup = tempDir();
    cpSync(join(site, 'posts'), join(backup, 'posts'), { recursive: true });
    await build({ site, workers: 2 });
    mutate(site);

    const { ended } = spawnCli(['build', site, '--workers', '2'], { DROVE_BLOG_CRASH_AT: point });
    expect(await ended).toEqual({ code: null, signal: 'SIGKILL' });

    if (revert) {
      rmSync(join(site, 'posts'), { recursive: true });
      cpSync(join(backup, 'posts'), join(site, 'posts'), { recursive: true });
    }
    const { child, ended: finished } = spawnCli(['build', site, '--workers', '2']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await finished, stderr).toEqual({ code: 0, signal: null });
    expect(existsSync(join(site, '_site', '.drove-tmp'))).toBe(false);
    expect(tree(join(site, '_site'))).toEqual(await cleanTree(site));
  });

  it('removes the staging folder of a build killed after its last commit, though the next has nothing to render', async () => {
    const site = blog();
    await build({ site, workers: 2 });
    writeFileSync(join(site, 'posts/p5.md'), readFileSync(join(site, 'posts/p5.md'), 'utf8').replace('More of 5.', 'More of 5, edited.'));
    // One page changes (its body is below the excerpt): one chunk, nothing removed, then SIGKILL before the staging folder goes.
    const { ended } = spawnCli(['build', site, '--workers', '2'], { DROVE_BLOG_CRASH_AT: 'after-commit-chunk:1' });
    expect(await ended).toEqual({ code: null, signal: 'SIGKILL' });
    expect(existsSync(join(site, '_site', '.drove-tmp'))).toBe(true);
    expect((await spawnCli(['build', site]).ended).code).toBe(0);
    expect(existsSync(join(site, '_site', '.drove-tmp'))).toBe(false);
    expect(tree(join(site, '_site'))).toEqual(await cleanTree(site));
  });

  it.each([1, 20])('rebuilds every file after a --clean build SIGKILLed at its removal %i', async (nth) => {
    const site = blog();
    await build({ site, workers: 2 });
    const { ended } = spawnCli(['build', site, '--clean'], { DROVE_BLOG_CRASH_AT: `remove-file:${nth}` });
    expect(await ended).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await spawnCli(['build', site]).ended).code).toBe(0);
    expect(tree(join(site, '_site'))).toEqual(await cleanTree(site));
  });

  it('survives SIGKILLs at arbitrary moments of a larger build', async () => {
    const site = tempDir();
    await generateSite({ out: site, posts: 200, seed: 5 });
    await build({ site, workers: 2 });
    // Delays are where the kills land, not expectations; each of them may fall before or after any phase.
    for (const [round, delayMs] of [60, 200, 400, 650, 900].entries()) {
      await generateSite({ out: site, posts: 200 - round * 9, seed: 5 + round });
      const { child, ended } = spawnCli(['build', site, '--workers', '2']);
      await sleep(delayMs);
      child.kill('SIGKILL');
      await ended;
    }
    const { ended } = spawnCli(['build', site, '--workers', '2']);
    expect(await ended).toEqual({ code: 0, signal: null });
    expect(tree(join(site, '_site'))).toEqual(await cleanTree(site));
  });
});
