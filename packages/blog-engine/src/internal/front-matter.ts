import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import { BlogEngineError } from '../errors.js';
import { isPlainObject } from './validate.js';

/** A file split into its front matter and its body. */
export interface FrontMatter {
  /** The parsed YAML (JSON-safe: the core schema keeps dates as strings). */
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

/**
 * Splits `---` front matter from a Markdown file and parses it.
 *
 * @throws {BlogEngineError} `ERR_BLOG_FRONT_MATTER` with the file and the line of the YAML error.
 */
export function parseFrontMatter(text: string, file: string): FrontMatter {
  const open = opening.exec(text);
  if (!open) return { data: {}, keyLines: {}, bodyLine: 1, bodyOffset: 0 };
  const rest = text.slice(open[0].length);
  const close = closing.exec(rest);
  if (!close) throw new BlogEngineError('ERR_BLOG_FRONT_MATTER', 'front matter opened with "---" is never closed', { file, line: 1 });
  const yamlText = rest.slice(0, close.index);
  const bodyOffset = open[0].length + close.index + close[0].length;
  const bodyLine = text.slice(0, bodyOffset).split('\n').length;
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

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
