import {
  AssignTag,
  BlockTag,
  Context,
  ForTag,
  IfTag,
  IncludeTag,
  LayoutTag,
  Output,
  TypeGuards,
  UnlessTag,
  evalToken,
  isTruthy,
  toValue,
  toValueSync,
  type Emitter,
  type Expression,
  type Filter,
  type Liquid,
  type Template,
  type Token,
  type Value,
} from './liquid.js';
import { applyModifiers, BlockDrop, createScope, findScope, ForloopDrop, readPath, settle, StringEmitter, toEnumerable, type BlockRender, type Key } from './liquid-runtime.js';

/** A compiled template: writes to the emitter what liquidjs's own `render` would. */
type Render = (ctx: Context, emitter: Emitter) => void;
/** A compiled expression: its value in a context. */
type Evaluate = (ctx: Context) => unknown;

/** A tag compiled by its owner (`{% memo %}`): given the compiler, returns its render. */
export interface CompilableTag {
  compile(compiler: LiquidCompiler): Render;
}

/** Context methods the compiled renders call that liquidjs's types keep private. */
const contextMatches = typeof (Context.prototype as unknown as { findScope?: unknown }).findScope === 'function';

/** liquidjs's `BlockMode`: blocks render where they stand, or are stored for the layout. */
const OUTPUT = 0;
const STORE = 1;
const unaryOperators = new Set(['not']);
const binaryOperators = new Set(['==', '!=', '>', '<', '>=', '<=', 'contains', 'and', 'or']);
type Operator = (...args: unknown[]) => unknown;

/* The fields of liquidjs 10.30's templates and tokens that rendering reads; most are private in its types. */
interface HashShape {
  hash: Record<string, Token | undefined>;
}
interface ForShape {
  variable: string;
  collection: Token;
  hash: HashShape;
  templates: Template[];
  elseTemplates: Template[];
}
interface IncludeShape {
  file: string | Template[] | Token;
  currentFile?: string;
  withVar?: Token;
  hash: HashShape;
}
interface LayoutShape {
  file?: string | Template[] | Token;
  currentFile?: string;
  args: HashShape;
  templates: Template[];
}
interface BlockShape {
  block: string;
  templates: Template[];
}
interface BranchShape {
  value: Value;
  templates: Template[];
  test?: (value: unknown, ctx: Context) => boolean;
}
interface FilterShape {
  args: (Token | [string, Token])[];
  handler: (...args: unknown[]) => unknown;
  token: unknown;
  liquid: Liquid;
}
interface PropertyAccessShape {
  variable?: Token;
  props: Token[];
}
type FileInTemplates = string | Template[] | Token;

/**
 * Renders parsed liquidjs templates without generators.
 *
 * liquidjs evaluates every tag, output, expression, property read and filter
 * through a generator, so that one code path serves sync and async rendering;
 * a page of the default theme drives a few thousand of them, and creating and
 * resuming them was most of a build's template time. This module turns the
 * templates liquidjs parsed into a tree of plain closures, built once per
 * template and worker, that do what liquidjs 10.30's `render` methods do, in
 * the same order, through the same `Context` (scopes, registers, limits) and
 * the same filter and operator functions.
 *
 * It covers the tags that carry a theme (`if`, `unless`, `for`, `assign`,
 * `include`, `layout`, `block`, `memo`) and outputs; any other tag renders
 * through its own liquidjs `render`. It makes no errors of its own: a render
 * that throws is rendered again by liquidjs (see {@link compileTemplates}), so
 * every problem is reported exactly as liquidjs reports it. Each template
 * list (a layout's, an include's) is compiled once per engine.
 */
export class LiquidCompiler {
  readonly #liquid: Liquid;
  readonly #compiled = new WeakMap<Template[], Render>();

  constructor(liquid: Liquid) {
    this.#liquid = liquid;
  }

  /**
   * A function rendering `templates` with `scope`, as `liquid.renderSync(templates, scope)` does.
   * If it throws, liquidjs renders the same templates itself, and its error (with the template file and
   * line) is the one thrown.
   */
  compileTemplates(templates: Template[]): (scope: Record<string, unknown>) => string {
    const liquid = this.#liquid;
    if (!contextMatches) return (scope) => liquid.renderSync(templates, scope) as string;
    const render = this.sequence(templates);
    return (scope) => {
      // A copy: `{% increment %}` writes into the scope, and a render liquidjs does again must start from the same one.
      const ctx = new Context({ ...scope }, liquid.options, { sync: true }, { liquid });
      const emitter = new StringEmitter();
      try {
        render(ctx, emitter);
      } catch {
        return liquid.renderSync(templates, scope) as string;
      }
      return emitter.buffer;
    };
  }

  /** What liquidjs's `renderTemplates` does with a list: the render limit, then each template until a `break` or `continue`. */
  sequence(templates: Template[]): Render {
    const known = this.#compiled.get(templates);
    if (known) return known;
    const renders = templates.map((template) => this.#template(template));
    const render: Render = (ctx, emitter) => {
      ctx.renderLimit.check(performance.now());
      for (const each of renders) {
        each(ctx, emitter);
        if (ctx.breakCalled || ctx.continueCalled) break;
      }
    };
    this.#compiled.set(templates, render);
    return render;
  }

  /** What `templates` render to, as a string of its own (a `{% memo %}` body, a file name with outputs in it). */
  captured(templates: Template[]): (ctx: Context) => string {
    const render = this.sequence(templates);
    return (ctx) => {
      const emitter = new StringEmitter();
      render(ctx, emitter);
      return emitter.buffer;
    };
  }

  /** A liquidjs `Value`: its expression, then its filters. */
  value(value: Value): Evaluate {
    const initial = this.#expression(value.initial);
    const filters = value.filters.map((filter) => this.#filter(filter));
    if (filters.length === 0) return initial;
    return (ctx) => {
      let result = initial(ctx);
      for (const filter of filters) result = filter(result, ctx);
      return result;
    };
  }

  #template(template: Template): Render {
    if (template instanceof Output) return this.#output(template);
    const html = (template as unknown as { str?: unknown }).str;
    if (TypeGuards.isHTMLToken(template.token) && typeof html === 'string') return (_ctx, emitter) => emitter.write(html);
    if (isCompilable(template)) return template.compile(this);
    if ((template instanceof IfTag || template instanceof UnlessTag) && hasShape<{ branches: BranchShape[]; elseTemplates?: Template[] }>(template, ['branches'])) return this.#branches(template);
    if (template instanceof ForTag && hasShape<ForShape>(template, ['variable', 'collection', 'hash', 'templates', 'elseTemplates'])) return this.#for(template);
    if (template instanceof AssignTag && hasShape<{ key: string; value: Value }>(template, ['key', 'value'])) return this.#assign(template);
    if (template instanceof IncludeTag && hasShape<IncludeShape>(template, ['file', 'hash'])) return this.#include(template);
    if (template instanceof LayoutTag && hasShape<LayoutShape>(template, ['args', 'templates'])) return this.#layout(template);
    if (template instanceof BlockTag && hasShape<BlockShape>(template, ['block', 'templates'])) return this.#block(template, template);
    return (ctx, emitter) => {
      const html = settle(template.render(ctx, emitter));
      if (html) emitter.write(html);
    };
  }

  #output(output: Output): Render {
    const value = this.value(output.value);
    return (ctx, emitter) => emitter.write(settle(toValue(value(ctx))));
  }

  #branches(tag: { branches: BranchShape[]; elseTemplates?: Template[] }): Render {
    const branches = tag.branches.map((branch) => ({
      value: this.value(branch.value),
      test: branch.test ?? isTruthy,
      render: this.sequence(branch.templates),
    }));
    const otherwise = this.sequence(tag.elseTemplates ?? []);
    return (ctx, emitter) => {
      for (const branch of branches) {
        if (branch.test(settle(toValue(branch.value(ctx))), ctx)) {
          branch.render(ctx, emitter);
          return;
        }
      }
      otherwise(ctx, emitter);
    };
  }

  #for(tag: ForShape): Render {
    const { variable } = tag;
    const collectionText = tag.collection.getText();
    const collectionOf = this.#token(tag.collection);
    const hash = this.#hash(tag.hash);
    const body = this.sequence(tag.templates);
    const otherwise = this.sequence(tag.elseTemplates);
    const continueKey = `continue-${variable}-${collectionText}`;
    return (ctx, emitter) => {
      let collection = toEnumerable(collectionOf(ctx));
      if (collection.length === 0) {
        otherwise(ctx, emitter);
        return;
      }
      let offset = 0;
      if (hash !== undefined) {
        ctx.push(createScope({ continue: ctx.getRegister(continueKey, {}) }));
        const args = hash(ctx);
        ctx.pop();
        collection = applyModifiers(collection, args, ctx.opts.orderedFilterParameters);
        offset = (args['offset'] as number) || 0;
      }
      ctx.setRegister(continueKey, offset + collection.length);
      const forloop = new ForloopDrop(collection.length, collectionText, variable);
      const scope = createScope({ forloop });
      ctx.push(scope);
      for (const item of collection) {
        scope[variable] = item;
        ctx.continueCalled = ctx.breakCalled = false;
        body(ctx, emitter);
        if (ctx.breakCalled) break;
        forloop.next();
      }
      ctx.continueCalled = ctx.breakCalled = false;
      ctx.pop();
    };
  }

  #assign(tag: { key: string; value: Value }): Render {
    const { key } = tag;
    const value = this.value(tag.value);
    return (ctx) => {
      (ctx.bottom() as Record<string, unknown>)[key] = value(ctx);
    };
  }

  #include(tag: IncludeShape): Render {
    const liquid = this.#liquid;
    const fileOf = this.#filePath(tag.file);
    const hash = this.#hash(tag.hash);
    const withVar = tag.withVar === undefined ? undefined : this.#token(tag.withVar);
    const { currentFile } = tag;
    return (ctx, emitter) => {
      const file = fileOf(ctx);
      if (!file) throw new Error(`illegal file path "${String(file)}"`);
      const saved = ctx.saveRegister('blocks', 'blockMode');
      ctx.setRegister('blocks', {});
      ctx.setRegister('blockMode', OUTPUT);
      const scope = createScope(hash === undefined ? undefined : hash(ctx));
      if (withVar !== undefined) scope[String(file)] = withVar(ctx);
      const templates = settle(liquid._parsePartialFile(String(file), ctx.sync, currentFile)) as Template[];
      ctx.push(ctx.opts.jekyllInclude ? createScope({ include: scope }) : scope);
      this.sequence(templates)(ctx, emitter);
      ctx.pop();
      ctx.restoreRegister(saved);
    };
  }

  #layout(tag: LayoutShape): Render {
    const liquid = this.#liquid;
    const body = this.sequence(tag.templates);
    if (tag.file === undefined) {
      return (ctx, emitter) => {
        ctx.setRegister('blockMode', OUTPUT);
        body(ctx, emitter);
      };
    }
    const fileOf = this.#filePath(tag.file);
    const args = this.#hash(tag.args);
    const { currentFile } = tag;
    return (ctx, emitter) => {
      const file = fileOf(ctx);
      if (!file) throw new Error(`illegal file path "${String(file)}"`);
      const templates = settle(liquid._parseLayoutFile(String(file), ctx.sync, currentFile)) as Template[];
      ctx.setRegister('blockMode', STORE);
      const stored = new StringEmitter();
      body(ctx, stored);
      const blocks = ctx.getRegister('blocks', {}) as Record<string, BlockRender>;
      if (blocks[''] === undefined) blocks[''] = (_parent, into) => into.write(stored.buffer);
      ctx.setRegister('blockMode', OUTPUT);
      ctx.push(createScope(args === undefined ? undefined : args(ctx)));
      this.sequence(templates)(ctx, emitter);
      ctx.pop();
    };
  }

  #block(tag: BlockShape, self: object): Render {
    const name = tag.block;
    const body = this.sequence(tag.templates);
    const blockRender = (ctx: Context): BlockRender => {
      const renderChild = (ctx.getRegister('blocks', {}) as Record<string, BlockRender | undefined>)[name];
      const renderCurrent: BlockRender = (superBlock, emitter) => {
        const stack = ctx.getRegister('blockStack', []) as object[];
        if (stack.includes(self)) throw new Error('block tag cannot be nested');
        stack.push(self);
        ctx.push(createScope({ block: superBlock }));
        body(ctx, emitter);
        ctx.pop();
        stack.pop();
      };
      return renderChild ? (superBlock, emitter) => renderChild(new BlockDrop((into) => renderCurrent(superBlock, into)), emitter) : renderCurrent;
    };
    return (ctx, emitter) => {
      const render = blockRender(ctx);
      if (ctx.getRegister('blockMode') === STORE) (ctx.getRegister('blocks', {}) as Record<string, BlockRender>)[name] = render;
      else settle(render(new BlockDrop(), emitter));
    };
  }

  /** A file named in `{% include %}` or `{% layout %}`: a plain name, a name with outputs in it, or an expression. */
  #filePath(file: FileInTemplates): Evaluate {
    if (typeof file === 'string') return () => file;
    if (Array.isArray(file)) return this.captured(file);
    return this.#token(file);
  }

  /** liquidjs's `Hash.render`: each named argument's value, `true` for a bare name; undefined when there are none. */
  #hash(hash: HashShape): ((ctx: Context) => Record<string, unknown>) | undefined {
    const entries = Object.keys(hash.hash).map((key) => {
      const token = hash.hash[key];
      return [key, token === undefined ? undefined : this.#token(token)] as const;
    });
    if (entries.length === 0) return undefined;
    return (ctx) => {
      const values: Record<string, unknown> = {};
      for (const [key, evaluate] of entries) values[key] = evaluate === undefined ? true : evaluate(ctx);
      return values;
    };
  }

  #filter(filter: Filter): (value: unknown, ctx: Context) => unknown {
    const { handler, token, liquid, args } = filter as unknown as FilterShape;
    const argv = args.map((arg) => (Array.isArray(arg) ? ([arg[0], this.#token(arg[1])] as const) : this.#token(arg)));
    return (value, ctx) => {
      const values: unknown[] = [value];
      for (const arg of argv) values.push(typeof arg === 'function' ? arg(ctx) : [arg[0], arg[1](ctx)]);
      return settle(handler.apply({ context: ctx, token, liquid }, values));
    };
  }

  /** An expression in postfix form: every operand evaluated, operators applied, as liquidjs's `Expression.evaluate`. */
  #expression(expression: Expression): Evaluate {
    const { postfix } = expression;
    if (postfix.length === 1) return this.#token(postfix[0]!);
    const steps = postfix.map((token) => {
      if (!TypeGuards.isOperatorToken(token)) return this.#token(token);
      const { operator } = token;
      if (!unaryOperators.has(operator) && !binaryOperators.has(operator)) return undefined;
      return { operator, unary: unaryOperators.has(operator) };
    });
    if (steps.includes(undefined)) return (ctx) => toValueSync(expression.evaluate(ctx, false));
    return (ctx) => {
      const operands: unknown[] = [];
      for (const step of steps) {
        if (typeof step === 'function') {
          operands.push(step(ctx));
          continue;
        }
        const { operator, unary } = step!;
        const apply = ctx.opts.operators[operator] as Operator;
        const right = operands.pop();
        operands.push(settle(unary ? apply(right, ctx) : apply(operands.pop(), right, ctx)));
      }
      return operands[0];
    };
  }

  /** liquidjs's `evalToken`: a literal's content, a property read, or (ranges, filtered values) liquidjs's own evaluation. */
  #token(token: Token): Evaluate {
    if ('content' in token) {
      const content = (token as { content: unknown }).content;
      return () => content;
    }
    if (TypeGuards.isPropertyAccessToken(token)) return this.#propertyAccess(token as unknown as PropertyAccessShape);
    return (ctx) => toValueSync(evalTokenOf(token, ctx));
  }

  /** `a.b[c]`: each key's value, then reads from the variable or from the scope that has the first key. */
  #propertyAccess(token: PropertyAccessShape): Evaluate {
    const variable = token.variable === undefined ? undefined : this.#token(token.variable);
    const keys = token.props.map((prop) => ('content' in prop ? toValue((prop as { content: unknown }).content) : this.#token(prop)));
    if (keys.every((key) => typeof key !== 'function')) {
      // The common case (`post.title`): a path known before rendering.
      const path = keys as Key[];
      return (ctx) => readPath(ctx, variable === undefined ? findScope(ctx, path[0]) : variable(ctx), path);
    }
    return (ctx) => {
      const path = keys.map((key) => (typeof key === 'function' ? (settle(toValue(key(ctx))) as Key) : key));
      return readPath(ctx, variable === undefined ? findScope(ctx, path[0]) : variable(ctx), path);
    };
  }
}

function hasShape<T>(template: object, fields: string[]): template is T & object {
  return fields.every((field) => field in template);
}

function isCompilable(template: object): template is CompilableTag {
  return typeof (template as Partial<CompilableTag>).compile === 'function';
}

/** liquidjs's `evalToken` for the token kinds compiled here only through it. */
function evalTokenOf(token: Token, ctx: Context): Generator<unknown, unknown, unknown> {
  return evalToken(token, ctx) as Generator<unknown, unknown, unknown>;
}
