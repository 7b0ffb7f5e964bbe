import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, BuildError } from '@drove/blog-engine';
import { mtimes, read, tempDir, tree, writeSite } from './helpers.js';

/** A site written the way Jekyll posts are: Liquid in bodies, Jekyll tags and filters, a Jekyll include. */
function jekyllSite(config: Record<string, unknown> = {}): string {
  return writeSite({
    'site.config.json': JSON.stringify({ title: 'Moved in', baseUrl: 'https://example.com/blog/', ...config }),
    'posts/2020-01-01-first.md': '---\ntitle: First\n---\nThe first post.\n',
    'posts/2020-02-01-liquid.md': [
      '---',
      'title: Liquid inside',
      'version: 4.4.1',
      'tags: [jekyll, liquid]',
      '---',
      'Docs at {{ "/docs/themes/#assets" | relative_url }} and {{ "/feed.xml" | absolute_url }}; base "{{ site.baseurl }}" on {{ site.url }}.',
      '',
      'This is {{ page.title }} for version {{ page.version }}, tagged {{ page.tags | join: ", " }}.',
      '',
      'See [the first post]({% post_url 2020-01-01-first %}), [again]({% link _posts/2020-01-01-first.md %}) and [about]({% link about.md %}).',
      '',
      '{% highlight ruby %}',
      'def hello',
      '',
      '  puts "{{ page.version }}"',
      'end',
      '{% endhighlight %}',
      '',
      '{% include note.html text="Mind the gap" %}',
      '',
      '{% raw %}Kept: {{ not.rendered }}{% endraw %}',
      '',
      '{{ "unknown filters pass" | mardownify }}',
      '',
      '```',
      'A macro call shown in code: {{< node "6 * 7" >}}',
      '```',
      '',
    ].join('\n'),
    'posts/2020-03-01-opted-out.md': '---\ntitle: Opted out\nrender_with_liquid: false\n---\nShows {{ site.baseurl }} as written.\n',
    'pages/about.md': '---\ntitle: About\n---\nAbout {{ site.title }}.\n',
    'pages/code.html': '---\ntitle: Code\n---\n<h2>HTML page</h2>\n{% highlight js %}\nconst a = 1;\n\nconst b = "<b>";\n{% endhighlight %}\n',
    'includes/note.html': '<aside class="note">{{ include.text }}</aside>\n',
  });
}

describe('Liquid in content', () => {
  it('renders Jekyll-style Liquid in bodies before Markdown: site, page, filters, post_url, link, highlight, include, raw', async () => {
    const out = join(tempDir(), 'out');
    const result = await build({ site: jekyllSite(), out, workers: 2 });
    expect(result.posts).toBe(5);
    const page = read(out, '2020/02/liquid/index.html');
    expect(page).toContain('Docs at /blog/docs/themes/#assets and https://example.com/blog/feed.xml; base &quot;/blog&quot; on https://example.com.');
    expect(page).toContain('This is Liquid inside for version 4.4.1, tagged jekyll, liquid.');
    expect(page).toContain('<a href="/blog/2020/01/first/">the first post</a>');
    expect(page).toContain('<a href="/blog/2020/01/first/">again</a>');
    expect(page).toContain('<a href="/blog/about/">about</a>');
    // The highlight block becomes a fenced block: highlighted like any other, the blank line inside kept, its Liquid rendered.
    expect(page).toMatch(/<pre><code class="hljs language-ruby"><span class="hljs-keyword">def<\/span> <span class="hljs-title function_">hello<\/span>\n\n {2}puts <span class="hljs-string">&quot;4.4.1&quot;<\/span>\n<span class="hljs-keyword">end<\/span>\n<\/code><\/pre>/);
    expect(page).toContain('<aside class="note">Mind the gap</aside>');
    expect(page).toContain('Kept: {{ not.rendered }}');
    expect(page).toContain('unknown filters pass');
    expect(page).toContain('A macro call shown in code: {{&lt; node &quot;6 * 7&quot; &gt;}}');
    // In an HTML page, the highlight block is highlighted HTML as Jekyll writes it.
    expect(read(out, 'code/index.html')).toContain('<figure class="highlight"><pre><code class="language-js" data-lang="js"><span class="hljs-keyword">const</span> a = <span class="hljs-number">1</span>;\n\n<span class="hljs-keyword">const</span> b = <span class="hljs-string">&quot;&lt;b&gt;&quot;</span>;</code></pre></figure>');
    expect(read(out, 'about/index.html')).toContain('About Moved in.');
    expect(read(out, '2020/03/opted-out/index.html')).toContain('Shows {{ site.baseurl }} as written.');
  });

  it('leaves no Liquid in any page or feed, excerpts and list pages included', async () => {
    const out = join(tempDir(), 'out');
    await build({ site: jekyllSite(), out, workers: 1 });
    for (const path of tree(out).keys()) {
      if (!/\.(html|xml)$/.test(path)) continue;
      // What the posts show as written: the raw block, the macro call in code, the opted-out post.
      const text = read(out, path).replaceAll('{{ not.rendered }}', '').replaceAll('{{&lt; node', '').replaceAll('Shows {{ site.baseurl }} as written.', '');
      expect({ path, liquid: /\{\{|\{%/.test(text) }).toEqual({ path, liquid: false });
    }
    expect(read(out, 'index.html')).toContain('Docs at /blog/docs/themes/#assets');
    expect(read(out, 'feed.xml')).toContain('Docs at /blog/docs/themes/#assets');
  });

  it('is off for the whole site with contentLiquid: false', async () => {
    const out = join(tempDir(), 'out');
    await build({ site: jekyllSite({ contentLiquid: false }), out, workers: 1 });
    expect(read(out, 'about/index.html')).toContain('About {{ site.title }}.');
  });

  it('reports a body\'s Liquid error at the line of the post file, and a missing post_url target', async () => {
    const site = writeSite({
      'posts/2020-01-01-a.md': '---\ntitle: A\n---\nline four\n\n{{ "x" | append: }}\n',
      'posts/2020-01-02-b.md': '---\ntitle: B\n---\nSee {% post_url 2019-01-01-gone %}.\n',
      'posts/2020-01-03-c.md': '---\ntitle: C\n---\n{% if true %}\nnever closed\n',
    });
    const error = await build({ site, out: join(tempDir(), 'out'), workers: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    const problems = (error as BuildError).problems.map((p) => [p.code, p.file, p.line]);
    expect(problems).toEqual([
      ['ERR_BLOG_TEMPLATE', 'posts/2020-01-01-a.md', 6],
      ['ERR_BLOG_TEMPLATE', 'posts/2020-01-02-b.md', 4],
      ['ERR_BLOG_TEMPLATE', 'posts/2020-01-03-c.md', 4],
    ]);
    expect((error as BuildError).problems[1]!.reason).toContain('post_url: no post "2019-01-01-gone"');
  });

  it('renders a post again when a post it links with post_url moves, and writes nothing when nothing changed', async () => {
    const site = writeSite({
      'posts/2020-01-01-target.md': '---\ntitle: Target\n---\nx\n',
      'posts/2020-01-02-linker.md': '---\ntitle: Linker\n---\nGo to {% post_url 2020-01-01-target %}.\n',
      'posts/2020-01-03-other.md': '---\ntitle: Other\n---\nNo Liquid.\n',
    });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 2 });
    const before = mtimes(out);
    expect((await build({ site, out, workers: 2 })).written).toBe(0);
    expect(mtimes(out)).toEqual(before);
    writeSite({ 'posts/2020-01-01-target.md': '---\ntitle: Target\nslug: moved\n---\nx\n' }, site);
    await build({ site, out, workers: 2 });
    expect(read(out, '2020/01/linker/index.html')).toContain('Go to /2020/01/moved/.');
    const after = mtimes(out);
    expect(after.get('2020/01/other/index.html')).toBe(before.get('2020/01/other/index.html'));
  });

  it('makes the same bytes with 1 and 3 workers and inline', async () => {
    const site = jekyllSite();
    const outs = [join(tempDir(), 'a'), join(tempDir(), 'b'), join(tempDir(), 'c')];
    await build({ site, out: outs[0], workers: 1, database: `file:${join(tempDir(), '1.db')}` });
    await build({ site, out: outs[1], workers: 3, database: `file:${join(tempDir(), '2.db')}` });
    await build({ site, out: outs[2], kind: 'inline', database: `file:${join(tempDir(), '3.db')}` });
    expect(tree(outs[1]!)).toEqual(tree(outs[0]!));
    expect(tree(outs[2]!)).toEqual(tree(outs[0]!));
  });
});
