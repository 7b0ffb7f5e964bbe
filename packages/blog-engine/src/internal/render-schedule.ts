import type { Lease } from '@drove/pool';
import type { RenderBuild } from '../entry/render-worker.js';
import type { RenderPool } from './render-phase.js';
import type { RenderJob, RenderOutcome } from './snapshot.js';

/** One task for a render worker. */
export interface RenderBatch {
  build: RenderBuild;
  jobs: RenderJob[];
  /** Report the HTML of each post page whose post a full-content feed shows (`RenderOutcome.content`). */
  reportContent?: boolean;
  /** Posts' HTML rendered by another worker, for this batch's feeds: `[post id, html]`. */
  contents?: [number, string][];
}

/** The render work of one build, in three queues. */
export interface RenderQueues {
  /** List pages (home, tags, categories, archives): cards of posts from all over the site. */
  lists: RenderBatch[];
  /** Post and page pages. */
  pages: RenderBatch[];
  /** Feeds: with full content, the HTML of posts whose pages are in `pages`. */
  feeds: RenderBatch[];
}

/** What the scheduler needs of the build to ship posts' HTML between workers. */
export interface ContentExchange {
  /** The posts whose HTML a feed batch shows. */
  postsOf(batch: RenderBatch): Iterable<number>;
  /** The post a page job renders, if it is a post's page. */
  postOf(job: RenderJob): number | undefined;
}

/**
 * Runs the render batches. With one worker (or inline) it takes lists, then
 * pages, then feeds. With two or more it leases every worker, so that it knows
 * which worker holds what:
 * - one worker takes the list pages first: on one worker each card is rendered
 *   (and memoized) once instead of once per worker; the others take the pages;
 *   a worker whose own queue is empty takes from the other's;
 * - feeds come last. A post's HTML is rendered once, for its page, by whichever
 *   worker rendered that page, which reports it; a feed batch carries the HTML
 *   of its posts that its worker does not hold yet, each sent to a worker once.
 *   (Before, the worker that rendered a feed rendered every post in it again:
 *   with two workers, 1,630 Markdown renders for 1,000 posts.)
 */
export async function renderBatches(
  pool: RenderPool,
  queues: RenderQueues,
  exchange: ContentExchange,
  signal: AbortSignal | undefined,
  onOutcomes: (outcomes: RenderOutcome[]) => void,
): Promise<void> {
  // The first failure stops every other consumer; the caller's signal stops them all.
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let firstError: { error: unknown } | undefined;
  const { lists, pages, feeds } = queues;
  const leases: Lease[] = [];
  // The pool's own bound (an inline pool has one worker whatever was asked).
  const workers = pool.options.maxWorkers;
  try {
    if (workers < 2 || lists.length + pages.length + feeds.length < 2) {
      const all = [...lists, ...pages, ...feeds];
      const consume = async () => {
        for (let batch = all.shift(); batch !== undefined; batch = all.shift()) {
          onOutcomes(await pool.run(batch, { handler: 'render', signal: stop.signal }));
        }
      };
      await Promise.all(Array.from({ length: workers * 2 }, () => consume().catch(fail)));
    } else {
      for (let i = 0; i < workers; i++) leases.push(await pool.acquire({ signal: stop.signal }));
      // Which posts' HTML each worker holds (rendered there, or sent there), and the HTML workers reported.
      const holds = leases.map(() => new Set<number>());
      const reported = new Map<number, string>();
      /** Worker 0 takes the lists first, the others the pages; feeds once both are empty. */
      const next = (worker: number): RenderBatch | undefined => {
        const batch = worker === 0 ? (lists.shift() ?? pages.pop()) : (pages.shift() ?? lists.shift());
        if (batch) return { ...batch, reportContent: true };
        const feed = feeds.shift();
        if (!feed) return undefined;
        const held = holds[worker]!;
        const contents: [number, string][] = [];
        for (const id of exchange.postsOf(feed)) {
          const html = held.has(id) ? undefined : reported.get(id);
          if (html === undefined) continue;
          contents.push([id, html]);
          held.add(id);
          // Once every worker holds it, this thread need not: a site's HTML is its largest part.
          if (holds.every((set) => set.has(id))) reported.delete(id);
        }
        return contents.length > 0 ? { ...feed, contents } : feed;
      };
      const consume = async (worker: number) => {
        const lease = leases[worker]!;
        for (let batch = next(worker); batch !== undefined; batch = next(worker)) {
          const outcomes = await lease.run<RenderOutcome[]>(batch, { handler: 'render', signal: stop.signal });
          for (let i = 0; i < outcomes.length; i++) {
            const outcome = outcomes[i]!;
            if (outcome.status === 'failed' || outcome.content === undefined) continue;
            const post = exchange.postOf(batch.jobs[i]!);
            if (post === undefined) continue;
            reported.set(post, outcome.content);
            holds[worker]!.add(post);
            delete outcome.content;
          }
          onOutcomes(outcomes);
        }
      };
      // Two batches in flight a worker: the next one waits while one renders.
      await Promise.all(leases.flatMap((_, worker) => [consume(worker).catch(fail), consume(worker).catch(fail)]));
    }
    if (firstError) throw firstError.error;
  } finally {
    for (const lease of leases) lease.release();
    signal?.removeEventListener('abort', onAbort);
  }

  function fail(error: unknown): void {
    firstError ??= { error };
    stop.abort(error);
  }
}
