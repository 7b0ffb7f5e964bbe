import { parseJson } from '../config.js';
import { BlogEngineError } from '../errors.js';
import { tomlModule, yamlModule } from './lazy-modules.js';
import { isPlainObject } from './validate.js';

/** A file split into its front matter and its body. */
export interface FrontMatter {
  /** The parsed front matter, JSON-safe (YAML's core schema keeps dates as strings; TOML dates become ISO strings). */
  data: Record<string, unknown>;
  /** The 1-based line of each top-level key, for error messages. */
  keyLines: Record<string, number>;
  /** The 1-based line where the body starts. */
  bodyLine: number;
  /** The character offset where the body starts. */
  bodyOffset: number;
}

const opening = /^---[ \t]*\r?\n/;
const closing = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/m;
const tomlOpening = /^\+\+\+[ \t]*\r?\n/;
const tomlClosing = /^\+\+\+[ \t]*(?:\r?\n|$)/m;

/**
 * Splits front matter from a post or page and parses it: YAML between `---`
 * lines (Jekyll, Eleventy, Hugo), TOML between `+++` lines (Hugo), or a JSON
 * object at the very start of the file (Hugo).
 *
 * @throws {BlogEngineError} `ERR_BLOG_FRONT_MATTER` with the file and the line of the error.
 */
export function parseFrontMatter(text: string, file: string): FrontMatter {
  if (text.startsWith('+++')) return parseTomlFrontMatter(text, file);
  // `{"` (or `{}`), so that a body opening with `{% … %}` or `{{< … >}}` is not taken for JSON.
  if (/^\{\s*["}]/.test(text)) return parseJsonFrontMatter(text, file);
  const open = opening.exec(text);
  if (!open) return { data: {}, keyLines: {}, bodyLine: 1, bodyOffset: 0 };
  const rest = text.slice(open[0].length);
  const close = closing.exec(rest);
  if (!close) throw new BlogEngineError('ERR_BLOG_FRONT_MATTER', 'front matter opened with "---" is never closed', { file, line: 1 });
  const yamlText = rest.slice(0, close.index);
  const bodyOffset = open[0].length + close.index + close[0].length;
  const bodyLine = text.slice(0, bodyOffset).split('\n').length;
  const simple = parseSimpleYaml(yamlText);
  if (simple) return { ...simple, bodyLine, bodyOffset };
  const { LineCounter, parseDocument, isMap, isScalar } = yamlModule();
  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = document.errors[0];
  if (error) {
    const at = lineCounter.linePos(error.pos[0]);
    throw new BlogEngineError('ERR_BLOG_FRONT_MATTER', `invalid YAML: ${firstLine(error.message)}`, {
      file,
      line: at.line + 1,
      column: at.col,
    });
  }
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) return { data: {}, keyLines: {}, bodyLine, bodyOffset };
  if (!isPlainObject(data)) throw new BlogEngineError('ERR_BLOG_FRONT_MATTER', 'front matter must be a YAML mapping (key: value)', { file, line: 2 });
  const keyLines: Record<string, number> = {};
  if (isMap(document.contents)) {
    for (const item of document.contents.items) {
      if (isScalar(item.key) && item.key.range) keyLines[String(item.key.value)] = lineCounter.linePos(item.key.range[0]).line + 1;
    }
  }
  return { data, keyLines, bodyLine, bodyOffset };
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Makes parsed front matter JSON-safe (dates become ISO strings, as the database stores them) and checks it is a mapping. */
function plainData(data: unknown, file: string, what: string): Record<string, unknown> {
  const plain: unknown = JSON.parse(JSON.stringify(data ?? {}));
  if (!isPlainObject(plain)) throw new BlogEngineError('ERR_BLOG_FRONT_MATTER', `front matter must be ${what}`, { file, line: 1 });
  return plain;
}

/** The line of each top-level key (matched by `pattern`) between `start` and `end`, up to the first line `stopAt` matches (a TOML table). */
function topLevelKeyLines(text: string, start: number, end: number, data: Record<string, unknown>, pattern: RegExp, stopAt?: RegExp): Record<string, number> {
  const keyLines: Record<string, number> = {};
  const lines = text.slice(start, end).split('\n');
  const first = lineAt(text, start);
  for (const [index, line] of lines.entries()) {
    if (stopAt?.test(line)) break;
    const key = pattern.exec(line)?.[1]?.replace(/^"(.*)"$/, '$1');
    if (key !== undefined && Object.hasOwn(data, key) && keyLines[key] === undefined) keyLines[key] = first + index;
  }
  return keyLines;
}

/** `+++` TOML `+++` front matter. */
function parseTomlFrontMatter(text: string, file: string): FrontMatter {
  const open = tomlOpening.exec(text);
  if (!open) throw new BlogEngineError('ERR_BLOG_FRONT_MATTER', 'TOML front matter must open with a line holding only "+++"', { file, line: 1 });
  const rest = text.slice(open[0].length);
  const close = tomlClosing.exec(rest);
  if (!close) throw new BlogEngineError('ERR_BLOG_FRONT_MATTER', 'front matter opened with "+++" is never closed', { file, line: 1 });
  const tomlText = rest.slice(0, close.index);
  let parsed: unknown;
  const { parse: parseToml, TomlError } = tomlModule();
  try {
    parsed = parseToml(tomlText);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    throw new BlogEngineError('ERR_BLOG_FRONT_MATTER', `invalid TOML: ${error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`, {
      file,
      line: error.line + 1,
      column: error.column,
    });
  }
  const data = plainData(parsed, file, 'a TOML table');
  const bodyOffset = open[0].length + close.index + close[0].length;
  const keyLines = topLevelKeyLines(text, open[0].length, open[0].length + close.index, data, /^\s*([A-Za-z0-9_-]+|"[^"]*")\s*=/, /^\s*\[/);
  return { data, keyLines, bodyLine: lineAt(text, bodyOffset), bodyOffset };
}

/** A JSON object at the start of the file (Hugo's JSON front matter): it ends at the brace that closes it. */
function parseJsonFrontMatter(text: string, file: string): FrontMatter {
  let depth = 0;
  let inString = false;
  let end = -1;
  for (let i = 0; i < text.length && end === -1; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) end = i + 1;
  }
  if (end === -1) throw new BlogEngineError('ERR_BLOG_FRONT_MATTER', 'JSON front matter opened with "{" is never closed', { file, line: 1 });
  const parsed = parseJson(text.slice(0, end), file, 'ERR_BLOG_FRONT_MATTER');
  const data = plainData(parsed, file, 'a JSON object');
  const newline = /^[ \t]*\r?\n/.exec(text.slice(end));
  const bodyOffset = end + (newline ? newline[0].length : 0);
  const keyLines = topLevelKeyLines(text, 0, end, data, /^\s*"((?:[^"\\]|\\.)*)"\s*:/);
  return { data, keyLines, bodyLine: lineAt(text, bodyOffset), bodyOffset };
}

const simpleKey = /^([A-Za-z][A-Za-z0-9_]*):(?: +(.*?))? *$/;
const quoted = /^"([^"\\]*)"$/;
const word = /^[A-Za-z][A-Za-z0-9_-]*$/;
const phrase = /^[A-Za-z][A-Za-z0-9 ,.()_-]*[A-Za-z0-9).]$|^[A-Za-z]$/;
const dateLike = /^\d{4}-\d{2}-\d{2}(?:(?: |T)\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;
/** Plain words the YAML core schema reads as something other than a string. */
const special = /^(?:true|false|null|True|False|Null|TRUE|FALSE|NULL|y|n|yes|no|on|off)$/i;
const blockItem = /^( *)- (.*?) *$/;

/** A list item or value the fast path reads as the string it is: quoted without escapes, a word or a phrase. */
function plainString(raw: string): string | undefined {
  const string = quoted.exec(raw);
  if (string) return string[1];
  return phrase.test(raw) && !special.test(raw) ? raw : undefined;
}

/**
 * Front matter of the common shape (one `key: value` per line: double-quoted
 * strings without escapes, plain words and phrases, dates and ISO timestamps,
 * `true`/`false`, flow lists of plain words, block lists (`tags:` then `  - name`
 * lines) of plain strings) read without the YAML parser, which costs about 80 µs
 * a file. Returns undefined for anything else (comments, escapes, numbers,
 * nesting, repeated keys…): the YAML parser then reads it, so results and errors
 * are exactly the parser's (a test compares the two).
 */
export function parseSimpleYaml(text: string): Pick<FrontMatter, 'data' | 'keyLines'> | undefined {
  const data: Record<string, unknown> = {};
  const keyLines: Record<string, number> = {};
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let index = 0; index < lines.length; index++) {
    const match = simpleKey.exec(lines[index]!);
    if (!match) return undefined;
    // The line in the file: front matter starts on line 2, after `---`.
    const keyLine = index + 2;
    const key = match[1]!;
    const raw = match[2];
    if (Object.hasOwn(data, key)) return undefined;
    let value: unknown;
    if (raw === undefined) {
      // A block list: `key:` then `- item` lines, all at one indentation.
      const items: string[] = [];
      let indent: string | undefined;
      for (let next = blockItem.exec(lines[index + 1] ?? ''); next; next = blockItem.exec(lines[index + 1] ?? '')) {
        if (indent !== undefined && next[1] !== indent) return undefined;
        indent = next[1]!;
        const item = plainString(next[2]!);
        if (item === undefined) return undefined;
        items.push(item);
        index++;
      }
      if (items.length === 0) return undefined;
      value = items;
    } else if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (raw.startsWith('[') && raw.endsWith(']')) {
      const items = raw.slice(1, -1).split(',').map((item) => item.trim());
      if (items.some((item) => !word.test(item) || special.test(item))) return undefined;
      value = items;
    } else if (dateLike.test(raw)) value = raw;
    else {
      value = plainString(raw);
      if (value === undefined) return undefined;
    }
    data[key] = value;
    keyLines[key] = keyLine;
  }
  return lines.length === 0 ? undefined : { data, keyLines };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
