import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { build, BuildError } from '@drove/blog-engine';
import { parseFrontMatter } from '../src/internal/front-matter.js';
import { read, tempDir, writeSite } from './helpers.js';

/** The codes, files and lines of a failed build's problems. */
async function problemsOf(site: string): Promise<[string, string | undefined, number | undefined, string][]> {
  const error = await build({ site, out: join(tempDir(), 'out'), workers: 1 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildError);
  return (error as BuildError).problems.map((p) => [p.code, p.file, p.line, p.reason]);
}

describe('TOML and JSON front matter (Hugo)', () => {
  it('reads TOML between +++ lines: dates, arrays, tables, and the line of each key', () => {
    const text = '+++\ntitle = "Hugo & TOML"\ndate = 2023-04-05T06:07:08Z\ntags = ["go", "static sites"]\ndraft = false\n\n[params]\ncolor = "red"\n+++\nThe **body**.\n';
    const fm = parseFrontMatter(text, 'posts/a.md');
    expect(fm.data).toEqual({ title: 'Hugo & TOML', date: '2023-04-05T06:07:08.000Z', tags: ['go', 'static sites'], draft: false, params: { color: 'red' } });
    expect(fm.keyLines).toEqual({ title: 2, date: 3, tags: 4, draft: 5 });
    expect(text.slice(fm.bodyOffset)).toBe('The **body**.\n');
    expect(fm.bodyLine).toBe(10);
  });

  it('keeps TOML local dates and times as the strings they are', () => {
    const fm = parseFrontMatter('+++\ndate = 2023-04-05\nlastmod = 2023-04-06T10:00:00\n+++\n', 'posts/a.md');
    expect(fm.data).toEqual({ date: '2023-04-05', lastmod: '2023-04-06T10:00:00.000' });
  });

  it('reads a JSON object at the start of the file, braces inside strings included', () => {
    const text = '{\n  "title": "Braces {in} \\"quotes\\"",\n  "date": "2022-01-02",\n  "aliases": ["/old/"]\n}\n\nBody.\n';
    const fm = parseFrontMatter(text, 'posts/j.md');
    expect(fm.data).toEqual({ title: 'Braces {in} "quotes"', date: '2022-01-02', aliases: ['/old/'] });
    expect(fm.keyLines).toEqual({ title: 2, date: 3, aliases: 4 });
    expect(text.slice(fm.bodyOffset)).toBe('\nBody.\n');
  });

  it('does not take a body that opens with a Liquid tag or a macro for JSON', () => {
    for (const text of ['{% include note.liquid %}\nText\n', '{{< node "1" >}}\n']) {
      expect(parseFrontMatter(text, 'pages/p.md')).toEqual({ data: {}, keyLines: {}, bodyLine: 1, bodyOffset: 0 });
    }
  });

  it('refuses broken TOML and JSON with the file and line of the mistake', () => {
    const cases: [string, number, RegExp][] = [
      // An array never closed is found where the front matter ends.
      ['+++\ntitle = "a"\ntags = [\n+++\n', 4, /invalid TOML: unfinished array/],
      ['+++\ntitle = "a"\ntitle = "b"\n+++\n', 3, /invalid TOML: trying to redefine/],
      ['+++\ntitle = "never closed"\n', 1, /never closed/],
      ['{\n  "title": "a"\n  "date": "2020-01-01"\n}\n', 3, /invalid JSON/],
      ['{ "title": "open"\n', 1, /never closed/],
    ];
    for (const [text, line, reason] of cases) {
      let caught: unknown;
      try {
        parseFrontMatter(text, 'posts/bad.md');
      } catch (error) {
        caught = error;
      }
      expect({ text, code: (caught as { code?: string })?.code, line: (caught as { line?: number })?.line }).toEqual({ text, code: 'ERR_BLOG_FRONT_MATTER', line });
      expect((caught as Error).message).toMatch(reason);
    }
    // Empty TOML front matter is an empty table, as in Hugo.
    expect(parseFrontMatter('+++\n+++\nx\n', 'p.md').data).toEqual({});
  });

  it('builds a site whose posts mix YAML, TOML and JSON front matter', async () => {
    const site = writeSite({
      'posts/yaml.md': '---\ntitle: From YAML\ndate: 2020-01-01\n---\nYAML *body*.\n',
      'posts/toml.md': '+++\ntitle = "From TOML"\ndate = 2020-02-01T10:00:00Z\ntags = ["hugo"]\n+++\nTOML *body*.\n',
      'posts/json.md': '{\n  "title": "From JSON",\n  "date": "2020-03-01",\n  "categories": ["moved"]\n}\nJSON *body*.\n',
    });
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 1 });
    expect(result.posts).toBe(3);
    expect(read(out, '2020/02/toml/index.html')).toContain('TOML <em>body</em>');
    expect(read(out, '2020/03/json/index.html')).toContain('JSON <em>body</em>');
    expect(read(out, 'tags/hugo/index.html')).toContain('From TOML');
    expect(read(out, 'categories/moved/index.html')).toContain('From JSON');
  });

  it("reports a TOML post's bad values at their lines, as YAML posts are", async () => {
    const site = writeSite({ 'posts/t.md': '+++\ndate = 2020-02-01\ntitle = 3.5e9\ntags = [{ a = 1 }]\n+++\nx\n', 'posts/u.md': '+++\ntitle = "x"\ndate = "not a date"\n+++\nx\n' });
    const problems = await problemsOf(site);
    expect(problems.map(([code, file, line]) => [code, file, line])).toEqual([
      ['ERR_BLOG_FRONT_MATTER', 'posts/t.md', 4],
      ['ERR_BLOG_FRONT_MATTER', 'posts/u.md', 3],
    ]);
  });

  it('titles a post or page without one from its file name, as Jekyll does', async () => {
    const site = writeSite({ 'posts/2021-01-05-moving-in_day.md': '---\ndate: 2021-01-05\n---\nx\n', 'pages/about-us.md': '---\nlayout: page\n---\nWho.\n' });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    expect(read(out, '2021/01/moving-in-day/index.html')).toContain('Moving In Day');
    expect(read(out, 'about-us/index.html')).toContain('About Us');
  });
});

describe('Jekyll and Hugo front-matter names', () => {
  it('reads `category:` like `categories:`, and `lastmod` / `last_modified_at` like `updated`', async () => {
    const site = writeSite({
      'posts/2021-05-01-one.md': '---\ntitle: One\ncategory: release notes\nlast_modified_at: 2021-06-01\n---\nx\n',
      'posts/2021-05-02-two.md': '+++\ntitle = "Two"\ncategory = "release notes"\nlastmod = 2021-07-01\n+++\ny\n',
    });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    const list = read(out, 'categories/release-notes/index.html');
    expect(list).toContain('One');
    expect(list).toContain('Two');
    const sitemap = read(out, 'sitemap.xml');
    expect(sitemap).toContain('<lastmod>2021-06-01');
    expect(sitemap).toContain('<lastmod>2021-07-01');
  });
});

describe('an engine that reads files differently', () => {
  // Two ways a row is not this engine's: an engine from before rows had a head (read again at once), and facts of
  // no version under a head this engine vouches for (a no-change check trusts the head; the build then reads the file).
  it.each([
    ['no head', "UPDATE inputs SET parsed = ?, head = NULL WHERE path = 'posts/toml.md'"],
    ['facts of no version', "UPDATE inputs SET parsed = ?, facts = json_remove(facts, '$.version') WHERE path = 'posts/toml.md'"],
  ])('reads a file again instead of trusting what an older engine kept of it (%s)', async (_case, update) => {
    const site = writeSite({
      'posts/toml.md': '+++\ntitle = "From TOML"\ndate = 2020-02-01\n+++\nBody.\n',
      'posts/other.md': '---\ntitle: Other\ndate: 2020-01-01\n---\nx\n',
    });
    const out = join(tempDir(), 'out');
    const database = `file:${join(tempDir(), 'build.db')}`;
    // Long enough after the files were written that the build's reads count as settled: the next build trusts their stat data.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await build({ site, out, workers: 1, database });
    // What an engine without TOML front matter kept: no front matter at all, and facts of no version.
    const stale = JSON.stringify({ data: {}, keyLines: {}, bodyLine: 1, bodyOffset: 0 });
    await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      `import { createClient } from '@libsql/client';
       const client = createClient({ url: process.argv[1] });
       await client.execute({ sql: process.argv[3], args: [process.argv[2]] });
       client.close();`,
      database,
      stale,
      update,
    ], { cwd: fileURLToPath(new URL('.', import.meta.url)) });
    writeSite({ 'posts/other.md': '---\ntitle: Other, edited\ndate: 2020-01-01\n---\nx\n' }, site);
    await build({ site, out, workers: 1, database, clean: true });
    const page = read(out, '2020/02/toml/index.html');
    expect(page).toContain('From TOML</h1>');
    expect(page).not.toContain('+++');
  });
});
