import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { post, read, runCli, spawnCli, tempDir, tree, writeSite } from './helpers.js';

describe('drove-blog build', () => {
  it('builds a site, prints a summary per section with phases and peak memory, and rebuilds writing nothing', async () => {
    const site = writeSite({ 'posts/a.md': post({ title: 'A', date: '2021-01-01', tags: 'x' }), 'posts/b.md': post({ title: 'B', date: '2021-02-01' }) });
    const first = await runCli(['build', site, '--workers', '2']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/built .*_site in [\d.]+ s \(2 workers\)/);
    expect(first.stdout).toMatch(/single\s+2\s+0\s+0\s+2/);
    expect(first.stdout).toMatch(/phases: config \d+ ms · load \d+ ms · macros \d+ ms · index \d+ ms · plan \d+ ms · render \d+ ms · commit \d+ ms/);
    expect(first.stdout).toMatch(/peak RSS \d+ MiB/);
    const second = await runCli(['build', site, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ written: 0, removed: 0 });
    const out = tempDir();
    const inline = await runCli(['build', site, '--inline', '--out', join(out, 'x'), '--clean']);
    expect(inline.stdout).toContain('(inline)');
    expect(tree(join(out, 'x'))).toEqual(tree(join(site, '_site')));
  });

  it('exits 1 listing every problem with file and line, and 2 on bad usage', async () => {
    const site = writeSite({ 'posts/a.md': post({ title: 'A', date: 'soon' }), 'posts/b.md': post({ title: 'B', date: '2021-01-01', layout: 'nope' }) });
    const failed = await runCli(['build', site]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('posts/a.md:3: ERR_BLOG_FRONT_MATTER `date` is not a valid date: "soon"');
    expect(failed.stderr).toContain('posts/b.md:4: ERR_BLOG_UNKNOWN_LAYOUT unknown layout `nope`');
    expect(failed.stderr).toContain('build failed: 2 problems');
    expect((await runCli(['build', site, '--workers', 'many'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['build', site, '--nope'])).code).toBe(2);
  });
});

describe('drove-blog new and generate', () => {
  it('creates a post that the next build publishes, and refuses to overwrite it', async () => {
    const site = writeSite({});
    const created = await runCli(['new', 'Hello, Wörld!', '--site', site, '--tags', 'a,b']);
    expect(created.code).toBe(0);
    const year = String(new Date().getUTCFullYear());
    expect(readdirSync(join(site, 'posts', year))).toEqual(['hello-world.md']);
    expect(readFileSync(join(site, 'posts', year, 'hello-world.md'), 'utf8')).toMatch(/^---\ntitle: "Hello, Wörld!"\ndate: \d{4}-\d{2}-\d{2} \d{2}:\d{2}\ntags: \["a", "b"\]\n---\n/);
    expect((await runCli(['new', 'Hello, Wörld!', '--site', site])).code).toBe(1);
    expect((await runCli(['build', site])).code).toBe(0);
    expect(read(join(site, '_site'), 'index.html')).toContain('Hello, Wörld!');
  });

  it('generates the same corpus for the same seed', async () => {
    const a = tempDir();
    const b = tempDir();
    const first = await runCli(['generate', '--posts', '40', '--seed', '9', '--out', a]);
    expect(first.stdout).toMatch(/generated 40 posts \(\d+ translations, \d+ drafts\)/);
    await runCli(['generate', '--posts', '40', '--seed', '9', '--out', b]);
    expect(tree(a)).toEqual(tree(b));
    const langs = new Set([...tree(a).keys()].map((p) => /\.(de|fr)\.md$/.exec(p)?.[1] ?? 'en'));
    expect(langs.has('en')).toBe(true);
  });
});

describe('drove-blog serve', () => {
  it('serves on 127.0.0.1, rebuilds when a post changes and tells the page to reload', async () => {
    const site = writeSite({ 'posts/a.md': post({ title: 'Served', date: '2021-01-01' }, 'Before the edit.\n') });
    const { child, ended } = spawnCli(['serve', site, '--port', '0', '--workers', '1']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
          if (match) resolve(match[1]!);
        });
        void ended.then(() => reject(new Error(`serve ended early: ${text}`)));
      });
      const page = await fetch(`${url}2021/01/a/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Before the edit.');
      expect(html).toContain("new EventSource(\"/__drove/events\")");
      expect((await fetch(`${url}nope/`)).status).toBe(404);
      expect((await fetch(`${url}..%2f..%2fetc/passwd`)).status).toBe(404);

      const events = await fetch(`${url}__drove/events`);
      const reader = events.body!.getReader();
      const reload = (async () => {
        let seen = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return seen;
          seen += Buffer.from(value).toString();
          if (seen.includes('event: reload')) return seen;
        }
      })();
      writeFileSync(join(site, 'posts/a.md'), post({ title: 'Served', date: '2021-01-01' }, 'After the edit.\n'));
      expect(await reload).toContain('event: reload');
      await reader.cancel();
      expect(await (await fetch(`${url}2021/01/a/`)).text()).toContain('After the edit.');
    } finally {
      child.kill('SIGTERM');
      await ended;
    }
  });
});
