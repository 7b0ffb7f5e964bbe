import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { createPool, type Pool } from '@drove/pool';
import { BlogEngineError, BuildError } from '../errors.js';
import type { BuildDatabase, OutputRow } from './build-db.js';
import { crashPoint } from './crash-point.js';
import { removeOutputs, stagingFolderName } from './file-stager.js';
import { countOf, occupied, refuseOverwrite, unownedInTheWay } from './refuse-overwrite.js';
import type { PlannedRoute } from './route-planner.js';
import { sectionNames, type BodyFile, type RenderJob, type SectionName, type Snapshot } from './snapshot.js';
import type RenderWorker from '../entry/render-worker.js';
import type { RenderBuild } from '../entry/render-worker.js';
import { renderBatches, type ContentExchange, type RenderBatch } from './render-schedule.js';

/** The pool a build renders with. */
export type RenderPool = Pool<(typeof RenderWorker)['handlers']>;

let buildCount = 0;

/**
 * Starts the render pool. Called before the site is indexed, so that the first
 * worker loads its modules (liquidjs, markdown-it, highlight.js) while the main
 * thread indexes. The pool grows to `workers` only when tasks queue up: a small
 * incremental build renders on one worker and pays for one start-up.
 */
export function startRenderPool(kind: 'thread' | 'inline', workers: number, telemetryIntervalMs = 0): RenderPool {
  return createPool<(typeof RenderWorker)['handlers']>({
    worker: new URL('./entry/render-worker.js', import.meta.url),
    kind,
    minWorkers: 1,
    maxWorkers: kind === 'inline' ? 1 : workers,
    idleTimeoutMs: Number.POSITIVE_INFINITY,
    telemetryIntervalMs,
  });
}

/** Pages written, unchanged and removed in one section. */
export interface SectionCounts {
  total: number;
  written: number;
  unchanged: number;
  removed: number;
}

/** Progress of the render and commit phases. */
export interface ProgressEvent {
  phase: 'render' | 'commit';
  section: SectionName;
  /** Of this section: pages rendered (render) or files committed so far (commit: of the whole phase, as before). */
  done: number;
  total: number;
  /** Of the whole phase, every section: pages rendered or files committed so far; never runs backwards. */
  phaseDone: number;
  /** Of the whole phase: pages to render or files to commit; fixed for the phase. */
  phaseTotal: number;
}

/** What the render phase needs. */
export interface RenderPhaseInput {
  routes: PlannedRoute[];
  stored: Map<string, OutputRow>;
  snapshot: Snapshot;
  outDir: string;
  db: BuildDatabase;
  /** Made by {@link startRenderPool}; the caller destroys it. */
  pool: RenderPool;
  workers: number;
  /** A post's Markdown body (the snapshot's posts carry none). */
  bodyOf: (id: number) => string;
  /** Where a post's body is in its file (undefined when only `bodyOf` has it): render threads read it there. */
  bodyFileOf: (id: number) => BodyFile | undefined;
  /** The site folder, which `bodyFileOf`'s paths are relative to. */
  siteDir: string;
  /** Posts' HTML kept between builds in this process, used when the build renders on the main thread (see `Snapshot.contentCache`). */
  contentCache?: Snapshot['contentCache'];
  /** The output folder held files when the build began (see `RenderWorkerInit.probeDisk`). */
  probeDisk: boolean;
  /** Replace files in the way that the engine did not write; without it they fail the build before anything moves. */
  force: boolean;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Called when rendering starts and when it ends, for phase timing. */
  onPhase?: (phase: 'render' | 'commit') => void;
}

/** Routes per task: large enough to amortize a message, small enough to spread the work. */
function chunkSize(count: number, workers: number): number {
  return Math.max(4, Math.min(64, Math.ceil(count / (workers * 8))));
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Renders the routes whose key changed in the pool's workers, then moves the
 * changed files into place and removes stale ones, committing each step to the
 * database only after it is on disk. Nothing reaches the output folder when any
 * page fails: all problems are collected and thrown together.
 *
 * @throws {BuildError} with every page's problem; `ERR_BLOG_IO` when a file cannot be written.
 */
export async function renderPhase(input: RenderPhaseInput): Promise<Record<SectionName, SectionCounts>> {
  const { routes, stored, snapshot, outDir, db, pool, workers, onProgress, signal } = input;
  const counts = Object.fromEntries(sectionNames.map((s) => [s, { total: 0, written: 0, unchanged: 0, removed: 0 }])) as Record<SectionName, SectionCounts>;
  const planned = new Set<string>();
  const toRender: PlannedRoute[] = [];
  for (const route of routes) {
    planned.add(route.path);
    counts[route.section].total++;
    const row = stored.get(route.path);
    if (row && row.key === route.key && row.hash !== null) counts[route.section].unchanged++;
    else toRender.push(route);
  }
  const stale: { path: string; section: SectionName }[] = [];
  for (const [path, row] of stored) if (!planned.has(path)) stale.push({ path, section: row.section as SectionName });
  // Files the engine put here that no row remembers (a --clean killed half-way forgets rows before it removes
  // files; a build elsewhere forgets this folder's rows): no route makes them now, so they go too.
  const owned = await db.ownedPaths(outDir);
  const orphans: string[] = [];
  for (const path of owned) if (!planned.has(path) && !stored.has(path)) orphans.push(path);
  const stagingDir = join(outDir, stagingFolderName);
  // Before the early return too: a build killed after its last commit leaves a staging folder and nothing to render.
  await rm(stagingDir, { recursive: true, force: true });
  if (toRender.length === 0 && stale.length === 0 && orphans.length === 0) return counts;

  const bySection = new Map<string, SectionName>(toRender.map((r) => [r.path, r.section]));
  const keyOf = new Map<string, string>(toRender.map((r) => [r.path, r.key]));
  try {
    const staged: { path: string; staged: string; hash: string }[] = [];
    const same: { path: string; section: string; key: string; hash: string }[] = [];
    if (toRender.length > 0) {
      input.onPhase?.('render');
      // Every task carries the (shared, never copied) snapshot; each worker deserializes it on its first task.
      // An inline worker is on this thread, and its messages are not cloned: it takes the snapshot as it is.
      const inline = pool.options.kind === 'inline';
      const needed = shipOnlyNeededBodies(snapshot, toRender, input.bodyOf, inline ? undefined : { siteDir: input.siteDir, fileOf: input.bodyFileOf });
      const shipped = inline && input.contentCache ? { ...needed, contentCache: input.contentCache } : needed;
      const build: RenderBuild = { id: `${process.pid}-${Date.now()}-${++buildCount}`, snapshot: inline ? shipped : shareSnapshot(shipped), outDir, stagingDir, probeDisk: input.probeDisk };
      const problems: BlogEngineError[] = [];
      const done = Object.fromEntries(sectionNames.map((s) => [s, 0])) as Record<SectionName, number>;
      const totals = Object.fromEntries(sectionNames.map((s) => [s, 0])) as Record<SectionName, number>;
      for (const route of toRender) totals[route.section]++;
      let rendered = 0;
      const batches = (routes: PlannedRoute[]): RenderBatch[] =>
        chunk(
          routes.map((r): RenderJob => ({ path: r.path, route: r.route, storedHash: stored.get(r.path)?.hash ?? null })),
          chunkSize(toRender.length, workers),
        ).map((batch) => ({ build, jobs: batch }));
      const inOrder = (group: readonly SectionName[]) => group.flatMap((section) => toRender.filter((r) => r.section === section));
      const isFeed = (r: PlannedRoute) => r.route.type === 'feed';
      const lists = inOrder(listSections);
      const queues = { lists: batches(lists.filter((r) => !isFeed(r))), pages: batches(inOrder(['single'])), feeds: batches(lists.filter(isFeed)) };
      const { limit } = snapshot.site.feeds;
      const exchange: ContentExchange = {
        *postsOf(batch) {
          for (const { route } of batch.jobs) if (route.type === 'feed') yield* snapshot.lists[route.list]!.postIds.slice(0, limit);
        },
        postOf: ({ route }) => (route.type === 'post' ? route.post : undefined),
      };
      await renderBatches(pool, queues, exchange, signal, (outcomes) => {
        for (const outcome of outcomes) {
          const section = bySection.get(outcome.path)!;
          done[section]++;
          if (outcome.status === 'failed') problems.push(BlogEngineError.fromJSON(outcome.problem));
          else if (outcome.status === 'same') same.push({ path: outcome.path, section, key: keyOf.get(outcome.path)!, hash: outcome.hash });
          else staged.push({ path: outcome.path, staged: outcome.staged, hash: outcome.hash });
        }
        const section = bySection.get(outcomes[0]!.path)!;
        rendered += outcomes.length;
        onProgress?.({ phase: 'render', section, done: done[section], total: totals[section], phaseDone: rendered, phaseTotal: toRender.length });
      });
      // A post's body that fails fails its page and every feed that holds it: say so once.
      const distinct = new Map(problems.map((p) => [`${p.code}|${p.file}|${p.line}|${p.reason}`, p]));
      if (problems.length > 0) throw new BuildError([...distinct.values()]);
    }
    crashPoint('after-render');
    // A path with no row may hold a file the engine never wrote (a user's, or an `--out` aimed at their folder).
    if (!input.force && input.probeDisk && staged.some((s) => !stored.has(s.path))) {
      const inTheWay = unownedInTheWay(outDir, staged.filter((s) => !stored.has(s.path)).map((s) => s.path), (path) => owned.has(path));
      if (inTheWay.length > 0) {
        refuseOverwrite(outDir, inTheWay, `refusing to replace ${countOf(inTheWay.length)} in ${outDir} that drove-blog did not write`, 'run again with --force to replace them, or build into another folder (--out)');
      }
    }

    input.onPhase?.('commit');
    // Rows of files about to be replaced or removed are nulled first: a crash from here on leaves no row claiming bytes that are not on disk.
    await db.markPending(outDir, [...staged.map((s) => ({ path: s.path, section: bySection.get(s.path)! })), ...stale]);
    crashPoint('after-pending');
    await db.commitOutputs(outDir, same);
    for (const { section } of same) counts[section as SectionName].unchanged++;

    if (staged.length > 0) {
      // Small enough that a big build commits as it goes, large enough to batch the database.
      const moves = chunk(staged, Math.min(512, Math.max(8, Math.ceil(staged.length / (workers * 8)))));
      let moved = 0;
      for await (const batchIndex of commitInOrder(pool, outDir, moves, workers)) {
        crashPoint('commit-chunk');
        const batch = moves[batchIndex]!;
        await db.commitOutputs(outDir, batch.map((s) => ({ path: s.path, section: bySection.get(s.path)!, key: keyOf.get(s.path)!, hash: s.hash })));
        crashPoint('after-commit-chunk');
        for (const s of batch) counts[bySection.get(s.path)!].written++;
        moved += batch.length;
        onProgress?.({ phase: 'commit', section: bySection.get(batch[0]!.path)!, done: moved, total: staged.length, phaseDone: moved, phaseTotal: staged.length });
      }
    }

    if (stale.length > 0 || orphans.length > 0) {
      // An orphan has no row to null first: until its `owned` record goes (after the unlink), a rerun retries it.
      const orphansOnDisk = orphans.filter((path) => occupied(join(outDir, path))).length;
      await removeOutputs(outDir, [...stale.map((s) => s.path), ...orphans]);
      crashPoint('after-remove');
      await db.deleteOutputs(outDir, [...stale.map((s) => s.path), ...orphans]);
      for (const { section } of stale) if (counts[section]) counts[section].removed++;
      // No row says which section an orphan was in; most were pages, whatever section: count them with the core files.
      counts.core.removed += orphansOnDisk;
    }
    return counts;
  } finally {
    // Stop the workers first: one still finishing an aborted task could stage a file after the folder is gone.
    await pool.destroy();
    await rm(stagingDir, { recursive: true, force: true });
  }
}

/** The sections of list pages (and feeds), which show cards of posts from all over the site. */
const listSections: readonly SectionName[] = ['core', 'tag', 'category', 'date'];

/** Runs the commit tasks (moves into place) over the pool, yielding each batch's index once its files are on disk. */
async function* commitInOrder(pool: RenderPool, outDir: string, moves: { path: string; staged: string }[][], workers: number): AsyncGenerator<number> {
  const indexed = moves.map((batch, index) => ({ batch, index }));
  const pending = new Map<number, Promise<number>>();
  let next = 0;
  const start = () => {
    const item = indexed[next++]!;
    pending.set(item.index, pool.run({ outDir, moves: item.batch.map(({ path, staged }) => ({ path, staged })) }, { handler: 'commit' }).then(() => item.index));
  };
  while (next < indexed.length && pending.size < workers * 2) start();
  while (pending.size > 0) {
    const index = await Promise.race(pending.values());
    pending.delete(index);
    if (next < indexed.length) start();
    yield index;
  }
}

/** The snapshot's v8 serialization in shared memory: one copy for every worker. */
function shareSnapshot(snapshot: Snapshot): SharedArrayBuffer {
  const bytes = serialize(snapshot);
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  return shared;
}

/**
 * A copy of the snapshot that carries only the bodies this build renders (a post's own page, full-content feeds).
 * For render threads (`files` given), a body that is its file's own text is not copied at all: the snapshot says
 * where it is, and the thread that renders it reads it (each body once, in one thread, not every body in each).
 */
function shipOnlyNeededBodies(snapshot: Snapshot, toRender: PlannedRoute[], bodyOf: (id: number) => string, files?: { siteDir: string; fileOf: (id: number) => BodyFile | undefined }): Snapshot {
  const needed = new Set<number>();
  for (const { route } of toRender) {
    if (route.type === 'post') needed.add(route.post);
    else if (route.type === 'feed') for (const id of snapshot.lists[route.list]!.postIds.slice(0, snapshot.site.feeds.limit)) needed.add(id);
  }
  if (!files) return { ...snapshot, posts: snapshot.posts.map((post) => (needed.has(post.id) ? { ...post, body: bodyOf(post.id) } : post)) };
  const bodyFiles: (BodyFile | null)[] = snapshot.posts.map(() => null);
  const posts = snapshot.posts.map((post) => {
    if (!needed.has(post.id)) return post;
    const file = files.fileOf(post.id);
    if (file) {
      bodyFiles[post.id] = file;
      return post;
    }
    return { ...post, body: bodyOf(post.id) };
  });
  return { ...snapshot, posts, bodyFiles: { siteDir: files.siteDir, files: bodyFiles } };
}
