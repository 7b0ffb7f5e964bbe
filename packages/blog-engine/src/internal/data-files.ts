import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BlogEngineError } from '../errors.js';
import { parseJson } from '../config.js';
import { csvModule, tomlModule, yamlModule } from './lazy-modules.js';
import { isPlainObject } from './validate.js';

/** The data file extensions read, as Jekyll's `_data` and Hugo's `data/` read them. */
export const dataExtensions = ['.json', '.yml', '.yaml', '.toml', '.csv', '.tsv'] as const;

/** The extension of a data file, or undefined for any other file. */
function dataExtensionOf(file: string): (typeof dataExtensions)[number] | undefined {
  const dot = file.lastIndexOf('.');
  const extension = dot === -1 ? '' : file.slice(dot).toLowerCase();
  return (dataExtensions as readonly string[]).includes(extension) ? (extension as (typeof dataExtensions)[number]) : undefined;
}

/** A data file's text as a value; `file` (relative to the site) names it in errors. @throws {BlogEngineError} `ERR_BLOG_DATA` */
export function parseDataFile(text: string, file: string): unknown {
  switch (dataExtensionOf(file)) {
    case '.json':
      return parseJson(text, file, 'ERR_BLOG_DATA');
    case '.yml':
    case '.yaml': {
      const { LineCounter, parseDocument } = yamlModule();
      const lineCounter = new LineCounter();
      const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
      const error = document.errors[0];
      if (error) {
        const at = lineCounter.linePos(error.pos[0]);
        throw new BlogEngineError('ERR_BLOG_DATA', `invalid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, { file, line: at.line, column: at.col });
      }
      return jsonSafe(document.toJS({ maxAliasCount: 100 }));
    }
    case '.toml': {
      const { parse: parseToml, TomlError } = tomlModule();
      try {
        return jsonSafe(parseToml(text));
      } catch (error) {
        if (!(error instanceof TomlError)) throw error;
        throw new BlogEngineError('ERR_BLOG_DATA', `invalid TOML: ${error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`, { file, line: error.line, column: error.column });
      }
    }
    case '.csv':
    case '.tsv': {
      // As Jekyll reads them: the first row names the columns, each other row is an object of strings.
      const { parse: parseCsv, CsvError } = csvModule();
      try {
        const rows: unknown = parseCsv(text, { columns: true, delimiter: file.endsWith('.tsv') ? '\t' : ',', bom: true, skip_empty_lines: true, relax_column_count: false });
        return rows;
      } catch (error) {
        if (!(error instanceof CsvError)) throw error;
        const line = (error as { lines?: number }).lines;
        throw new BlogEngineError('ERR_BLOG_DATA', `invalid ${file.endsWith('.tsv') ? 'TSV' : 'CSV'}: ${error.message}`, { file, ...(line === undefined ? {} : { line }) });
      }
    }
    case undefined:
      throw new BlogEngineError('ERR_BLOG_DATA', `not a data file (known: ${dataExtensions.join(', ')})`, { file });
  }
}

/** Dates (TOML, YAML timestamps) become ISO strings, as JSON would hold them. */
function jsonSafe(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

/**
 * Reads every data file under `dir` (given as `files`, relative with `/`) into
 * one tree: `authors/jane.yml` becomes `data.authors.jane`, as Jekyll's `_data`
 * does. Two files for one name (`a.json` and `a.yml`), or a file and a folder
 * of one name, are problems, never a silent pick; other files are listed as skipped.
 */
export async function loadDataFiles(
  dir: string,
  files: string[],
  label: string,
  problems: BlogEngineError[],
): Promise<{ data: Record<string, unknown>; skipped: { file: string; reason: string }[] }> {
  const data: Record<string, unknown> = {};
  const skipped: { file: string; reason: string }[] = [];
  const origins = new Map<string, string>();
  for (const file of files) {
    const source = `${label}/${file}`;
    const extension = dataExtensionOf(file);
    if (extension === undefined) {
      skipped.push({ file: source, reason: `not a data file: only ${dataExtensions.join(', ')} files are read` });
      continue;
    }
    const path = file.slice(0, -extension.length).split('/');
    if (path.some((part) => part === '' || part === '__proto__' || part === 'constructor' || part === 'prototype')) {
      problems.push(new BlogEngineError('ERR_BLOG_DATA', 'a data file or folder cannot be named `__proto__`, `constructor` or `prototype`, or have an empty name: rename it', { file: source }));
      continue;
    }
    let value: unknown;
    try {
      value = parseDataFile(await readFile(join(dir, file), 'utf8'), source);
    } catch (error) {
      problems.push(error as BlogEngineError);
      continue;
    }
    let node = data;
    let clash: string | undefined;
    for (const [depth, part] of path.entries()) {
      const key = path.slice(0, depth + 1).join('.');
      if (depth === path.length - 1) {
        if (Object.hasOwn(node, part)) clash = origins.get(key) ?? `the folder ${label}/${path.slice(0, depth + 1).join('/')}/`;
        else {
          node[part] = value;
          origins.set(key, source);
        }
        break;
      }
      const next = node[part];
      if (next === undefined) {
        const folder: Record<string, unknown> = {};
        node[part] = folder;
        node = folder;
      } else if (isPlainObject(next) && !origins.has(key)) node = next;
      else {
        clash = origins.get(key) ?? key;
        break;
      }
    }
    if (clash !== undefined) {
      problems.push(new BlogEngineError('ERR_BLOG_DATA', `site.data.${path.join('.')} is given twice: by ${source} and by ${clash} (rename one)`, { file: source }));
    }
  }
  return { data, skipped };
}
