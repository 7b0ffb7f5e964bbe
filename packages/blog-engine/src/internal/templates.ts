import { Liquid, Tag, Value, type Context, type Emitter, type FS, type Template, type TagToken, type TopLevelToken } from './liquid.js';
import { BlogEngineError } from '../errors.js';
import type { CompilableTag, LiquidCompiler } from './liquid-compiler.js';

/**
 * liquidjs reads templates through this map instead of the disk: the main
 * thread loads every layout and include once (the site's over the default
 * theme's), checks their syntax, and ships the map to each worker, so the set
 * of templates a build renders with is exactly the set its render keys hash.
 */
export class TemplateMap implements FS {
  readonly sep = '/';
  readonly #templates: Record<string, string>;
  constructor(templates: Record<string, string>) {
    this.#templates = templates;
  }
  existsSync(file: string): boolean {
    return Object.hasOwn(this.#templates, file);
  }
  async exists(file: string): Promise<boolean> {
    return this.existsSync(file);
  }
  readFileSync(file: string): string {
    const text = this.#templates[file];
    if (text === undefined) throw new Error(`ENOENT: no template ${file}`);
    return text;
  }
  async readFile(file: string): Promise<string> {
    return this.readFileSync(file);
  }
  resolve(dir: string, file: string, ext: string): string {
    const name = file.endsWith(ext) ? file : file + ext;
    return dir ? `${dir}/${name}` : name;
  }
  dirname(file: string): string {
    return file.split('/').slice(0, -1).join('/');
  }
}

/** Template limits of liquidjs. */
export interface Limits {
  parseLimit: number;
  renderLimit: number;
  memoryLimit: number;
}

/**
 * `{% memo key %}…{% endmemo %}` renders its block once per distinct key in a
 * worker and reuses the HTML: a post's card appears on many list pages, and its
 * markup depends on the post only. The cache lives as long as the engine, that
 * is one build in one worker, so it never outlives the data it was made from.
 * Use it only for blocks whose output depends on nothing but the key.
 */
class MemoTag extends Tag implements CompilableTag {
  readonly #key: Value;
  readonly #templates: Template[] = [];
  readonly #cache = new Map<unknown, string>();

  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid, parser: { parseToken(token: TopLevelToken, rest: TopLevelToken[]): Template }) {
    super(token, remainTokens, liquid);
    if (!token.args.trim()) throw new Error('tag memo needs a key: {% memo post.url %}');
    this.#key = new Value(token.args, liquid);
    while (remainTokens.length > 0) {
      const next = remainTokens.shift()!;
      if ((next as TagToken).name === 'endmemo') return;
      this.#templates.push(parser.parseToken(next, remainTokens));
    }
    throw new Error(`tag ${token.getText()} not closed`);
  }

  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const key = yield this.#key.value(ctx, false);
    let html = this.#cache.get(key);
    if (html === undefined) {
      html = (yield this.liquid.renderer.renderTemplates(this.#templates, ctx)) as string;
      this.#cache.set(key, html);
    }
    emitter.write(html);
  }

  /** The same render without generators (see {@link LiquidCompiler}); both share the cache. */
  compile(compiler: LiquidCompiler): (ctx: Context, emitter: Emitter) => void {
    const keyOf = compiler.value(this.#key);
    const render = compiler.captured(this.#templates);
    const cache = this.#cache;
    return (ctx, emitter) => {
      const key = keyOf(ctx);
      let html = cache.get(key);
      if (html === undefined) {
        html = render(ctx);
        cache.set(key, html);
      }
      emitter.write(html);
    };
  }
}

type ParsedFile = ReturnType<Liquid['_parsePartialFile']>;

/**
 * A liquidjs engine that keeps each include and layout it parses. With its own
 * cache (`cache: true`) liquidjs still makes a parser, a loader, a limiter and
 * a dozen functions every time a page renders `{% include %}` or `{% layout %}`
 * (7 KiB of garbage a page on the generated site); here a render that names a
 * parsed file takes its templates from a map. The template set of a build
 * never changes (see {@link TemplateMap}), so nothing here goes stale.
 */
class TemplateMapLiquid extends Liquid {
  readonly #partials = new Map<string, Template[]>();
  readonly #layouts = new Map<string, Template[]>();

  override _parsePartialFile(file: string, sync?: boolean, currentFile?: string): ParsedFile {
    return known(this.#partials, file) ?? remember(this.#partials, file, super._parsePartialFile(file, sync, currentFile));
  }

  override _parseLayoutFile(file: string, sync?: boolean, currentFile?: string): ParsedFile {
    return known(this.#layouts, file) ?? remember(this.#layouts, file, super._parseLayoutFile(file, sync, currentFile));
  }
}

/**
 * The templates of a file parsed before. Tags `yield` what the parse methods
 * return, and liquidjs resumes a tag with a yielded value that is not an
 * iterator as it is, so the parsed array stands in for the parse.
 */
function known(parsed: Map<string, Template[]>, file: string): ParsedFile | undefined {
  return parsed.get(file) as ParsedFile | undefined;
}

/** Runs liquidjs's parse and keeps its templates (a file that fails to parse is not kept). */
function* remember(parsed: Map<string, Template[]>, file: string, parse: ParsedFile): ParsedFile {
  const templates = yield* parse;
  parsed.set(file, templates);
  return templates;
}

/** A liquidjs engine over a template map: layouts under `layouts/`, includes under `includes/`, `.liquid` files, parse cache on. */
export function createLiquid(templates: Record<string, string>, limits: Limits): Liquid {
  const liquid = new TemplateMapLiquid({
    fs: new TemplateMap(templates),
    root: ['layouts'],
    layouts: ['layouts'],
    partials: ['includes'],
    extname: '.liquid',
    relativeReference: false,
    cache: true,
    strictFilters: true,
    timezoneOffset: 0,
    parseLimit: limits.parseLimit,
    renderLimit: limits.renderLimit,
    memoryLimit: limits.memoryLimit,
  });
  liquid.registerTag('memo', MemoTag as unknown as Parameters<Liquid['registerTag']>[1]);
  return liquid;
}

interface LiquidErrorLike extends Error {
  token?: { file?: string; getPosition?: () => [number, number] };
  originalError?: unknown;
}

/**
 * Turns a liquidjs error into `ERR_BLOG_TEMPLATE` at the innermost template
 * file and line (an error inside an include points into the include), with
 * the page being rendered in the reason.
 */
export function templateError(error: unknown, templateFiles: Record<string, string>, rendering?: string, fallbackKey?: string): BlogEngineError {
  let inner = error as LiquidErrorLike;
  while (inner && typeof inner === 'object' && inner.originalError && (inner.originalError as LiquidErrorLike).token) {
    inner = inner.originalError as LiquidErrorLike;
  }
  const raw = inner instanceof Error ? inner.message : String(error);
  const reason = raw.replace(/(, file:[^,]*)?, line:\d+, col:\d+$/, '').split('\n')[0]!;
  const key = inner?.token?.file ?? fallbackKey;
  const position = inner?.token?.getPosition?.();
  const file = key === undefined ? undefined : (templateFiles[key] ?? key);
  return new BlogEngineError('ERR_BLOG_TEMPLATE', rendering ? `${reason} (rendering ${rendering})` : reason, {
    ...(file === undefined ? {} : { file }),
    ...(position ? { line: position[0], column: position[1] } : {}),
    cause: error,
  });
}

/** Parses every template once; returns the syntax errors, each with its file and line. */
export function checkTemplates(liquid: Liquid, templates: Record<string, string>, templateFiles: Record<string, string>): BlogEngineError[] {
  const problems: BlogEngineError[] = [];
  for (const [key, text] of Object.entries(templates)) {
    // Jekyll's `.html` includes are read by the content engine's rules (`include.param`): their errors show when a body renders them.
    if (!key.endsWith('.liquid')) continue;
    try {
      liquid.parse(text, key);
    } catch (error) {
      problems.push(templateError(error, templateFiles, undefined, key));
    }
  }
  return problems;
}
