import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, BuildError } from '@drove/blog-engine';
import { parseDataFile } from '../src/internal/data-files.js';
import { post, read, tempDir, writeSite } from './helpers.js';

const dump = '---\nlayout: page\n---\n';

describe('data files', () => {
  it('reads CSV as RFC 4180 writes it: quoted commas, doubled quotes, line breaks in fields, CRLF, a BOM', () => {
    // The examples of RFC 4180 section 2, items 5 to 7, with a header row as Jekyll expects.
    const csv = '\uFEFFname,field_2,field_3\r\n"aaa","b\r\nbb","ccc"\r\nzzz,yyy,xxx\r\n"aaa","b""bb","ccc"\r\n"a,b",,\r\n';
    expect(parseDataFile(csv, 'data/rfc.csv')).toEqual([
      { name: 'aaa', field_2: 'b\r\nbb', field_3: 'ccc' },
      { name: 'zzz', field_2: 'yyy', field_3: 'xxx' },
      { name: 'aaa', field_2: 'b"bb', field_3: 'ccc' },
      { name: 'a,b', field_2: '', field_3: '' },
    ]);
    expect(parseDataFile('a\tb\n1\t"2\t3"\n', 'data/t.tsv')).toEqual([{ a: '1', b: '2\t3' }]);
  });

  it('refuses broken data files with their file and line', () => {
    const cases: [string, string, number][] = [
      ['data/a.csv', 'a,b\n1,2\n3,4,5\n', 3],
      ['data/b.csv', 'a,b\n"unclosed,2\n', 2],
      ['data/c.yml', 'a: 1\nb: [1, 2\nc: 3\n', 3],
      ['data/d.toml', 'a = 1\nb = \n', 2],
      ['data/e.json', '{\n  "a": "x"\n  "b": 2\n}\n', 3],
    ];
    for (const [file, text, line] of cases) {
      let caught: unknown;
      try {
        parseDataFile(text, file);
      } catch (error) {
        caught = error;
      }
      expect({ file, code: (caught as { code?: string }).code, line: (caught as { line?: number }).line }).toEqual({ file, code: 'ERR_BLOG_DATA', line });
    }
  });

  it('gives templates nested folders of YAML, TOML, JSON and CSV as site.data.<folder>.<name>', async () => {
    const site = writeSite({
      'posts/2020-01-01-a.md': post({ title: 'A' }),
      'data/authors/jane.yml': 'name: Jane Doe\nlinks:\n  - https://example.com/jane\n',
      'data/authors/max.toml': 'name = "Max Muster"\nsince = 2019-05-01\n',
      'data/menu.json': '{"items": ["home", "about"]}',
      'data/team/roles.csv': 'role,who\nedit,jane\n"write, review",max\n',
      'data/notes.txt': 'not data',
      'layouts/page.liquid': '{{ site.data.authors.jane.name }}|{{ site.data.authors.jane.links[0] }}|{{ site.data.authors.max.name }}|{{ site.data.authors.max.since }}|{{ site.data.menu.items | join: "," }}|{% for r in site.data.team.roles %}{{ r.role }}={{ r.who }};{% endfor %}',
      'pages/dump.md': dump,
    });
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 1 });
    expect(read(out, 'dump/index.html')).toBe('Jane Doe|https://example.com/jane|Max Muster|2019-05-01|home,about|edit=jane;write, review=max;');
    expect(result.skippedFiles).toEqual([{ file: 'data/notes.txt', reason: expect.stringContaining('not a data file') }]);
  });

  it('refuses two files for one name, and a file beside a folder of its name, naming both', async () => {
    const site = writeSite({
      'posts/2020-01-01-a.md': post({ title: 'A' }),
      'data/menu.json': '{}',
      'data/menu.yml': 'a: 1\n',
      'data/authors.yml': 'x: 1\n',
      'data/authors/jane.yml': 'name: Jane\n',
      'data/__proto__.json': '{"polluted": true}',
    });
    const error = await build({ site, out: join(tempDir(), 'out'), workers: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    const problems = (error as BuildError).problems.map((p) => [p.code, p.file, p.reason]);
    expect(problems).toEqual([
      ['ERR_BLOG_DATA', 'data/__proto__.json', expect.stringContaining('__proto__')],
      ['ERR_BLOG_DATA', 'data/authors/jane.yml', 'site.data.authors.jane is given twice: by data/authors/jane.yml and by data/authors.yml (rename one)'],
      ['ERR_BLOG_DATA', 'data/menu.yml', 'site.data.menu is given twice: by data/menu.yml and by data/menu.json (rename one)'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('re-renders the pages when a nested data file changes, and nothing when none does', async () => {
    const site = writeSite({
      'posts/2020-01-01-a.md': post({ title: 'A' }),
      'data/people/jane.yml': 'name: Jane\n',
      'layouts/page.liquid': '{{ site.data.people.jane.name }}',
      'pages/dump.md': dump,
    });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    expect((await build({ site, out, workers: 1 })).written).toBe(0);
    writeSite({ 'data/people/jane.yml': 'name: Janet\n' }, site);
    const again = await build({ site, out, workers: 1 });
    expect(again.written).toBeGreaterThan(0);
    expect(read(out, 'dump/index.html')).toBe('Janet');
  });
});
