import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlogEngineError } from '../errors.js';
import { parseJson } from '../config.js';
import type { BuildDatabase } from './build-db.js';
import { parseFrontMatter, type FrontMatter } from './front-matter.js';
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
  /** The file's text. A file unchanged since the last build is read only when this is first called. @throws {BlogEngineError} `ERR_BLOG_IO` */
  text(): string;
  /** The content hash: the input's fingerprint. */
  fingerprint: string;
  /** Undefined when the front matter is broken (the problem is listed). */
  frontMatter: FrontMatter | undefined;
  /** The body's excerpt Markdown (before macros) and whether it calls macros; undefined when the front matter is broken. */
  body: { excerptSource: string; mentionsMacros: boolean } | undefined;
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
  problems: BlogEngineError[];
  /** Inputs added, changed or removed since the last build. */
  changedInputs: number;
}

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
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

  const docFiles = [
    ...(await listFiles(join(siteDir, 'posts'))).filter((f) => f.endsWith('.md')).map((f) => ({ source: `posts/${f}`, kind: 'post' as const })),
    ...(await listFiles(join(siteDir, 'pages'))).filter((f) => f.endsWith('.md')).map((f) => ({ source: `pages/${f}`, kind: 'page' as const })),
  ];
  // Synchronous reads: for ten thousand small files one sync call each beats four
  // thread-pool round trips each (open, stat, read, close) by a wide margin.
  // Synchronous reads: for ten thousand small files one sync call each beats four
  // thread-pool round trips each (open, stat, read, close) by a wide margin.
  // A file whose stat data is what it was when an earlier build read it (and
  // that read came well after its last change) is not read: its hash, front
  // matter and body facts come from the database, its text only if needed.
  const docs = docFiles.map(({ source, kind }): SourceDoc => {
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
    if (hit && known && known.stat === stat && !racy(ctimeNs, known.readAtMs)) {
      const fingerprint = hit.fingerprint;
      let text: string | undefined;
      return {
        source,
        kind,
        fingerprint,
        frontMatter: JSON.parse(hit.parsed) as FrontMatter,
        body: { excerptSource: known.excerptSource, mentionsMacros: known.mentionsMacros },
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
    if (!hit || hit.fingerprint !== fingerprint) changed++;
    const body = frontMatter && { excerptSource: excerptSource(text.slice(frontMatter.bodyOffset)), mentionsMacros: MacroExpander.mentions(text) };
    if (frontMatter && body) {
      const facts: InputFacts = { stat, readAtMs, ...body };
      saved.push({ path: source, fingerprint, parsed: JSON.stringify(frontMatter), facts: JSON.stringify(facts) });
    }
    return { source, kind, text: () => text, fingerprint, frontMatter, body };
  });

  const templates: Record<string, string> = {};
  const templateFiles: Record<string, string> = {};
  for (const [root, label] of [[themeDir, '@drove/blog-engine/theme/'], [siteDir, '']] as const) {
    for (const folder of ['layouts', 'includes']) {
      for (const file of await listFiles(join(root, folder))) {
        if (!file.endsWith('.liquid')) continue;
        const key = `${folder}/${file}`;
        templates[key] = await readFile(join(root, key), 'utf8');
        templateFiles[key] = `${label}${key}`;
      }
    }
  }

  const data: Record<string, unknown> = {};
  for (const file of await listFiles(join(siteDir, 'data'))) {
    if (!file.endsWith('.json') || file.includes('/')) continue;
    try {
      data[file.slice(0, -'.json'.length)] = parseJson(await readFile(join(siteDir, 'data', file), 'utf8'), `data/${file}`, 'ERR_BLOG_DATA');
    } catch (error) {
      problems.push(error as BlogEngineError);
    }
  }

  const assetsByPath = new Map<string, AssetFile>();
  for (const root of [themeDir, siteDir]) {
    for (const file of await listFiles(join(root, 'assets'))) {
      const absolute = join(root, 'assets', file);
      const { size, mtimeMs } = await stat(absolute);
      assetsByPath.set(`assets/${file}`, { path: `assets/${file}`, file: absolute, fingerprint: `${size}:${mtimeMs}` });
    }
  }

  const removed = [...cached.keys()].filter((path) => !seen.has(path));
  await db.saveInputs(saved, removed);
  return {
    docs,
    templates,
    templateFiles,
    data,
    assets: [...assetsByPath.values()],
    problems,
    changedInputs: changed + removed.length,
  };
}
