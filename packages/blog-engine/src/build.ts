import { existsSync } from 'node:fs';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkerTelemetry } from '@drove/pool';
import { MAX_TIMER_MS } from '@drove/pool/validate';
import { loadSiteConfig } from './config.js';
import type { ResolvedSiteConfig } from './site-config.js';
import { BlogEngineError, BuildError, InvalidOptionError } from './errors.js';
import { BuildDatabase, buildLockPath } from './internal/build-db.js';
import { lockBuild, type LockHolder } from './internal/build-lock.js';
import { stagingFolderName } from './internal/file-stager.js';
import { registerFilters } from './internal/filters.js';
import { MacroExpander } from './internal/macros.js';
import { prepareOutputFolder, recordOutputFolder } from './internal/output-folder.js';
import { renderPhase, startRenderPool, type ProgressEvent, type RenderPool, type SectionCounts } from './internal/render-phase.js';
import { holdAt, type Hold, type PublishingDates, type PublishingRules } from './internal/publishing.js';
import { planRoutes } from './internal/route-planner.js';
import { indexSite, type SiteWarning } from './internal/site-index.js';
import { loadSite, type LoadedSite, type SkippedFile, type SourceDoc } from './internal/site-loader.js';
import { hashOf } from './internal/hash.js';
import { sectionNames, type SectionName } from './internal/snapshot.js';
import { checkTemplates, createLiquid } from './internal/templates.js';
import { checkKeys, fail } from './internal/validate.js';
import type { WarmState } from './internal/warm-state.js';

export type { ProgressEvent, SectionCounts } from './internal/render-phase.js';
export type { LockHolder } from './internal/build-lock.js';
export type { SectionName } from './internal/snapshot.js';
export type { SkippedFile } from './internal/site-loader.js';
export type { SiteWarning } from './internal/site-index.js';

/** Options of {@link build}. */
export interface BuildOptions {
  /** The site folder. @default process.cwd() */
  site?: string;
  /** The output folder (relative paths resolve from the current directory). @default the config's `outDir` inside the site folder ('_site') */
  out?: string;
  /**
   * Render workers: a count, or 'auto': on the main thread (as `kind: 'inline'`) for a site of fewer than 1,000
   * posts and pages, where starting workers costs more than they win, else one a core (`os.availableParallelism()`);
   * a rebuild of a larger site that changes fewer than 2,000 pages renders them on the main thread too.
   * @default 'auto'
   */
  workers?: number | 'auto';
  /** `'thread'` renders in worker threads; `'inline'` runs the same worker code on this thread (same bytes out). @default 'thread' */
  kind?: 'thread' | 'inline';
  /** Include posts with `draft: true`. @default false */
  drafts?: boolean;
  /** Publish posts and pages dated after `now` (by `date`, the file name's date, or `publishDate`). @default false */
  future?: boolean;
  /** Publish posts and pages whose `expiryDate` has passed. @default false */
  expired?: boolean;
  /** Publish posts and pages with `published: false`. @default false */
  unpublished?: boolean;
  /**
   * The instant the build publishes for: a post dated later waits for a later build (a scheduled rebuild publishes
   * it when its time comes), one whose `expiryDate` is earlier is left out. @default the current time
   */
  now?: Date;
  /**
   * Remove the files earlier builds wrote into the output folder and forget them first: everything is rendered
   * and written. Other files in the folder (a `CNAME`, a user's own) stay, unless `force`. @default false
   */
  clean?: boolean;
  /**
   * Replace files in the output folder that this engine did not write (its build database has no record of
   * them); with `clean`, empty the whole output folder. Without it such a file in the way of an output fails the
   * build with `ERR_BLOG_WOULD_OVERWRITE`, naming them, before anything is written. @default false
   */
  force?: boolean;
  /** A libSQL URL for the build database, over the config's. @default `file:<site>/.drove-cache/build.db` */
  database?: string;
  /** Aborting stops the build (`ERR_BLOG_ABORTED`); the output folder keeps only whole files. */
  signal?: AbortSignal;
  /** Progress of the render and commit phases, per section. */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Called once when another build of the same database (`serve`'s, another `build()`, in this process or
   * another) is under way: this one waits for it to end, as builds of one site run one at a time.
   */
  onWait?: (holder: LockHolder) => void;
  /** Telemetry of the render workers (CPU, heap, event-loop use, tasks), every `telemetryIntervalMs` while they run. */
  onTelemetry?: (workers: WorkerTelemetry[]) => void;
  /** How often `onTelemetry` is called. @default 1000 */
  telemetryIntervalMs?: number;
}

/** The phases of a build, timed. */
export type BuildPhase = 'config' | 'load' | 'macros' | 'index' | 'plan' | 'render' | 'commit';

/** What a build did. */
export interface BuildResult {
  outDir: string;
  /** Output files of the site (pages, feeds, sitemap, assets). */
  pages: number;
  written: number;
  unchanged: number;
  removed: number;
  sections: Record<SectionName, SectionCounts>;
  phasesMs: Record<BuildPhase | 'total', number>;
  /** The process's peak resident set size (threads included). */
  peakRssBytes: number;
  /** Posts and pages. */
  posts: number;
  /** Drafts left out. */
  draftsSkipped: number;
  /** Posts and pages left out by the publishing rules, by source, with why (`future`, `expired`, `unpublished`) and when. */
  held: HeldPost[];
  /** What the build did differently from what a file asked (`{ file, line, reason }`: a layout it does not have), sorted by file. */
  warnings: SiteWarning[];
  /** Files under `posts/` and `pages/` that were not built (neither Markdown nor `.html` with front matter): `skippedFiles.length`. */
  filesSkipped: number;
  /** Each file not built, with the reason (`posts/photo.jpg`: not a post …), sorted by path. */
  skippedFiles: SkippedFile[];
  /** Inputs whose content changed since the last build (added, edited or removed). */
  inputsChanged: number;
  /** Macro calls run (not served from the cache). */
  macroCalls: number;
  workers: number;
  kind: 'thread' | 'inline';
}

/** Sites of fewer posts and pages than this render on the main thread with `workers: 'auto'`. */
const autoInlineBelow = 1000;
/**
 * A rebuild of a larger site with `workers: 'auto'` renders on the main thread when fewer routes than this
 * changed: starting workers and copying the site's snapshot to them costs more than a few pages do.
 */
const autoInlineRoutesBelow = 2000;

const engineVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

interface ResolvedBuildOptions {
  site: string;
  out: string | undefined;
  workers: number;
  kind: 'thread' | 'inline';
  /** `workers: 'auto'` and no `kind` given: the build picks by the site's size (see {@link autoInlineBelow}). */
  auto: boolean;
  drafts: boolean;
  publishing: PublishingRules;
  clean: boolean;
  force: boolean;
  database: string | undefined;
  telemetryIntervalMs: number;
}

/** Checks {@link BuildOptions} eagerly. @throws {InvalidOptionError} `ERR_BLOG_INVALID_OPTION` */
export function resolveBuildOptions(options: BuildOptions = {}): ResolvedBuildOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('options', 'an object', options);
  checkKeys('', options, [
    'site', 'out', 'workers', 'kind', 'drafts', 'future', 'expired', 'unpublished', 'now', 'clean', 'force', 'database', 'signal', 'onProgress', 'onWait', 'onTelemetry', 'telemetryIntervalMs',
  ]);
  const workers = options.workers ?? 'auto';
  if (workers !== 'auto' && (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1)) fail('workers', "an integer >= 1 or 'auto'", workers);
  const kind = options.kind ?? 'thread';
  if (kind !== 'thread' && kind !== 'inline') fail('kind', "one of `thread`, `inline`", kind);
  for (const key of ['drafts', 'future', 'expired', 'unpublished', 'clean', 'force'] as const) if (options[key] !== undefined && typeof options[key] !== 'boolean') fail(key, 'a boolean', options[key]);
  for (const key of ['site', 'out', 'database'] as const) {
    if (options[key] !== undefined && (typeof options[key] !== 'string' || options[key] === '')) fail(key, 'a non-empty string', options[key]);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) fail('signal', 'an AbortSignal', options.signal);
  if (options.now !== undefined && !(options.now instanceof Date && !Number.isNaN(options.now.getTime()))) fail('now', 'a valid Date', options.now);
  for (const key of ['onProgress', 'onWait', 'onTelemetry'] as const) if (options[key] !== undefined && typeof options[key] !== 'function') fail(key, 'a function', options[key]);
  const telemetryIntervalMs = options.telemetryIntervalMs ?? 1000;
  if (typeof telemetryIntervalMs !== 'number' || !Number.isInteger(telemetryIntervalMs) || telemetryIntervalMs < 10 || telemetryIntervalMs > MAX_TIMER_MS) {
    fail('telemetryIntervalMs', `an integer >= 10 and <= ${MAX_TIMER_MS}`, telemetryIntervalMs);
  }
  const site = resolve(options.site ?? process.cwd());
  if (!existsSync(site)) throw new InvalidOptionError(`Expected \`site\` to be an existing folder, got \`${site}\` (not found)`);
  return {
    site,
    out: options.out === undefined ? undefined : resolve(options.out),
    workers: workers === 'auto' ? availableParallelism() : workers,
    auto: workers === 'auto' && options.kind === undefined,
    kind,
    drafts: options.drafts ?? false,
    publishing: {
      now: options.now ?? new Date(),
      future: options.future ?? false,
      expired: options.expired ?? false,
      unpublished: options.unpublished ?? false,
    },
    clean: options.clean ?? false,
    force: options.force ?? false,
    database: options.database,
    telemetryIntervalMs,
  };
}

/**
 * Builds a site: loads and indexes its content once on this thread, expands
 * macros, plans every output with its render key, renders what changed in
 * `@drove/pool` worker threads, and commits files atomically with their
 * hashes in the build database. A rebuild with nothing changed writes nothing.
 *
 * @throws {BuildError} `ERR_BLOG_BUILD_FAILED` listing every problem (`ERR_BLOG_CONFIG`, `ERR_BLOG_FRONT_MATTER`,
 * `ERR_BLOG_UNKNOWN_LAYOUT`, `ERR_BLOG_TEMPLATE`, `ERR_BLOG_DUPLICATE_PERMALINK`, `ERR_BLOG_PATH_ESCAPES`, `ERR_BLOG_MACRO`,
 * `ERR_BLOG_DATA`); the output folder is left as it was.
 * @throws {InvalidOptionError} `ERR_BLOG_INVALID_OPTION` for invalid options; `ERR_BLOG_ABORTED` when `signal` aborts.
 * @throws {OverwriteError} `ERR_BLOG_WOULD_OVERWRITE` when an output would replace a file the engine did not write (without `force`).
 * @example
 * ```ts
 * import { build } from '@drove/blog-engine';
 * const result = await build({ site: './my-blog', workers: 'auto' });
 * console.log(`${result.written} written, ${result.unchanged} unchanged in ${result.phasesMs.total} ms`);
 * ```
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  return buildWarm(options, undefined);
}

/**
 * {@link build}, keeping what it learns of the site in `warm` for the next build in this process (`serve`'s):
 * files whose stat data is unchanged are not loaded, read or hashed again.
 */
export async function buildWarm(options: BuildOptions, warm: WarmState | undefined): Promise<BuildResult> {
  const resolved = resolveBuildOptions(options);
  const { signal } = options;
  const started = performance.now();
  const phasesMs: Record<BuildPhase | 'total', number> = { config: 0, load: 0, macros: 0, index: 0, plan: 0, render: 0, commit: 0, total: 0 };
  let mark = started;
  let current: BuildPhase = 'config';
  const enter = (phase: BuildPhase) => {
    const now = performance.now();
    phasesMs[current] += Math.round(now - mark);
    mark = now;
    current = phase;
  };
  const checkAbort = () => {
    if (signal?.aborted) throw new BlogEngineError('ERR_BLOG_ABORTED', 'The build was aborted', { cause: signal.reason });
  };

  const config: ResolvedSiteConfig = await loadSiteConfig(resolved.site);
  const outDir = resolved.out ?? resolve(resolved.site, config.outDir);
  const databaseUrl = resolved.database ?? config.database ?? pathToFileURL(join(resolve(resolved.site, config.cacheDir), 'build.db')).href;
  // One build at a time per database: another one (`serve`'s rebuild, a second `build`) waits for this one to end.
  const lockPath = buildLockPath(databaseUrl);
  const unlock = lockPath ? await lockBuild(lockPath, { signal, onWait: options.onWait }) : () => {};
  let db: BuildDatabase;
  try {
    db = await BuildDatabase.open(databaseUrl);
  } catch (error) {
    unlock();
    throw error;
  }
  let pool: RenderPool | undefined;
  // What the loader learned of changed files, saved while the workers render (or, when the build ends before it
  // renders, as it ends); `savingInputs` is that save under way, settled with its error if it failed.
  let saveInputs: (() => Promise<void>) | undefined;
  let savingInputs: Promise<unknown> | undefined;
  try {
    await prepareOutputFolder(db, { outDir, siteDir: resolved.site, clean: resolved.clean, force: resolved.force });
    checkAbort();

    enter('load');
    // Shallow: until `complete()`, a file the database vouches for has only its place, hash and publishing dates.
    const loaded = await loadSite(resolved.site, db, { folders: config.folders, outDir, cacheDir: config.cacheDir, exclude: config.exclude, shallow: true }, warm);
    saveInputs = loaded.saveInputs;
    const problems: BlogEngineError[] = [...loaded.problems];
    // Every input of the output in one hash. When it equals the one recorded by the last
    // build that finished (and nothing has touched the outputs since), there is nothing to do.
    // Which posts the publishing rules leave out now: when one comes due (or expires), the key changes.
    const datesOf = (doc: SourceDoc): PublishingDates | undefined => {
      let dates = warm?.publishing.get(doc);
      if (!dates) {
        dates = loaded.publishing(doc);
        if (dates) warm?.publishing.set(doc, dates);
      }
      return dates;
    };
    const holds = new Map<SourceDoc, Hold | undefined>();
    for (const doc of loaded.docs) {
      const dates = datesOf(doc);
      holds.set(doc, dates && holdAt(dates, resolved.publishing));
    }
    const siteKey = siteFingerprint(config, loaded, outDir, resolved, holds);
    const complete = await db.meta('complete');
    // A first build with a warm state indexes the site even when nothing changed, so that the next one (`serve`'s
    // after an edit) starts warm.
    const warmingUp = warm !== undefined && warm.index.stamp === '';
    if (problems.length === 0 && complete !== undefined && !warmingUp) {
      const last = JSON.parse(complete) as CompleteBuild;
      if (last.key === siteKey) {
        enter(current);
        return finish(resolved, outDir, started, phasesMs, last.totals, { posts: last.posts, drafts: last.drafts, held: last.held ?? [], warnings: last.warnings ?? [], inputsChanged: loaded.changedInputs, macroCalls: 0, skipped: loaded.skipped });
      }
    }
    await loaded.complete();
    const liquid = createLiquid(loaded.templates, config.limits);
    // The main thread only parses templates: Markdown (and highlight.js) load in the workers alone.
    registerFilters(liquid, {
      ...config,
      markdown: () => {
        throw new Error('internal: Markdown is rendered in the workers');
      },
    });
    problems.push(...checkTemplates(liquid, loaded.templates, loaded.templateFiles));
    checkAbort();

    // From here on the build renders something (or finds it has nothing to render): start the workers now, so their
    // start overlaps the indexing. `auto` renders a smaller site on this thread: workers' start (their modules, their
    // JIT warm-up, the snapshot copied to each) costs more than two cores win below about 1,000 posts (see the README's
    // Benchmarks). A rebuild of a larger site waits for the plan, which says how many pages changed.
    if (resolved.auto && loaded.docs.length < autoInlineBelow) resolved.kind = 'inline';
    const startPool = () => {
      const started = startRenderPool(resolved.kind, resolved.workers, options.onTelemetry ? resolved.telemetryIntervalMs : 0);
      const { onTelemetry } = options;
      if (onTelemetry) started.on('telemetry', ({ workers }) => onTelemetry(workers));
      return started;
    };
    if (!(resolved.auto && resolved.kind === 'thread' && complete !== undefined)) pool = startPool();

    enter('macros');
    // Bodies that macros changed; every other body is the file's own text after its front matter.
    const bodies = new Map<string, string>();
    const callers = loaded.docs.filter((d) => d.frontMatter && d.body?.mentionsMacros);
    const expander = new MacroExpander(config.macros, callers.length > 0 ? await db.macros() : new Map());
    for (const doc of callers) {
      const body = doc.text().slice(doc.frontMatter!.bodyOffset);
      const expanded = await expander.expand(body, doc.source, doc.frontMatter!.bodyLine, problems);
      if (expanded !== body) bodies.set(doc.source, expanded);
    }
    checkAbort();

    enter('index');
    const index = indexSite(config, loaded, bodies, resolved.drafts, holds, warm);
    problems.push(...index.problems);

    enter('plan');
    const plan = planRoutes(config, loaded, index, engineVersion, warm);
    problems.push(...plan.problems);
    if (problems.length > 0) throw new BuildError(problems);
    const stored = await db.outputs();
    checkAbort();
    if (!pool) {
      const changed = plan.routes.reduce((n, route) => (stored.get(route.path)?.key === route.key ? n : n + 1), 0);
      if (changed < autoInlineRoutesBelow) resolved.kind = 'inline';
      pool = startPool();
    }

    await db.deleteMeta('complete');
    const outExisted = existsSync(outDir);
    const probeDisk = outExisted && (await readdir(outDir)).some((name) => name !== stagingFolderName);
    await mkdir(outDir, { recursive: true });
    await recordOutputFolder(db, outDir);
    let counts: Record<SectionName, SectionCounts>;
    // What a post's HTML is made of: the site's inputs (all in the plan's global hash) and the post's page (its body,
    // its fields, its layout). HTML kept under other inputs goes.
    if (warm && warm.contents.globalHash !== plan.globalHash) warm.contents = { globalHash: plan.globalHash, html: new Map() };
    savingInputs = saveInputs().then(() => undefined, (error: unknown) => error ?? new Error('saving the inputs failed'));
    saveInputs = undefined;
    try {
      counts = await renderPhase({
        routes: plan.routes,
        stored,
        snapshot: plan.snapshot,
        bodyOf: index.bodyOf,
        bodyFileOf: index.bodyFileOf,
        siteDir: resolved.site,
        ...(warm ? { contentCache: { keys: index.pageHashes, html: warm.contents.html } } : {}),
        outDir,
        db,
        pool,
        workers: resolved.workers,
        probeDisk,
        force: resolved.force,
        onPhase: enter,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (!outExisted) await rmdir(outDir).catch(() => undefined);
      if (signal?.aborted) throw new BlogEngineError('ERR_BLOG_ABORTED', 'The build was aborted', { cause: signal.reason });
      throw error;
    }
    if (warm) {
      // Only what this site's posts are made of now is worth keeping for the next build.
      const current = new Set(index.pageHashes);
      for (const key of warm.contents.html.keys()) if (!current.has(key)) warm.contents.html.delete(key);
    }
    const inputsFailed = await savingInputs;
    if (inputsFailed) throw inputsFailed;
    await db.saveMacros(expander.added, [...expander.used]);
    const totals = Object.fromEntries(sectionNames.map((s) => [s, counts[s].total])) as Record<SectionName, number>;
    const held = index.held.map(({ file, hold }) => ({ file, ...hold }));
    const record: CompleteBuild = { key: siteKey, totals, posts: plan.snapshot.posts.length, drafts: index.drafts, held, warnings: index.warnings };
    await db.setMeta('complete', JSON.stringify(record));

    enter(current);
    return finish(resolved, outDir, started, phasesMs, counts, { posts: record.posts, drafts: index.drafts, held, warnings: index.warnings, inputsChanged: loaded.changedInputs, macroCalls: expander.calls, skipped: loaded.skipped });
  } finally {
    await pool?.destroy();
    try {
      await savingInputs;
      await saveInputs?.();
    } finally {
      db.close();
      unlock();
    }
  }
}

/** What the database remembers of the last build that finished. */
interface CompleteBuild {
  key: string;
  totals: Record<SectionName, number>;
  posts: number;
  drafts: number;
  held: HeldPost[];
  warnings: SiteWarning[];
}

/** A post or page the publishing rules left out of a build. */
export interface HeldPost extends Hold {
  /** Relative to the site folder (`posts/2030-01-01-soon.md`). */
  file: string;
}

/** The hash of every input of a build's output. */
function siteFingerprint(config: ResolvedSiteConfig, loaded: LoadedSite, outDir: string, resolved: ResolvedBuildOptions, holds: Map<SourceDoc, Hold | undefined>): string {
  const macros = Object.entries(config.macros).map(([name, fn]) => `${name}:${fn.toString()}`);
  const { future, expired, unpublished } = resolved.publishing;
  return hashOf(
    engineVersion,
    outDir,
    JSON.stringify([resolved.drafts, future, expired, unpublished]),
    ...[...holds].flatMap(([doc, hold]) => (hold ? [`held:${doc.source}:${hold.reason}`] : [])),
    JSON.stringify(config),
    ...macros,
    ...loaded.docs.map((d) => `${d.source}:${d.fingerprint}`),
    JSON.stringify(loaded.templates),
    JSON.stringify(loaded.data),
    ...loaded.assets.map((a) => `${a.path}:${a.file}:${a.fingerprint}`),
    ...loaded.statics.map((a) => `static:${a.path}:${a.fingerprint}`),
    ...loaded.resources.map((a) => `resource:${a.source}:${a.fingerprint}`),
  );
}

function finish(
  resolved: ResolvedBuildOptions,
  outDir: string,
  started: number,
  phasesMs: Record<BuildPhase | 'total', number>,
  counts: Record<SectionName, SectionCounts> | Record<SectionName, number>,
  facts: { posts: number; drafts: number; held: HeldPost[]; warnings: SiteWarning[]; inputsChanged: number; macroCalls: number; skipped: SkippedFile[] },
): BuildResult {
  phasesMs.total = Math.round(performance.now() - started);
  const sections = Object.fromEntries(
    sectionNames.map((section) => {
      const value = counts[section];
      return [section, typeof value === 'number' ? { total: value, written: 0, unchanged: value, removed: 0 } : value];
    }),
  ) as Record<SectionName, SectionCounts>;
  const totals = { written: 0, unchanged: 0, removed: 0, pages: 0 };
  for (const section of sectionNames) {
    totals.written += sections[section].written;
    totals.unchanged += sections[section].unchanged;
    totals.removed += sections[section].removed;
    totals.pages += sections[section].total;
  }
  return {
    outDir,
    ...totals,
    sections,
    phasesMs,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    posts: facts.posts,
    draftsSkipped: facts.drafts,
    held: facts.held,
    warnings: [...facts.warnings].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    filesSkipped: facts.skipped.length,
    skippedFiles: [...facts.skipped].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    inputsChanged: facts.inputsChanged,
    macroCalls: facts.macroCalls,
    workers: resolved.kind === 'inline' ? 1 : resolved.workers,
    kind: resolved.kind,
  };
}
