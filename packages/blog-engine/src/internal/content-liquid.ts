import { IncludeTag, Liquid, Tag, type Context, type Emitter, type Template, type TagToken, type TopLevelToken } from './liquid.js';
import { BlogEngineError } from '../errors.js';
import { registerFilters } from './filters.js';
import { highlightHtml, type MarkdownRenderer } from './markdown.js';
import type { PostEntry, Snapshot } from './snapshot.js';
import { TemplateMap, templateError } from './templates.js';

/** Whether a body holds Liquid: `{{ … }}` or `{% … %}`, not counting Hugo-style `{{< … >}}` and `{{% … %}}` calls. */
export function mentionsLiquid(text: string): boolean {
  // Most bodies hold neither: two plain searches rule them out faster than the expression.
  if (!text.includes('{{') && !text.includes('{%')) return false;
  return /\{\{(?![<%])|\{%/.test(text);
}

/**
 * Whether a body's Liquid reads other posts (`{% post_url %}`, `{% link %}`,
 * `site.posts` and the like): its page then changes when they do, and its
 * render key says so.
 */
export function liquidReadsSite(text: string): boolean {
  return /\{%-?\s*(?:post_url|link)\s|site\.(?:posts|pages|tags|categories)\b/.test(text);
}

/** The tags a body's Liquid may use: liquidjs's and Jekyll's that the engine adds. Made on first use: a Liquid instance costs a build that reads no Liquid some 15 ms. */
let knownTagNames: Set<string> | undefined;
const knownTags = (): Set<string> =>
  (knownTagNames ??= new Set([...Object.keys(new Liquid().tags), 'else', 'elsif', 'when', 'highlight', 'link', 'post_url', 'include_cached']));

/**
 * The tags a body uses that the engine does not have (a Jekyll plugin's, such
 * as `github_edit_link`), each with the line (1-based, in the body) of its
 * first use; tags inside `{% raw %}` are not counted. They render as nothing.
 */
export function unknownLiquidTags(body: string): { name: string; line: number }[] {
  const outsideRaw = body.replace(/\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}/g, (raw) => raw.replace(/[^\n]/g, ' '));
  const found = new Map<string, number>();
  for (const match of outsideRaw.matchAll(/\{%-?\s*([A-Za-z_][\w-]*)/g)) {
    const name = match[1]!;
    const known = knownTags();
    if (known.has(name) || (name.startsWith('end') && known.has(name.slice(3))) || found.has(name)) continue;
    found.set(name, outsideRaw.slice(0, match.index).split('\n').length);
  }
  return [...found].map(([name, line]) => ({ name, line }));
}

/** A tag the engine does not have: it renders as nothing (the build warns about it). */
class MissingTag extends Tag {
  *render(): Generator<unknown, void, unknown> {}
}

/** Hugo-style calls left in a body (inside code, or with no macro of that name) are shown as written, never read as Liquid. */
function protectShortcodes(text: string): string {
  return text.replace(/\{\{<[\s\S]*?>\}\}|\{\{%[\s\S]*?%\}\}/g, (call) => `{% raw %}${call}{% endraw %}`);
}

/** What a body's Liquid is rendered with, per worker. */
interface ContentEnvironment {
  snapshot: Snapshot;
  markdown: () => MarkdownRenderer;
  /** The `site` of templates in a language. */
  siteOf: (lang: string) => Record<string, unknown>;
}

/** The scope key that tells the `highlight` tag whether the body is Markdown or HTML. */
const formatKey = '__drove_format';

/**
 * Jekyll's `{% highlight lang %}…{% endhighlight %}`. The code between (its
 * Liquid rendered first, as Jekyll does, then leading and trailing newlines
 * dropped) becomes a fenced code block in a Markdown body, highlighted like any
 * other, and highlighted HTML (`<figure class="highlight">`) in an HTML one.
 */
class HighlightTag extends Tag {
  readonly #lang: string;
  readonly #templates: Template[] = [];

  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid, parser: { parseToken(token: TopLevelToken, rest: TopLevelToken[]): Template }) {
    super(token, remainTokens, liquid);
    this.#lang = token.args.trim().split(/\s+/)[0] ?? '';
    if (!/^[\w+#.-]*$/.test(this.#lang)) throw new Error(`tag highlight: invalid language ${JSON.stringify(this.#lang)}`);
    while (remainTokens.length > 0) {
      const next = remainTokens.shift()!;
      if ((next as TagToken).name === 'endhighlight') return;
      this.#templates.push(parser.parseToken(next, remainTokens));
    }
    throw new Error(`tag ${token.getText()} not closed`);
  }

  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const rendered = (yield this.liquid.renderer.renderTemplates(this.#templates, ctx)) as string;
    const code = rendered.replace(/^[\r\n]+|[\r\n]+$/g, '');
    if (ctx.getSync([formatKey]) === 'markdown') {
      const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((run) => run[0].length));
      const fence = '`'.repeat(longest + 1);
      emitter.write(`${fence}${this.#lang}\n${code}\n${fence}\n`);
      return;
    }
    const language = this.#lang.toLowerCase();
    const html = highlightHtml(code, language) ?? escapeHtml(code);
    emitter.write(`<figure class="highlight"><pre><code class="language-${escapeHtml(language)}" data-lang="${escapeHtml(language)}">${html}</code></pre></figure>`);
  }
}

/** Finds posts and pages by the file names Jekyll's `post_url` and `link` tags give. */
class SourceIndex {
  readonly #bySource = new Map<string, PostEntry>();
  readonly #byStem = new Map<string, PostEntry[]>();

  constructor(posts: PostEntry[]) {
    for (const post of posts) {
      this.#bySource.set(post.source, post);
      const stem = post.source.slice(post.source.lastIndexOf('/') + 1).replace(/\.[^.]+$/, '');
      const list = this.#byStem.get(stem);
      if (list) list.push(post);
      else this.#byStem.set(stem, [post]);
    }
  }

  /** `{% link _posts/2016-07-26-name.md %}`, `{% link about.md %}`, `{% link posts/x.md %}`. */
  link(path: string): PostEntry | undefined {
    const clean = path.replace(/^\.?\//, '');
    for (const candidate of [clean, `posts/${clean.replace(/^_posts\//, '')}`, `pages/${clean.replace(/^_pages\//, '')}`]) {
      const found = this.#bySource.get(candidate);
      if (found) return found;
    }
    return undefined;
  }

  /** `{% post_url 2010-07-21-name %}`, or with the folders under `_posts/` (`/2010/2010-07-21-name`). */
  postUrl(name: string): PostEntry | undefined {
    const clean = name.replace(/^\/+/, '');
    const stem = clean.slice(clean.lastIndexOf('/') + 1);
    const folders = clean.slice(0, clean.length - stem.length);
    return this.#byStem.get(stem)?.find((post) => post.kind === 'post' && post.source.slice(0, post.source.lastIndexOf('/') + 1).endsWith(folders));
  }
}

/** A tag that prints the URL (under the base path) of the post or page its argument names. */
function urlTag(name: 'link' | 'post_url', find: (index: SourceIndex, arg: string) => PostEntry | undefined, index: () => SourceIndex, basePath: string) {
  return class extends Tag {
    readonly #arg: string;
    constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
      super(token, remainTokens, liquid);
      this.#arg = token.args.trim();
      if (this.#arg === '') throw new Error(`tag ${name} needs a file name: {% ${name} ${name === 'link' ? '_posts/2020-01-01-name.md' : '2020-01-01-name'} %}`);
    }
    *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
      const arg = this.#arg.includes('{{') ? ((yield this.liquid.renderer.renderTemplates(this.liquid.parse(this.#arg), ctx)) as string).trim() : this.#arg;
      const post = find(index(), arg);
      if (!post) throw new Error(`${name}: no ${name === 'link' ? 'post or page' : 'post'} ${JSON.stringify(arg)} in this build`);
      emitter.write(basePath + post.url.slice(1));
    }
  };
}

/**
 * Renders the Liquid in posts' and pages' bodies before Markdown, as Jekyll and
 * Eleventy do: `site` (with Jekyll's `baseurl`, `url` and `posts`), `page` (the
 * front matter's own keys at the top, as Jekyll puts them), the engine's
 * filters and liquidjs's Jekyll filters, `markdownify`, and Jekyll's
 * `highlight`, `link`, `post_url`, `include` (with `include.param`, from
 * `includes/`) and `include_cached`. Unknown filters pass the value through, as
 * in Jekyll. One per worker, made when the first body with Liquid is rendered.
 */
export class ContentLiquid {
  readonly #liquid: Liquid;
  readonly #env: ContentEnvironment;
  readonly #parsed = new Map<number, Template[]>();
  #sources: SourceIndex | undefined;
  readonly #sitePosts = new Map<string, Record<string, unknown>[]>();

  constructor(env: ContentEnvironment) {
    this.#env = env;
    const { site, templates } = env.snapshot;
    this.#liquid = new Liquid({
      fs: new TemplateMap(templates),
      root: ['includes'],
      partials: ['includes'],
      extname: '',
      relativeReference: false,
      jekyllInclude: true,
      dynamicPartials: false,
      strictFilters: false,
      timezoneOffset: 0,
      ...site.limits,
    });
    registerFilters(this.#liquid, { ...site, markdown: env.markdown });
    this.#liquid.registerFilter('markdownify', (value: unknown) => env.markdown().render(String(value ?? '')));
    this.#liquid.registerTag('highlight', HighlightTag as unknown as Parameters<Liquid['registerTag']>[1]);
    this.#liquid.registerTag('include_cached', IncludeTag);
    const sources = () => (this.#sources ??= new SourceIndex(env.snapshot.posts));
    this.#liquid.registerTag('link', urlTag('link', (index, arg) => index.link(arg), sources, site.basePath));
    this.#liquid.registerTag('post_url', urlTag('post_url', (index, arg) => index.postUrl(arg), sources, site.basePath));
  }

  /**
   * A post's body (or its excerpt) with its Liquid rendered.
   *
   * @throws {BlogEngineError} `ERR_BLOG_TEMPLATE` at the post's file and line (or the include's).
   */
  render(post: PostEntry, text: string, part: 'body' | 'excerpt' = 'body'): string {
    try {
      let templates = part === 'body' ? this.#parsed.get(post.id) : undefined;
      if (!templates) {
        for (const { name } of unknownLiquidTags(text)) if (!Object.hasOwn(this.#liquid.tags, name)) this.#liquid.registerTag(name, MissingTag);
        templates = this.#liquid.parse(protectShortcodes(text));
        if (part === 'body') this.#parsed.set(post.id, templates);
      }
      return this.#liquid.renderSync(templates, this.#scope(post)) as string;
    } catch (error) {
      const inner = templateError(error, this.#env.snapshot.templateFiles, post.source);
      if (inner.file !== undefined) throw inner;
      const line = inner.line === undefined ? post.bodyLine : post.bodyLine + inner.line - 1;
      throw new BlogEngineError('ERR_BLOG_TEMPLATE', `${inner.reason.replace(/ \(rendering [^)]*\)$/, '')} (in the ${part === 'body' ? 'content' : 'excerpt'} of ${post.source})`, {
        file: post.source,
        line,
        cause: error,
      });
    }
  }

  /** An excerpt's Liquid rendered; an excerpt that cuts a block tag in two (`{% if %}` before the cut, its end after) loses its Liquid instead. */
  excerpt(post: PostEntry, text: string): string {
    try {
      return this.render(post, text, 'excerpt');
    } catch {
      return text.replace(/\{%[\s\S]*?%\}|\{\{(?![<%])[\s\S]*?\}\}/g, '');
    }
  }

  #scope(post: PostEntry): Record<string, unknown> {
    const tagNames = post.tags.map((t) => t.name);
    const categoryNames = post.categories.map((c) => c.name);
    const page = {
      ...post.data,
      title: post.title,
      url: post.url,
      date: post.date,
      updated: post.updated,
      lang: post.lang,
      slug: post.slug,
      tags: tagNames,
      categories: categoryNames,
      summary: post.summary,
      layout: post.layout,
      path: post.source,
      data: post.data,
    };
    const base = this.#env.siteOf(post.lang);
    const { snapshot } = this.#env;
    const sitePosts = () => {
      let list = this.#sitePosts.get(post.lang);
      if (!list) {
        list = snapshot.posts
          .filter((p) => p.kind === 'post' && p.lang === post.lang)
          .map((p) => ({ ...p.data, title: p.title, url: p.url, date: p.date, tags: p.tags.map((t) => t.name), categories: p.categories.map((c) => c.name), summary: p.summary, path: p.source }));
        this.#sitePosts.set(post.lang, list);
      }
      return list;
    };
    const site: Record<string, unknown> = {
      ...base,
      baseurl: snapshot.site.basePath.replace(/\/$/, ''),
      url: new URL(snapshot.site.baseUrl).origin,
    };
    Object.defineProperty(site, 'posts', { enumerable: true, get: sitePosts });
    return { site, page, [formatKey]: post.format };
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
