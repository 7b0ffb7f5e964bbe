import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, type BigIntStats, type Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlogEngineError } from '../errors.js';
import type { BuildDatabase, InputRow } from './build-db.js';
import { parseFrontMatter, type FrontMatter } from './front-matter.js';
import { liquidReadsSite, mentionsLiquid, unknownLiquidTags } from './content-liquid.js';
import { contentFormatOf, sortSiteFiles, type ContentFile, type ContentFormat, type FolderLayout } from './content-sources.js';
import { loadDataFiles } from './data-files.js';
import { excerptSource } from './excerpt-source.js';
import { hashOf } from './hash.js';
import { MacroExpander } from './macros.js';
import { fileNameDate, publishingDates, type PublishingDates } from './publishing.js';
import type { ChangeSet } from './change-log.js';
import type { WarmDoc, WarmState } from './warm-state.js';

/** The default theme that ships with the package (layouts, includes, assets). */
export const themeDir = fileURLToPath(new URL('../theme/', import.meta.url));

/** A post or page as read from disk. */
export interface SourceDoc {
  /** Relative to the site folder, with `/`. */
  source: string;
  kind: 'post' | 'page';
  /** The path its slug and language suffix come from, the section it is in, whether it is a Jekyll draft, and its bundle's folder (see {@link ContentFile}). */
  name: string;
  section: string;
  draftFolder: boolean;
  bundle: string | undefined;
  /** When the file was last modified (ISO), for a Jekyll draft (`_drafts/`), which it dates when it has no date; '' for any other file. */
  modified: string;
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
  /** Liquid tags the engine does not have (a Jekyll plugin's), with the line in the body of their first use. */
  unknownTags: { name: string; line: number }[];
}

/**
 * What the database keeps of a post file besides its hash: a head (the stat
 * data it had when read, when that was, its publishing dates), so that a file
 * whose stat is unchanged is not read again, and facts about its body.
 *
 * The version of what the loader keeps of a file (its head, facts and parsed
 * front matter). An engine that reads files differently (TOML front matter, Liquid
 * facts) raises it, so that a file an older engine read is read again, not
 * taken from the database as that engine understood it.
 */
const factsVersion = 3;

/** A post's {@link PublishingDates} as the database keeps them: milliseconds since the epoch, null for none. */
interface StoredDates {
  unpublished: boolean;
  due: number | null;
  expires: number | null;
}

/** What a build checks of a file before it trusts it, kept apart from the rest so that it reads fast (`inputs.head`). */
interface InputHead {
  /** `size:mtimeNs:ctimeNs:ino` */
  stat: string;
  /** When the file was read (ms since the epoch). */
  readAtMs: number;
  /** The publishing dates its front matter and file name give: a build that finds nothing changed needs no more of it. */
  dates: StoredDates;
  /** {@link factsVersion} when it was saved: a head, facts and parsed front matter of another version are made again. */
  version: number;
}

/** What the loader learned of a body (`inputs.facts`). */
interface InputFacts extends BodyFacts {
  version: number;
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

/** {@link racy} from a plain stat's milliseconds. */
function racyMs(ctimeMs: number, readAtMs: number): boolean {
  const windowMs = ctimeMs % 1000 === 0 ? 2000 : 100;
  return ctimeMs >= readAtMs - windowMs;
}

/** A file's size, times and inode as a plain stat gives them, from its BigInt stat (Node's own sum for the times). */
function quickStat(st: BigIntStats): WarmDoc['quick'] {
  const ms = (ns: bigint) => Number(ns / 1_000_000_000n) * 1000 + Number(ns % 1_000_000_000n) / 1e6;
  return { size: Number(st.size), mtimeMs: ms(st.mtimeNs), ctimeMs: ms(st.ctimeNs), ino: Number(st.ino) };
}

export { contentFormatOf, markdownExtensions, withoutContentExtension, type ContentFormat } from './content-sources.js';

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
  /** Files copied to the output root as they are (`path` is `CNAME`, `.well-known/security.txt`): `static/`, or a Jekyll site's plain files. */
  statics: (AssetFile & { source: string })[];
  /** Files of page bundles (Hugo's `content/posts/my-post/photo.jpg`), copied next to their post's page. */
  resources: (AssetFile & { bundle: string; source: string })[];
  /** Files under `posts/`, `pages/` and `data/` that are neither built nor ignored, with the reason. */
  skipped: SkippedFile[];
  problems: BlogEngineError[];
  /** Inputs added, changed or removed since the last build. */
  changedInputs: number;
  /** The publishing dates of a post or page whose front matter is good (undefined otherwise), computed once. */
  publishing(doc: SourceDoc): PublishingDates | undefined;
  /**
   * Fills in the front matter and body facts of the files a `shallow` load trusted by their stat data alone (one
   * database query): until then those docs have only their place, fingerprint, text and publishing dates, and
   * their `frontMatter` and `body` are undefined. A no-op for a load that was not shallow; call it once.
   */
  complete(): Promise<void>;
  /**
   * Saves what was learned of changed files in the database, for the next build (and in `warm`): left to the
   * caller, which does it while workers render. A build that never calls it only makes the next one read more.
   */
  saveInputs: () => Promise<void>;
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

/** Folders never read as a site's content, wherever they are: tooling, caches and version control. */
export const toolFolders = new Set(['node_modules', '.git', '.hg', '.svn', '.jekyll-cache', '.sass-cache', '.bundle', 'vendor']);

/**
 * The site's files a layout reads, relative with `/`: the drove layout's
 * folders, Hugo's `content/`, `static/` and `data/`, or a Jekyll site's whole
 * tree (hidden files and tool folders left out, and `skip`: the output and cache
 * folders). Hidden files are kept under `static/`, where `.well-known/` lives.
 */
async function siteFiles(siteDir: string, layout: FolderLayout, skip: (string | undefined)[], exclude: string[]): Promise<string[]> {
  const roots = layout === 'drove' ? ['posts', 'pages', 'static'] : layout === 'hugo' ? ['content', 'static'] : [''];
  const skipped = new Set(skip.filter((dir): dir is string => dir !== undefined));
  const excluded = excludeMatcher(exclude);
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(siteDir, dir), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      const hidden = entry.name.startsWith('.') && !path.startsWith('static/');
      if (hidden || systemFiles.has(entry.name) || skipped.has(path) || excluded(path)) continue;
      if (entry.isDirectory()) {
        if (!toolFolders.has(entry.name)) await walk(path);
      } else if (entry.isFile()) files.push(path);
    }
  };
  for (const root of roots) await walk(root);
  return files.sort();
}

/** Whether a site-relative path is one of `patterns` (the config's `exclude`), or inside one. */
export function excludeMatcher(patterns: string[]): (path: string) => boolean {
  if (patterns.length === 0) return () => false;
  const expressions = patterns.map((pattern) => {
    const body = pattern
      .replace(/\/+$/, '')
      .split(/(\*\*\/?|\*)/)
      .map((part) => (part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return new RegExp(`^${body}$`);
  });
  return (path) => expressions.some((expression) => expression.test(path));
}

/** Whether a file opens with front matter (`---`, or Hugo's `+++`). */
function hasFrontMatter(file: string): boolean {
  const head = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const read = readSync(fd, head, 0, 4, 0);
    return /^(?:---|\+\+\+)\s/.test(head.subarray(0, read).toString('latin1'));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether a doc loaded earlier was found where `content` is found now: same kind, format, name, section, draft folder and bundle. */
function sameShape(doc: SourceDoc, content: ContentFile, format: ContentFormat): boolean {
  return doc.kind === content.kind && doc.format === format && doc.name === content.name && doc.section === content.section && doc.draftFolder === content.draft && doc.bundle === content.bundle;
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

/** Where {@link loadSite} looks, and whether it may be shallow. */
export interface LoadOptions {
  folders: FolderLayout;
  outDir: string;
  cacheDir: string;
  exclude: string[];
  /**
   * Without `warm`: a file whose stat data the database vouches for gets its front matter and body facts only
   * from {@link LoadedSite.complete}, so a build that finds nothing changed reads no more than the inputs' heads.
   */
  shallow?: boolean;
}

/** What the database says of an input whose head is of this engine's version. */
interface KnownInput {
  fingerprint: string;
  head: InputHead;
  /** Its whole row, when the load read whole rows (it is not shallow). */
  row?: InputRow;
}

function storedDates(dates: PublishingDates): StoredDates {
  return { unpublished: dates.unpublished, due: dates.due?.getTime() ?? null, expires: dates.expires?.getTime() ?? null };
}

function datesFromStore(dates: StoredDates): PublishingDates {
  return { unpublished: dates.unpublished, due: dates.due === null ? undefined : new Date(dates.due), expires: dates.expires === null ? undefined : new Date(dates.expires) };
}

/** A row's body facts, when they are of this engine's version. */
function factsOf(row: InputRow): InputFacts | undefined {
  const facts = row.facts ? (JSON.parse(row.facts) as Partial<InputFacts>) : undefined;
  return facts?.version === factsVersion ? (facts as InputFacts) : undefined;
}

function bodyOf(facts: InputFacts): BodyFacts {
  return { excerptSource: facts.excerptSource, mentionsMacros: facts.mentionsMacros, liquid: facts.liquid, unknownTags: facts.unknownTags };
}

/** What a body is found to hold, once: its excerpt's source, whether it calls macros, its Liquid. */
function bodyFactsOf(text: string, bodyText: string, format: ContentFormat): BodyFacts {
  const liquid = mentionsLiquid(bodyText);
  return {
    excerptSource: format === 'html' ? htmlExcerpt(bodyText) : format === 'text' ? '' : excerptSource(bodyText),
    mentionsMacros: MacroExpander.mentions(text),
    liquid: !liquid ? 'none' : liquidReadsSite(bodyText) ? 'site' : 'local',
    unknownTags: liquid ? unknownLiquidTags(bodyText) : [],
  };
}

/**
 * Reads a site folder: posts and pages (front matter parsed, or taken from the
 * database's cache when the file's content hash is unchanged; a file whose stat
 * data is unchanged is not even read), layouts and includes over the default
 * theme's, data files, and the assets to copy. With `warm` (kept by the caller
 * between builds), a file whose stat data is unchanged is the same object as
 * last time, and the database's inputs are not read again; with its change log
 * (a watcher's), a file no event named is not even stated.
 */
export async function loadSite(
  siteDir: string,
  db: BuildDatabase,
  options: LoadOptions = { folders: 'drove', outDir: '_site', cacheDir: '.drove-cache', exclude: [] },
  warm?: WarmState,
): Promise<LoadedSite> {
  // What a watcher saw since the last build (in `serve`); a load that fails makes the next one check every file.
  const changes = warm?.changes?.take();
  try {
    return await loadFiles(siteDir, db, options, warm, changes);
  } catch (error) {
    warm?.changes?.lost();
    throw error;
  }
}

async function loadFiles(
  siteDir: string,
  db: BuildDatabase,
  options: LoadOptions,
  warm: WarmState | undefined,
  changes: ChangeSet | undefined,
): Promise<LoadedSite> {
  const problems: BlogEngineError[] = [];
  // A shallow load reads the inputs' heads only; the front matter and facts of the files they vouch for wait for `complete()`.
  const heads = options.shallow === true && warm === undefined ? await db.inputHeads() : undefined;
  const cached = heads ? undefined : (warm?.inputs ?? (await db.inputs()));
  const knownInput = (source: string): KnownInput | undefined => {
    const row = cached?.get(source);
    const fields = heads?.get(source) ?? row;
    const head = fields?.head ? (JSON.parse(fields.head) as Partial<InputHead>) : undefined;
    if (!fields || head?.version !== factsVersion) return undefined;
    return { fingerprint: fields.fingerprint, head: head as InputHead, row };
  };
  // Docs a shallow load trusted, waiting for their front matter and body facts; the publishing dates of every doc.
  const pending: SourceDoc[] = [];
  const dates = new Map<SourceDoc, PublishingDates>();
  const saved: { path: string; fingerprint: string; parsed: string; facts: string; head: string }[] = [];
  let changed = 0;
  const seen = new Set<string>();

  const inside = (dir: string) => {
    const path = relative(siteDir, resolve(siteDir, dir)).split(sep).join('/');
    return path === '' || path.startsWith('..') ? undefined : path;
  };
  const folders = sortSiteFiles(options.folders, await siteFiles(siteDir, options.folders, [inside(options.outDir), inside(options.cacheDir)], options.exclude), (file) => hasFrontMatter(join(siteDir, file)), inside(options.outDir));
  const skipped: SkippedFile[] = [...folders.skipped];
  const docFiles = folders.posts;
  // Synchronous reads: for ten thousand small files one sync call each beats four
  // thread-pool round trips each (open, stat, read, close) by a wide margin.
  // A file whose stat data is what it was when an earlier build read it (and
  // that read came well after its last change) is not read: its hash, front
  // matter and body facts come from the database, its text only if needed.
  const withoutFrontMatter = (source: string) =>
    skipped.push({ file: source, reason: 'an .html file without front matter: add front matter (---) to build it as a page, or put it in static/ to copy it as it is' });
  const docs: SourceDoc[] = [];
  // What `warm` will hold of the docs after this build: the files seen now, each once its front matter is good.
  const warmDocs = new Map<string, WarmDoc>();
  for (const content of docFiles) {
    const format = content.format ?? contentFormatOf(content.source)!;
    const doc = readDoc(content, format);
    // An HTML file is a page only when it has front matter (as in Jekyll); the front matter tells where the body starts.
    if (format === 'html' && doc.frontMatter?.bodyOffset === 0) withoutFrontMatter(content.source);
    else docs.push(doc);
  }

  function readDoc(content: ContentFile, format: ContentFormat): SourceDoc {
    const { source, kind } = content;
    // `source` is a relative path this loader listed (no `..`, no empty segment): no need to normalize it.
    const file = `${siteDir}${sep}${source}`;
    seen.add(source);
    const readAtMs = Date.now();
    const last = warm?.docs.get(source);
    if (last && sameShape(last.doc, content, format)) {
      // A watched site's file that no event named since it was last checked is as it was: not even stated.
      if (changes && !changes.mayHaveChanged(source)) {
        warmDocs.set(source, last);
        return last.doc;
      }
      // The warm check compares a plain stat's numbers (no BigInts, no string): what it cannot tell apart, a change
      // within the same fraction of a microsecond, is a change after the last read, which `racy` sends to be read.
      let quick: Stats;
      try {
        quick = statSync(file);
      } catch (error) {
        throw new BlogEngineError('ERR_BLOG_IO', `could not read ${source}: ${(error as Error).message}`, { file: source, cause: error });
      }
      const known = last.quick;
      if (quick.size === known.size && quick.mtimeMs === known.mtimeMs && quick.ctimeMs === known.ctimeMs && quick.ino === known.ino && !racyMs(quick.ctimeMs, last.readAtMs)) {
        warmDocs.set(source, last);
        return last.doc;
      }
    }
    let st: BigIntStats;
    try {
      st = statSync(file, { bigint: true });
    } catch (error) {
      throw new BlogEngineError('ERR_BLOG_IO', `could not read ${source}: ${(error as Error).message}`, { file: source, cause: error });
    }
    const stat = `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
    const ctimeNs = st.ctimeNs;
    const modified = content.draft ? new Date(Number(st.mtimeNs / 1_000_000n)).toISOString() : '';
    const where = { name: content.name, section: content.section, draftFolder: content.draft, bundle: content.bundle, modified };
    const known = knownInput(source);
    const keep = (doc: SourceDoc, readAt: number): SourceDoc => {
      if (warm && doc.frontMatter) warmDocs.set(source, { quick: quickStat(st), readAtMs: readAt, doc });
      return doc;
    };
    const facts = known?.row && factsOf(known.row);
    if (known && known.head.stat === stat && !racy(ctimeNs, known.head.readAtMs) && (facts || !known.row)) {
      const { fingerprint, row } = known;
      let text: string | undefined;
      const doc: SourceDoc = {
        source,
        kind,
        ...where,
        format,
        fingerprint,
        frontMatter: row && (JSON.parse(row.parsed) as FrontMatter),
        body: facts && bodyOf(facts),
        text: () => (text ??= readUnchanged(file, source, fingerprint)),
      };
      if (!row) pending.push(doc);
      dates.set(doc, datesFromStore(known.head.dates));
      return keep(doc, known.head.readAtMs);
    }
    const text = readFileSync(file, 'utf8');
    const fingerprint = hashOf(text);
    let frontMatter: FrontMatter | undefined;
    if (facts && known.fingerprint === fingerprint) frontMatter = JSON.parse(known.row!.parsed) as FrontMatter;
    else {
      try {
        frontMatter = parseFrontMatter(text, source);
      } catch (error) {
        problems.push(error as BlogEngineError);
      }
    }
    if (format === 'html' && frontMatter?.bodyOffset === 0) return keep({ source, kind, ...where, format, text: () => text, fingerprint, frontMatter, body: undefined }, readAtMs);
    if ((heads?.get(source) ?? cached?.get(source))?.fingerprint !== fingerprint) changed++;
    const body = frontMatter && bodyFactsOf(text, text.slice(frontMatter.bodyOffset), format);
    if (frontMatter && body) {
      const head: InputHead = { stat, readAtMs, dates: storedDates(publishingDates(frontMatter.data, fileNameDate(source))), version: factsVersion };
      const facts: InputFacts = { ...body, version: factsVersion };
      saved.push({ path: source, fingerprint, parsed: JSON.stringify(frontMatter), facts: JSON.stringify(facts), head: JSON.stringify(head) });
    }
    return keep({ source, kind, ...where, format, text: () => text, fingerprint, frontMatter, body }, readAtMs);
  }

  /** The front matter and body facts of the docs a shallow load trusted: from the database, or (should its row be gone) from the file. */
  const complete = async (): Promise<void> => {
    if (pending.length === 0) return;
    const rows = await db.inputs();
    for (const doc of pending.splice(0)) {
      const row = rows.get(doc.source);
      const facts = row && row.fingerprint === doc.fingerprint ? factsOf(row) : undefined;
      if (row && facts) {
        doc.frontMatter = JSON.parse(row.parsed) as FrontMatter;
        doc.body = bodyOf(facts);
      } else {
        // Another program changed the database since the heads were read: the file (its hash checked) tells.
        const text = doc.text();
        doc.frontMatter = parseFrontMatter(text, doc.source);
        doc.body = bodyFactsOf(text, text.slice(doc.frontMatter.bodyOffset), doc.format);
      }
    }
  };

  const templates: Record<string, string> = {};
  const templateFiles: Record<string, string> = {};
  for (const [root, label] of [[themeDir, '@drove/blog-engine/theme/'], [siteDir, '']] as const) {
    for (const folder of ['layouts', 'includes']) {
      // A Jekyll site's includes are in `_includes/`; they are read under `includes/` all the same.
      const onDisk = folder === 'includes' && root === siteDir ? folders.includes : folder;
      for (const file of await listFiles(join(root, onDisk))) {
        // `.html` includes are Jekyll's (`{% include note.html %}` in a post's body).
        if (!file.endsWith('.liquid') && !(folder === 'includes' && file.endsWith('.html'))) continue;
        const key = `${folder}/${file}`;
        templates[key] = await readFile(join(root, onDisk, file), 'utf8');
        templateFiles[key] = `${label}${onDisk}/${file}`;
      }
    }
  }

  const dataFiles = await loadDataFiles(join(siteDir, folders.data), await listFiles(join(siteDir, folders.data)), folders.data, problems);
  const { data } = dataFiles;
  skipped.push(...dataFiles.skipped);

  const assetsByPath = new Map<string, AssetFile>();
  for (const root of options.folders === 'jekyll' ? [themeDir] : [themeDir, siteDir]) {
    for (const file of await listFiles(join(root, 'assets'))) {
      const absolute = join(root, 'assets', file);
      const { size, mtimeMs } = await stat(absolute);
      assetsByPath.set(`assets/${file}`, { path: `assets/${file}`, file: absolute, fingerprint: `${size}:${mtimeMs}` });
    }
  }

  const statics: LoadedSite['statics'] = [];
  for (const { file, path } of folders.statics) {
    const absolute = join(siteDir, file);
    const { size, mtimeMs } = await stat(absolute);
    // A Jekyll site's `assets/` are its own over the default theme's, as `assets/` are in this engine's layout.
    if (options.folders === 'jekyll' && path.startsWith('assets/')) assetsByPath.set(path, { path, file: absolute, fingerprint: `${size}:${mtimeMs}` });
    else statics.push({ path, file: absolute, source: file, fingerprint: `${size}:${mtimeMs}` });
  }
  const resources: LoadedSite['resources'] = [];
  for (const { file, bundle, path } of folders.resources) {
    const absolute = join(siteDir, file);
    const { size, mtimeMs } = await stat(absolute);
    resources.push({ path, bundle, file: absolute, source: file, fingerprint: `${size}:${mtimeMs}` });
  }

  const removed = [...(heads ?? cached!).keys()].filter((path) => !seen.has(path));
  if (warm) warm.docs = warmDocs;
  const saveInputs = async () => {
    await db.saveInputs(saved, removed);
    if (warm && cached) {
      for (const { path, ...row } of saved) cached.set(path, row);
      for (const path of removed) cached.delete(path);
      warm.inputs = cached;
    }
  };
  return {
    docs,
    templates,
    templateFiles,
    data,
    assets: [...assetsByPath.values()],
    statics,
    resources,
    skipped,
    problems,
    changedInputs: changed + removed.length,
    publishing: (doc) => {
      let published = dates.get(doc);
      if (!published && doc.frontMatter) dates.set(doc, (published = publishingDates(doc.frontMatter.data, fileNameDate(doc.source))));
      return published;
    },
    complete,
    saveInputs,
  };
}
