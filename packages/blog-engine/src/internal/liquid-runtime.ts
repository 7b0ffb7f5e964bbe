import { Drop, toValue, toValueSync, type Context, type Emitter } from './liquid.js';

/*
 * The pieces of liquidjs's renderer that it does not export, written again for
 * the compiled renders (see LiquidCompiler): each behaves as liquidjs 10.30's
 * function or class of the same name, so a template cannot tell them apart.
 */

/** A key read from a value: a property name or an array index. */
export type Key = string | number;

/**
 * An emitter that collects a string, as liquidjs's own does when `keepOutputType`
 * is off. It keeps the pieces and joins them once: a page is hundreds of them,
 * and `+=` made a rope of cons strings that UTF-8 encoding then had to flatten.
 */
export class StringEmitter implements Emitter {
  readonly #parts: string[] = [];
  get buffer(): string {
    return this.#parts.join('');
  }
  write(html: unknown): void {
    this.#parts.push(typeof html === 'string' ? html : stringify(html));
  }
}

/** liquidjs's `stringify`: a Drop's value, nil as '', arrays joined. */
export function stringify(value: unknown): string {
  const plain = toValue(value);
  if (typeof plain === 'string') return plain;
  if (plain === null || plain === undefined) return '';
  if (Array.isArray(plain)) return plain.map(stringify).join('');
  return String(plain);
}

function isIterator(value: unknown): value is Iterator<unknown> {
  const candidate = value as { next?: unknown; throw?: unknown; return?: unknown } | null | undefined;
  return !!candidate && typeof candidate.next === 'function' && typeof candidate.throw === 'function' && typeof candidate.return === 'function';
}

/** What liquidjs's `yield x` resumes with: an iterator run to its value, anything else as it is. */
export function settle(value: unknown): unknown {
  return isIterator(value) ? toValueSync(value as Generator<unknown, unknown, unknown>) : value;
}

export function createScope(from?: Record<string, unknown>): Record<string, unknown> {
  const scope = Object.create(null) as Record<string, unknown>;
  if (from) Object.assign(scope, from);
  return scope;
}

/** liquidjs's `toEnumerable`, what `{% for %}` iterates. */
export function toEnumerable(value: unknown): unknown[] {
  const plain = toValue(value);
  if (Array.isArray(plain)) return plain;
  if (typeof plain === 'string') return plain.length > 0 ? [plain] : [];
  if (plain !== null && (typeof plain === 'object' || typeof plain === 'function')) {
    if (Symbol.iterator in plain) return Array.from(plain as Iterable<unknown>);
    return Object.keys(plain).map((key) => [key, (plain as Record<string, unknown>)[key]]);
  }
  return [];
}

/** `forloop` inside `{% for %}`: the same fields, methods and JSON as liquidjs's own. */
export class ForloopDrop extends Drop {
  i = 0;
  readonly length: number;
  readonly name: string;
  constructor(length: number, collection: string, variable: string) {
    super();
    this.length = length;
    this.name = `${variable}-${collection}`;
  }
  next(): void {
    this.i++;
  }
  index0(): number {
    return this.i;
  }
  index(): number {
    return this.i + 1;
  }
  first(): boolean {
    return this.i === 0;
  }
  last(): boolean {
    return this.i === this.length - 1;
  }
  rindex(): number {
    return this.length - this.i;
  }
  rindex0(): number {
    return this.length - this.i - 1;
  }
  override valueOf(): string {
    return JSON.stringify(this);
  }
}

export type BlockRender = (superBlock: BlockDrop, emitter: Emitter) => unknown;

/** `block` inside `{% block %}`: `{{ block.super }}` renders the layout's own block. */
export class BlockDrop extends Drop {
  readonly #superBlockRender: (emitter: Emitter) => unknown;
  constructor(superBlockRender: (emitter: Emitter) => unknown = () => '') {
    super();
    this.#superBlockRender = superBlockRender;
  }
  super(): string {
    const emitter = new StringEmitter();
    settle(this.#superBlockRender(emitter));
    return emitter.buffer;
  }
}

/** The scope a variable is read from: the innermost that has it, else the render's environment, else the globals. */
export function findScope(ctx: Context, key: unknown): unknown {
  return (ctx as unknown as { findScope(key: unknown): unknown }).findScope(key);
}

/** liquidjs's `_getFromScope`: each key read in turn (a Drop's method called, `size`, `first`, `last`). */
export function readPath(ctx: Context, from: unknown, path: readonly Key[]): unknown {
  let value = from;
  for (const key of path) {
    value = settle(ctx.readProperty(value as object, key));
    // liquidjs names the variable in its own error: the page is rendered again by it.
    if (value === undefined && ctx.strictVariables) throw new Error(`undefined variable: ${path.join('.')}`);
  }
  return value;
}

/** `offset`, `limit` and `reversed` of `{% for %}`, in the order liquidjs applies them. */
export function applyModifiers(collection: unknown[], args: Record<string, unknown>, ordered: boolean | undefined): unknown[] {
  const all = ['offset', 'limit', 'reversed'];
  const modifiers = ordered ? Object.keys(args).filter((name) => all.includes(name)) : all.filter((name) => args[name] !== undefined);
  return modifiers.reduce((items, modifier) => {
    if (modifier === 'offset') return items.slice(args['offset'] as number);
    if (modifier === 'limit') return items.slice(0, args['limit'] as number);
    return [...items].reverse();
  }, collection);
}
