import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '@drove/blog-engine';
import { mtimes, post, read, runCli, tempDir, tree, writeSite } from './helpers.js';

/** The output file whose text holds `needle` (the first in path order), or undefined. */
function fileWith(out: string, needle: string): string | undefined {
  return [...tree(out).keys()].find((path) => path.endsWith('index.html') && read(out, path).includes(needle));
}

function contentSite(): string {
  return writeSite({
    'posts/2021-01-01-plain.md': post({ title: 'Plain md' }, 'Body of **md**.\n'),
    'posts/2021-02-01-long.markdown': post({ title: 'Long markdown', tags: 'moved' }, 'Body of **markdown**.\n'),
    'posts/2021-03-01-mdown.mdown': post({ title: 'Mdown post' }, 'Body of **mdown**.\n'),
    'posts/2021-04-01-mkd.mkd': post({ title: 'Mkd post' }, 'Body of **mkd**.\n'),
    'posts/2021-04-01-mkd.de.markdown': post({ title: 'Mkd Beitrag' }, 'Auf **Deutsch**.\n'),
    'posts/photo.jpg': 'not really a jpeg',
    'pages/contact.html': post({ title: 'Contact' }, '<p class="raw">Write to *us*.</p>\n<div>Plain HTML</div>\n'),
    'pages/fragment.html': '<p>No front matter here.</p>\n',
    'pages/notes.txt': 'a note\n',
    'pages/.hidden.md': post({ title: 'Hidden' }),
    'site.config.json': JSON.stringify({ title: 'Content', baseUrl: 'https://example.com/', languages: ['en', 'de'] }),
  });
}

describe('content files', () => {
  it('builds every Markdown extension and .html pages with front matter, and reports every other file', async () => {
    const site = contentSite();
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 2 });
    expect(result.posts).toBe(6);
    for (const [title, html] of [['Plain md', '<strong>md</strong>'], ['Long markdown', '<strong>markdown</strong>'], ['Mdown post', '<strong>mdown</strong>'], ['Mkd post', '<strong>mkd</strong>'], ['Mkd Beitrag', '<strong>Deutsch</strong>']] as const) {
      const page = fileWith(out, html);
      expect({ title, page }).not.toEqual({ title, page: undefined });
      expect(read(out, page!)).toContain(title);
    }
    // The language suffix is read off a `.markdown` name as off a `.md` one.
    expect(fileWith(out, '<strong>Deutsch</strong>')).toMatch(/^de\//);
    // The HTML page goes through the page layout, its body as it is (no Markdown: the asterisks stay).
    const contact = read(out, 'contact/index.html');
    expect(contact).toContain('<p class="raw">Write to *us*.</p>\n<div>Plain HTML</div>');
    expect(contact).toContain('<title>');
    expect(contact).toContain('Contact');
    expect(result.filesSkipped).toBe(3);
    expect(result.skippedFiles.map((s) => s.file)).toEqual(['pages/fragment.html', 'pages/notes.txt', 'posts/photo.jpg']);
    expect(result.skippedFiles[0]!.reason).toContain('without front matter');
    expect(result.skippedFiles[2]!.reason).toContain('not a post: only .md, .markdown, .mdown, .mkd and .html');
    expect([...tree(out).keys()].some((p) => p.includes('photo') || p.includes('notes') || p.includes('fragment') || p.includes('hidden'))).toBe(false);
  });

  it('writes nothing on a no-change rebuild and still reports the skipped files; output is the same for 1 and 3 workers', async () => {
    const site = contentSite();
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    const before = mtimes(out);
    const again = await build({ site, out, workers: 3 });
    expect({ written: again.written, removed: again.removed, filesSkipped: again.filesSkipped }).toEqual({ written: 0, removed: 0, filesSkipped: 3 });
    expect(mtimes(out)).toEqual(before);
    const other = join(tempDir(), 'out');
    await build({ site, out: other, workers: 3, database: `file:${join(tempDir(), 'b.db')}` });
    expect(tree(other)).toEqual(tree(out));
  });

  it('builds an .html file once front matter is added to it, and renders an edited .markdown post again', async () => {
    const site = contentSite();
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 2 });
    writeFileSync(join(site, 'pages/fragment.html'), `${post({ title: 'Fragment' }, readFileSync(join(site, 'pages/fragment.html'), 'utf8'))}`);
    writeFileSync(join(site, 'posts/2021-02-01-long.markdown'), post({ title: 'Long markdown', tags: 'moved' }, 'Edited **markdown**.\n'));
    const result = await build({ site, out, workers: 2 });
    expect(result.filesSkipped).toBe(2);
    expect(read(out, 'fragment/index.html')).toContain('<p>No front matter here.</p>');
    expect(read(out, fileWith(out, '<strong>markdown</strong>')!)).toContain('Edited');
  });

  it('builds Jekyll-shaped posts named *.markdown as they are: quoted titles, zoned dates, an author key', async () => {
    // The shape of a Jekyll `_posts` file: date with an offset, a double-quoted title holding an apostrophe, keys the engine does not know.
    const posts: Record<string, string> = {
      '2017-10-19-diversity.markdown': '---\ntitle: "Diversity, and the project\'s role in it"\ndate: 2017-10-19 21:33:00 +0200\nauthor: oe\ncategories: [community]\n---\n\nA paragraph with a [link](http://example.org/).\n\n## A heading\n',
      '2018-11-04-release.markdown': "---\ntitle: 'Release 3.8.5'\ndate: 2018-11-04 12:00:00 -0500\nauthor: parkr\nversion: 3.8.5\ncategories: [release]\n---\n\nFixes:\n\n- one\n- two\n",
      '2014-06-04-stickers.markdown': '---\ntitle: Stickers for a dollar\ndate: 2014-06-04 10:00:00 -0700\n---\n\nText.\n',
    };
    const site = writeSite(Object.fromEntries(Object.entries(posts).map(([name, text]) => [`posts/${name}`, text])));
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 2 });
    expect({ posts: result.posts, filesSkipped: result.filesSkipped }).toEqual({ posts: 3, filesSkipped: 0 });
    expect(read(out, '2017/10/diversity/index.html')).toContain('Diversity, and the project&#39;s role in it</h1>');
    expect(read(out, '2018/11/release/index.html')).toContain('Release 3.8.5</h1>');
    // The date's offset is read: 2017-10-19 21:33 +0200 is 19:33 UTC, still the 19th.
    expect(read(out, 'feed.xml') + read(out, 'atom.xml')).toContain('2017-10-19T19:33:00');
  });

  it('the CLI warns about each skipped file on stderr and counts them in the summary', async () => {
    const site = contentSite();
    const result = await runCli(['build', site, '--out', join(tempDir(), 'out'), '--workers', '1']);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.stderr).toContain('drove-blog: warning: posts/photo.jpg skipped: not a post');
    expect(result.stderr).toContain('drove-blog: warning: pages/notes.txt skipped: not a page');
    expect(result.stderr).toContain('drove-blog: warning: pages/fragment.html skipped: an .html file without front matter');
    expect(result.stdout).toContain('6 posts and pages');
    expect(result.stdout).toContain('3 files skipped');
    const json = await runCli(['build', site, '--out', join(tempDir(), 'out'), '--json']);
    const parsed = JSON.parse(json.stdout) as { filesSkipped: number; skippedFiles: { file: string }[] };
    expect(parsed.filesSkipped).toBe(3);
    expect(parsed.skippedFiles.map((s) => s.file)).toContain('posts/photo.jpg');
  });
});
