import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlogEngineError } from '../errors.js';
import type { BuildDatabase } from './build-db.js';
import { parseFrontMatter, type FrontMatter } from './front-matter.js';
import { liquidReadsSite, mentionsLiquid } from './content-liquid.js';
import { loadDataFiles } from './data-files.js';
import { excerptSource } from './excerpt-source.js';
import { hashOf } from './hash.js';
import { MacroExpander } from './macros.js';

/** The default theme that ships with the package (layouts, includes, assets). */
export const themeDir = fileURLToPath(new URL('../theme/', import.meta.url));

/** A post or page as read from disk. */
export interface SourceDoc {
  /** Relative to the site folder, with `/`. */
  source: string;
  kind: 'post' | 'page';
  /** How the body is written: Markdown (`.md`, `.markdown`, `.mdown`, `.mkd`) or HTML (`.html` with front matter). */
  format: ContentFormat;
  /** The file's text. A file unchanged since the last build is read only when this is first called. @throws {BlogEngineError} `ERR_BLOG_IO` */
  text(): string;
  /** The content hash: the input's fingerprint. */
  fingerprint: string;
  /** Undefined when the front matter is broken (the problem is listed). */
  frontMatter: FrontMatter | undefined;
  /** The body's excerpt Markdown (before macros), whether it calls macros, and its Liquid; undefined when the front matter is broken. */
  body: BodyFacts | undefined;
}

/** What the loader learns of a body once, kept in the database with the file's stat data. */
export interface BodyFacts {
  excerptSource: string;
  mentionsMacros: boolean;
  /** `none`: no Liquid; `local`: Liquid that reads the post and the site's settings; `site`: Liquid that reads other posts (`post_url`, `link`, `site.posts`). */
  liquid: 'none' | 'local' | 'site';
}

/**
 * What the database keeps of a post file besides its hash: the stat data it
 * had when read and when that was, and facts about its body, so that a file
 * whose stat is unchanged is not read again.
 */
interface InputFacts {
  /** `size:mtimeNs:ctimeNs:ino` */
  stat: string;
  /** When the file was read (ms since the epoch). */
  readAtMs: number;
  excerptSource: string;
  mentionsMacros: boolean;
  /** Absent in the facts of an engine before Liquid in content: such a file is read again. */
  liquid?: BodyFacts['liquid'];
}

/**
 * Whether a file changed so shortly before it was read that a later change in
 * the same clock tick could leave size, mtime and ctime as they were (git's
 * "racily clean" files): such a file is read again by the next build. The tick
 * is a few milliseconds where timestamps have sub-second digits (ext4, APFS,
 * NTFS), up to two seconds where they are whole seconds (HFS+, FAT).
 */
function racy(ctimeNs: bigint, readAtMs: number): boolean {
  const windowMs = ctimeNs % 1_000_000_000n === 0n ? 2000 : 100;
  return Number(ctimeNs / 1_000_000n) >= readAtMs - windowMs;
}

/** How a post's or page's body is written. */
export type ContentFormat = 'markdown' | 'html';

/** The extensions read as Markdown, as Jekyll reads them. */
export const markdownExtensions = ['.md', '.markdown', '.mdown', '.mkd'] as const;

/** The format a content file's name gives it, or undefined when it is not a post or page. */
export function contentFormatOf(file: string): ContentFormat | undefined {
  const dot = file.lastIndexOf('.');
  const extension = dot === -1 ? '' : file.slice(dot).toLowerCase();
  if ((markdownExtensions as readonly string[]).includes(extension)) return 'markdown';
  return extension === '.html' ? 'html' : undefined;
}

/** The file's name without its content extension (`posts/2020/a.de.markdown` → `posts/2020/a.de`). */
export function withoutContentExtension(file: string): string {
  return contentFormatOf(file) === undefined ? file : file.slice(0, file.lastIndexOf('.'));
}

/** Files operating systems leave in folders: never content, never worth a warning. */
const systemFiles = new Set(['Thumbs.db', 'desktop.ini', '.DS_Store']);

/** A file under `posts/` or `pages/` the build did not make a page of, and why. */
export interface SkippedFile {
  /** Relative to the site folder, with `/`. */
  file: string;
  reason: string;
}

/** The HTML excerpt of an `.html` body: what comes before `<!-- more -->`, else its first `<p>` element. */
export function htmlExcerpt(body: string): string {
  const more = /<!--\s*more\s*-->/.exec(body);
  if (more) return body.slice(0, more.index).trim();
  return /<p[\s>][\s\S]*?<\/p>/i.exec(body)?.[0] ?? '';
}

/** A file copied to the output as it is. */
export interface AssetFile {
  /** The output path (`assets/style.css`). */
  path: string;
  file: string;
  fingerprint: string;
}

/** Everything read from a site folder. */
export interface LoadedSite {
  docs: SourceDoc[];
  templates: Record<string, string>;
  templateFiles: Record<string, string>;
  data: Record<string, unknown>;
  assets: AssetFile[];
  /** Files of `static/`, copied to the output root as they are (`path` is `CNAME`, `.well-known/security.txt`). */
  statics: AssetFile[];
  /** Files under `posts/`, `pages/` and `data/` that are neither built nor ignored, with the reason. */
  skipped: SkippedFile[];
  problems: BlogEngineError[];
  /** Inputs added, changed or removed since the last build. */
  changedInputs: number;
}

/** Files under a folder, sorted, relative with `/`; hidden ones (`.name`) only with `hidden`, never the operating system's. */
async function listFiles(dir: string, hidden = false): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && (hidden || !entry.name.startsWith('.')) && !systemFiles.has(entry.name))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** Reads a file the database vouches for; a hash that no longer matches means it changed during the build. */
function readUnchanged(file: string, source: string, fingerprint: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new BlogEngineError('ERR_BLOG_IO', `could not read ${source}: ${(error as Error).message}`, { file: source, cause: error });
  }
  if (hashOf(text) !== fingerprint) throw new BlogEngineError('ERR_BLOG_IO', `${source} changed during the build: build again`, { file: source });
  return text;
}

/**
 * Reads a site folder: posts and pages (front matter parsed, or taken from the
 * database's cache when the file's content hash is unchanged; a file whose stat
 * data is unchanged is not even read), layouts and includes over the default
 * theme's, data files, and the assets to copy.
 */
export async function loadSite(siteDir: string, db: BuildDatabase): Promise<LoadedSite> {
  const problems: BlogEngineError[] = [];
  const cached = await db.inputs();
  const saved: { path: string; fingerprint: string; parsed: string; facts: string }[] = [];
  let changed = 0;
  const seen = new Set<string>();

  const skipped: SkippedFile[] = [];
  const docFiles: { source: string; kind: 'post' | 'page'; format: ContentFormat }[] = [];
  for (const [folder, kind] of [['posts', 'post'], ['pages', 'page']] as const) {
    for (const file of await listFiles(join(siteDir, folder))) {
      const source = `${folder}/${file}`;
      const format = contentFormatOf(file);
      if (format) docFiles.push({ source, kind, format });
      else skipped.push({ file: source, reason: `not a ${kind}: only ${markdownExtensions.join(', ')} and .html files with front matter are built (files to copy as they are go in static/ or assets/)` });
    }
  }
  // Synchronous reads: for ten thousand small files one sync call each beats four
  // thread-pool round trips each (open, stat, read, close) by a wide margin.
  // A file whose stat data is what it was when an earlier build read it (and
  // that read came well after its last change) is not read: its hash, front
  // matter and body facts come from the database, its text only if needed.
  const withoutFrontMatter = (source: string) =>
    skipped.push({ file: source, reason: 'an .html file without front matter: add front matter (---) to build it as a page, or put it in static/ to copy it as it is' });
  const docs: SourceDoc[] = [];
  for (const { source, kind, format } of docFiles) {
    const doc = readDoc(source, kind, format);
    // An HTML file is a page only when it has front matter (as in Jekyll); the front matter tells where the body starts.
    if (format === 'html' && doc.frontMatter?.bodyOffset === 0) withoutFrontMatter(source);
    else docs.push(doc);
  }

  function readDoc(source: string, kind: 'post' | 'page', format: ContentFormat): SourceDoc {
    const file = join(siteDir, source);
    seen.add(source);
    const hit = cached.get(source);
    const readAtMs = Date.now();
    let stat: string;
    let ctimeNs: bigint;
    try {
      const st = statSync(file, { bigint: true });
      stat = `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
      ctimeNs = st.ctimeNs;
    } catch (error) {
      throw new BlogEngineError('ERR_BLOG_IO', `could not read ${source}: ${(error as Error).message}`, { file: source, cause: error });
    }
    const known = hit?.facts ? (JSON.parse(hit.facts) as InputFacts) : undefined;
    if (hit && known && known.liquid !== undefined && known.stat === stat && !racy(ctimeNs, known.readAtMs)) {
      const fingerprint = hit.fingerprint;
      let text: string | undefined;
      return {
        source,
        kind,
        format,
        fingerprint,
        frontMatter: JSON.parse(hit.parsed) as FrontMatter,
        body: { excerptSource: known.excerptSource, mentionsMacros: known.mentionsMacros, liquid: known.liquid },
        text: () => (text ??= readUnchanged(file, source, fingerprint)),
      };
    }
    const text = readFileSync(file, 'utf8');
    const fingerprint = hashOf(text);
    let frontMatter: FrontMatter | undefined;
    if (hit && hit.fingerprint === fingerprint) frontMatter = JSON.parse(hit.parsed) as FrontMatter;
    else {
      try {
        frontMatter = parseFrontMatter(text, source);
      } catch (error) {
        problems.push(error as BlogEngineError);
      }
    }
    if (format === 'html' && frontMatter?.bodyOffset === 0) return { source, kind, format, text: () => text, fingerprint, frontMatter, body: undefined };
    if (!hit || hit.fingerprint !== fingerprint) changed++;
    const bodyText = frontMatter && text.slice(frontMatter.bodyOffset);
    const body: BodyFacts | undefined =
      bodyText !== undefined
        ? {
            excerptSource: format === 'html' ? htmlExcerpt(bodyText) : excerptSource(bodyText),
            mentionsMacros: MacroExpander.mentions(text),
            liquid: !mentionsLiquid(bodyText) ? 'none' : liquidReadsSite(bodyText) ? 'site' : 'local',
          }
        : undefined;
    if (frontMatter && body) {
      const facts: InputFacts = { stat, readAtMs, ...body };
      saved.push({ path: source, fingerprint, parsed: JSON.stringify(frontMatter), facts: JSON.stringify(facts) });
    }
    return { source, kind, format, text: () => text, fingerprint, frontMatter, body };
  }

  const templates: Record<string, string> = {};
  const templateFiles: Record<string, string> = {};
  for (const [root, label] of [[themeDir, '@drove/blog-engine/theme/'], [siteDir, '']] as const) {
    for (const folder of ['layouts', 'includes']) {
      for (const file of await listFiles(join(root, folder))) {
        // `.html` includes are Jekyll's (`{% include note.html %}` in a post's body).
        if (!file.endsWith('.liquid') && !(folder === 'includes' && file.endsWith('.html'))) continue;
        const key = `${folder}/${file}`;
        templates[key] = await readFile(join(root, key), 'utf8');
        templateFiles[key] = `${label}${key}`;
      }
    }
  }

  const dataFiles = await loadDataFiles(join(siteDir, 'data'), await listFiles(join(siteDir, 'data')), 'data', problems);
  const { data } = dataFiles;
  skipped.push(...dataFiles.skipped);

  const assetsByPath = new Map<string, AssetFile>();
  for (const root of [themeDir, siteDir]) {
    for (const file of await listFiles(join(root, 'assets'))) {
      const absolute = join(root, 'assets', file);
      const { size, mtimeMs } = await stat(absolute);
      assetsByPath.set(`assets/${file}`, { path: `assets/${file}`, file: absolute, fingerprint: `${size}:${mtimeMs}` });
    }
  }

  const statics: AssetFile[] = [];
  for (const file of await listFiles(join(siteDir, 'static'), true)) {
    const absolute = join(siteDir, 'static', file);
    const { size, mtimeMs } = await stat(absolute);
    statics.push({ path: file, file: absolute, fingerprint: `${size}:${mtimeMs}` });
  }

  const removed = [...cached.keys()].filter((path) => !seen.has(path));
  await db.saveInputs(saved, removed);
  return {
    docs,
    templates,
    templateFiles,
    data,
    assets: [...assetsByPath.values()],
    statics,
    skipped,
    problems,
    changedInputs: changed + removed.length,
  };
}
