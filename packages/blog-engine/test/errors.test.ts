import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlogEngineError, BuildError, build, generateSite, resolveSiteConfig } from '@drove/blog-engine';
import { post, tempDir, tree, writeSite } from './helpers.js';

async function failure(site: string, options: Parameters<typeof build>[0] = {}): Promise<BuildError> {
  const error = await build({ site, workers: 1, ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildError);
  return error as BuildError;
}

function problems(error: BuildError): [string, string | undefined, number | undefined][] {
  return error.problems.map((p) => [p.code, p.file, p.line]);
}

const ok = post({ title: 'Fine', date: '2021-01-01' });

describe('problems are reported with file, line and reason, all together, and nothing is written', () => {
  it('collects front matter, layout, template, permalink and path problems of a whole site at once', async () => {
    const site = writeSite({
      'posts/fine.md': ok,
      'posts/yaml.md': '---\ntitle: Ok\ndate: 2021-01-01\ntags: [a, b\n---\nBody\n',
      'posts/unclosed.md': '---\ntitle: Never closed\n',
      'posts/fields.md': '---\ntitle: [x]\ndate: 2021-13-45\ntags: {a: 1}\n---\n',
      'posts/layout.md': post({ title: 'L', date: '2021-01-02', layout: 'fancy' }),
      'posts/a.md': post({ title: 'A', date: '2021-01-03', permalink: '/same/' }),
      'posts/b.md': post({ title: 'B', date: '2021-01-04', permalink: '/same/' }),
      'posts/slug.md': post({ title: 'S', date: '2021-01-05', slug: '../../evil' }),
      'posts/escape.md': post({ title: 'E', date: '2021-01-06', permalink: '/x/../../../etc/' }),
      'layouts/broken.liquid': 'line 1\n{% if x %}\n{{ oops | nosuchfilter }}\n',
    });
    const error = await failure(site);
    expect(error).toMatchObject({ code: 'ERR_BLOG_BUILD_FAILED', name: 'BuildError' });
    expect(problems(error)).toEqual([
      ['ERR_BLOG_TEMPLATE', 'layouts/broken.liquid', 3],
      ['ERR_BLOG_DUPLICATE_PERMALINK', 'posts/a.md', 4],
      ['ERR_BLOG_PATH_ESCAPES', 'posts/escape.md', 4],
      ['ERR_BLOG_FRONT_MATTER', 'posts/fields.md', 2],
      ['ERR_BLOG_FRONT_MATTER', 'posts/fields.md', 3],
      ['ERR_BLOG_FRONT_MATTER', 'posts/fields.md', 4],
      ['ERR_BLOG_UNKNOWN_LAYOUT', 'posts/layout.md', 4],
      ['ERR_BLOG_PATH_ESCAPES', 'posts/slug.md', 4],
      ['ERR_BLOG_FRONT_MATTER', 'posts/unclosed.md', 1],
      ['ERR_BLOG_FRONT_MATTER', 'posts/yaml.md', 5],
    ]);
    const byFile = (file: string) => error.problems.filter((p) => p.file === file).map((p) => p.reason).join(' | ');
    expect(byFile('posts/fields.md')).toMatch(/`title` must be a string, got \["x"\].*`date` is not a valid date: "2021-13-45".*`tags` must be a string or a list/);
    expect(byFile('posts/layout.md')).toContain('unknown layout `fancy`');
    expect(byFile('posts/a.md')).toContain('permalink /same/ of posts/a.md is already the permalink of posts/b.md');
    expect(byFile('layouts/broken.liquid')).toContain('undefined filter: nosuchfilter');
    expect(byFile('posts/yaml.md')).toContain('invalid YAML');
    expect(error.message).toContain('posts/layout.md:4: unknown layout `fancy`');
    expect(existsSync(join(site, '_site'))).toBe(false);
  });

  it('reports a Liquid render error at the template line, naming the page, and leaves the last good output as it was', async () => {
    const site = writeSite({ 'posts/fine.md': ok });
    await build({ site, workers: 2 });
    const before = tree(join(site, '_site'));
    writeSite({ 'posts/e.md': post({ title: 'E', date: '2021-01-02', layout: 'inc' }), 'layouts/inc.liquid': '<p>\n{% include "missing" %}\n' }, site);
    const error = await failure(site, { workers: 2 });
    expect(problems(error)).toEqual([['ERR_BLOG_TEMPLATE', 'layouts/inc.liquid', 2]]);
    expect(error.problems[0]!.reason).toMatch(/missing.*\(rendering posts\/e\.md\)/);
    expect(tree(join(site, '_site'))).toEqual(before);
  });

  it('stops hostile templates with liquidjs resource limits instead of hanging', async () => {
    const site = writeSite({
      'site.config.json': JSON.stringify({ title: 'T', baseUrl: 'https://example.com/', limits: { renderLimit: 300, parseLimit: 5000, memoryLimit: 10_000_000 } }),
      'posts/memory.md': post({ title: 'M', date: '2021-01-01', layout: 'memory' }),
      'posts/time.md': post({ title: 'T', date: '2021-01-02', layout: 'time' }),
      'layouts/memory.liquid': '{% for i in (1..100000000) %}x{% endfor %}',
      'layouts/time.liquid': '{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}',
      'layouts/huge.liquid': `{{ x }}${'y'.repeat(6000)}`,
    });
    const error = await failure(site);
    expect(problems(error)).toEqual([
      ['ERR_BLOG_TEMPLATE', 'layouts/huge.liquid', undefined],
    ]);
    expect(error.problems[0]!.reason).toContain('parse length limit exceeded');
    writeSite({ 'layouts/huge.liquid': 'small' }, site);
    const limits = await failure(site);
    const reasons = limits.problems.map((p) => `${p.file}: ${p.reason}`).sort();
    expect(reasons[0]).toMatch(/^layouts\/memory\.liquid: memory alloc limit exceeded/);
    expect(reasons[1]).toMatch(/^layouts\/time\.liquid: template render limit exceeded/);
  }, 60_000);

  it('reports configuration problems together, with the config file', async () => {
    const site = writeSite({
      'site.config.json': JSON.stringify({ title: '', baseUrl: 'ftp://x', languages: ['EN!'], paginate: { home: 0 }, permalinks: { post: 'no-slash', tag: '/t/:tag.html' }, colour: 'blue' }),
      'posts/fine.md': ok,
    });
    const error = await failure(site);
    expect(error.problems.every((p) => p.code === 'ERR_BLOG_CONFIG' && p.file === 'site.config.json')).toBe(true);
    const reasons = error.problems.map((p) => p.reason).join('\n');
    expect(reasons).toContain('unknown key `colour`');
    expect(reasons).toContain('`title` must be a non-empty string');
    expect(reasons).toContain('`baseUrl` must be an absolute http(s) URL');
    expect(reasons).toContain('invalid language code "EN!"');
    expect(reasons).toContain('`paginate.home` must be an integer >= 1, got 0');
    expect(reasons).toContain('`permalinks.post` must start with "/"');
    expect(reasons).toContain('`permalinks.tag` must end with "/"');
    expect(() => resolveSiteConfig({ title: 'x' })).toThrow(/`baseUrl` must be a non-empty string/);
  });

  it('reports a data file that is not JSON, and a missing configuration', async () => {
    const site = writeSite({ 'posts/fine.md': ok, 'data/menu.json': '{ "a": 1, }' });
    expect(problems(await failure(site))).toEqual([['ERR_BLOG_DATA', 'data/menu.json', 1]]);
    const bare = tempDir();
    const error = await failure(bare);
    expect(error.problems[0]).toMatchObject({ code: 'ERR_BLOG_CONFIG' });
  });

  it('refuses invalid options eagerly, with messages naming the option', async () => {
    await expect(build({ workers: 0 })).rejects.toMatchObject({ code: 'ERR_BLOG_INVALID_OPTION', message: "Expected `workers` to be an integer >= 1 or 'auto', got `0` (number)" });
    await expect(build({ kind: 'process' as never })).rejects.toMatchObject({ code: 'ERR_BLOG_INVALID_OPTION' });
    await expect(build({ site: '/no/such/folder' })).rejects.toMatchObject({ code: 'ERR_BLOG_INVALID_OPTION' });
    await expect(build({ colour: 'blue' } as never)).rejects.toThrow('Unknown option `colour`');
  });

  it('stops with ERR_BLOG_ABORTED when its signal aborts, before or during rendering, writing nothing', async () => {
    const site = tempDir();
    await generateSite({ out: site, posts: 60, seed: 2 });
    const before = new AbortController();
    before.abort(new Error('not now'));
    await expect(build({ site, signal: before.signal })).rejects.toMatchObject({ code: 'ERR_BLOG_ABORTED' });
    const during = new AbortController();
    const error = await build({ site, workers: 2, signal: during.signal, onProgress: () => during.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_BLOG_ABORTED', name: 'BlogEngineError' });
    expect(existsSync(join(site, '_site'))).toBe(false);
  });

  it('has stable codes, a literal name, a cause and toJSON()', () => {
    const cause = new Error('disk full');
    const error = new BlogEngineError('ERR_BLOG_IO', 'could not write x', { file: 'posts/a.md', line: 3, cause });
    expect(error.name).toBe('BlogEngineError');
    expect(error.message).toBe('posts/a.md:3: could not write x');
    expect(error.cause).toBe(cause);
    expect(error.toJSON()).toMatchObject({ name: 'BlogEngineError', code: 'ERR_BLOG_IO', file: 'posts/a.md', line: 3, reason: 'could not write x', cause: { message: 'disk full' } });
    const aggregate = new BuildError([error]);
    expect(BlogEngineError.fromJSON(aggregate.toJSON())).toMatchObject({ code: 'ERR_BLOG_BUILD_FAILED', problems: [{ code: 'ERR_BLOG_IO', line: 3 }] });
  });
});
