import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildError, build } from '@drove/blog-engine';
import { post, read, writeSite } from './helpers.js';

const config = readFileSync(new URL('./fixtures/macros.config.mjs', import.meta.url), 'utf8');

describe('macros', () => {
  it('are expanded on the main thread before rendering, may hold unclonable state, and are cached by input hash', async () => {
    const site = writeSite({
      'site.config.mjs': config,
      'posts/a.md': post({ title: 'A', date: '2021-01-01' }, 'Say {{< shout "hello" world >}} and {{< where >}}.\n\n{{< link text="docs" href="https://example.com/docs" >}}\n\n```md\n{{< shout "not expanded" >}}\n```\n'),
      'posts/b.md': post({ title: 'B', date: '2021-01-02' }, 'Also {{< shout "hello" world >}}.\n'),
    });
    const first = await build({ site, workers: 2 });
    expect(first.macroCalls).toBe(4);
    const html = read(join(site, '_site'), '2021/01/a/index.html');
    expect(html).toContain('Say <strong>HELLO WORLD</strong> and main thread: true.');
    expect(html).toContain('<a href="https://example.com/docs">docs</a> from posts/a.md:7');
    expect(html).toContain('{{&lt; shout &quot;not expanded&quot; &gt;}}');

    const again = await build({ site, workers: 2 });
    expect(again).toMatchObject({ macroCalls: 0, written: 0 });

    const file = join(site, 'posts/b.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Also', 'Also {{< shout "new" >}} and'));
    const edited = await build({ site, workers: 2 });
    expect(edited.macroCalls).toBe(1);
    expect(read(join(site, '_site'), '2021/01/b/index.html')).toContain('Also <strong>NEW</strong> and <strong>HELLO WORLD</strong>.');
  });

  it('report unknown macros and macros that throw, with file and line', async () => {
    const site = writeSite({
      'site.config.mjs': config,
      'posts/a.md': post({ title: 'A', date: '2021-01-01' }, 'Fine.\n\n{{< nosuch 1 >}}\n\nThen {{< broken >}}\n'),
    });
    const error = (await build({ site, workers: 1 }).catch((e: unknown) => e)) as BuildError;
    expect(error).toBeInstanceOf(BuildError);
    expect(error.problems.map((p) => [p.code, p.file, p.line])).toEqual([
      ['ERR_BLOG_MACRO', 'posts/a.md', 7],
      ['ERR_BLOG_MACRO', 'posts/a.md', 9],
    ]);
    expect(error.problems[0]!.reason).toBe('unknown macro `nosuch` (known: shout, where, link, broken)');
    expect(error.problems[1]!.reason).toBe('macro `broken` failed: the kernel is gone');
  });
});
