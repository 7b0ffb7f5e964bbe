import { AbortError, type Settled } from '@drove/pool';
import { deserializeError } from '@drove/pool/envelope';
import { isPending, type PathStream } from './path-source.js';
import type { ChunkReply, ChunkTask, RenderReply } from './render-task.js';

/** Paths in one chunk at most. */
export const CHUNK_CAP = 32;
/**
 * The render time a chunk aims at: long enough that a message each way is a
 * small share of it (measured with ~1.2 ms pages over 2 processes: 8 ms left
 * ~1 s of coordinator CPU in 20,000 pages, 32 ms ~0.55 s), short enough that
 * the last chunks, progress and an abort are not held up for long.
 */
const TARGET_CHUNK_MS = 32;

/** How a chunk is sent: its time limit and its retries. */
export interface ChunkRunOptions {
  timeoutMs: number;
  retries: number;
  signal: AbortSignal;
}

export interface ChunkedDispatchOptions {
  /** Paths a child renders at once, summed over the children (workers × rendersPerWorker). */
  slots: number;
  /** Paths pulled and not yet taken by the consumer, at most (the export's `concurrency`). */
  window: number;
  /** The per-path time limit (0 for none) and retries. */
  timeoutMs: number;
  retries: number;
  /** Every chunk this many paths (tests); otherwise the size adapts. */
  forcedSize: number | undefined;
  /** No new chunk is made once this aborts; paths pulled but not dispatched are interrupted. */
  stop: AbortSignal;
}

interface Item {
  path: string;
  index: number;
}

/**
 * Sizes chunks from the render times the children report: one path until a
 * time is known, then as many as fit in {@link TARGET_CHUNK_MS} (at most
 * `cap`), and fewer near the end of the stream so that the last paths are
 * spread over every child rather than left in one big chunk.
 */
export class ChunkSizer {
  readonly #cap: number;
  readonly #forced: number | undefined;
  #perPathMs: number | undefined;

  constructor(cap: number, forced: number | undefined) {
    this.#cap = cap;
    this.#forced = forced;
  }

  get forced(): boolean {
    return this.#forced !== undefined;
  }

  /** A chunk of `paths` paths took `renderMs` in its child. */
  observe(renderMs: number, paths: number): void {
    if (paths === 0 || !(renderMs >= 0)) return;
    const each = renderMs / paths;
    this.#perPathMs = this.#perPathMs === undefined ? each : this.#perPathMs * 0.75 + each * 0.25;
  }

  /** The size of the next chunk, with `queued` paths waiting and the stream `exhausted` or not. */
  size(queued: number, exhausted: boolean, slots: number): number {
    if (this.#forced !== undefined) return this.#forced;
    if (this.#perPathMs === undefined) return 1;
    const target = Math.max(1, Math.min(this.#cap, Math.floor(TARGET_CHUNK_MS / Math.max(this.#perPathMs, 0.001))));
    return exhausted ? Math.min(target, Math.max(1, Math.ceil(queued / slots))) : target;
  }
}

/**
 * Streams paths to the render children in chunks and yields the outcomes in
 * input order, one batch for every run of consecutive paths that finished
 * (what `pool.map(…, { settle: true, ordered: true })` yields one by one).
 * A sync stream is read without a promise a path. A chunk of one path is
 * sent with the path's own time limit and retries; a longer one with
 * `timeoutMs × length` and no retry, and if its child dies or it times out,
 * each of its paths is sent again alone, so the crash or hang is blamed on the
 * path that causes it. A path whose render throws fails alone: the child sends
 * its error as data and goes on. A path that took longer than `timeoutMs` in a
 * chunk that did finish publishes nothing and is sent again alone, where the
 * pool's time limit applies.
 */
export async function* dispatchInChunks(
  source: PathStream,
  runChunk: (task: ChunkTask, options: ChunkRunOptions) => Promise<ChunkReply>,
  options: ChunkedDispatchOptions,
): AsyncGenerator<Settled<string, RenderReply>[], void, undefined> {
  const { slots, window, timeoutMs, retries, stop } = options;
  // One chunk running and one waiting a slot: a child never waits for a round trip.
  const maxTasks = 2 * slots;
  const cap = Math.max(1, Math.min(CHUNK_CAP, Math.floor(window / (maxTasks + 1))));
  const sizer = new ChunkSizer(cap, options.forcedSize === undefined ? undefined : Math.min(options.forcedSize, window));
  const controller = new AbortController();
  const queued: Item[] = [];
  /** Paths of chunks whose child died or timed out, to be sent again one by one. */
  const alone: Item[] = [];
  // Outcomes not yet taken, by index: a null-prototype object, not a Map, whose churn would keep every
  // outcome alive through young-generation collections (see @drove/pool's IdTable).
  const done: Record<number, Settled<string, RenderReply>> = Object.create(null);
  let pulled = 0;
  let taken = 0;
  let tasks = 0;
  let exhausted = false;
  let wake: (() => void) | undefined;

  const settle = (item: Item, settled: Settled<string, RenderReply>) => {
    done[item.index] = settled;
  };
  const reject = (item: Item, reason: unknown) => settle(item, { status: 'rejected', reason, input: item.path, index: item.index });

  const launch = (items: Item[]) => {
    tasks++;
    const single = items.length === 1;
    const run = runChunk(
      // A path alone is timed by the pool (its child stopped when late); in a chunk, by the child too.
      { paths: items.map((item) => item.path), timeoutMs: single ? 0 : timeoutMs },
      { timeoutMs: single ? timeoutMs : timeoutMs * items.length, retries: single ? retries : 0, signal: controller.signal },
    );
    run
      .then(
        (reply) => {
          sizer.observe(reply.renderMs, reply.outcomes.length);
          items.forEach((item, at) => {
            const outcome = reply.outcomes[at];
            if (outcome === undefined) reject(item, new AbortError('The chunk was abandoned'));
            else if (outcome.late) alone.push(item);
            else if (outcome.error !== undefined) reject(item, deserializeError(outcome.error));
            else settle(item, { status: 'fulfilled', value: outcome.reply, input: item.path, index: item.index });
          });
        },
        (reason: unknown) => {
          const code = (reason as { code?: unknown } | null)?.code;
          if (!single && (code === 'ERR_POOL_WORKER_EXITED' || code === 'ERR_POOL_TASK_TIMEOUT')) alone.push(...items);
          else for (const item of items) reject(item, reason);
        },
      )
      .finally(() => {
        tasks--;
        dispatch();
        wake?.();
      });
  };

  const dispatch = () => {
    while (tasks < maxTasks) {
      const again = alone.shift();
      if (again) {
        launch([again]);
        continue;
      }
      if (queued.length === 0) return;
      if (stop.aborted) {
        for (const item of queued.splice(0)) reject(item, new AbortError('The export was stopped before this path was dispatched'));
        wake?.();
        return;
      }
      const size = sizer.size(queued.length, exhausted, slots);
      // Wait for the stream to fill the chunk, unless a child would idle meanwhile (or it ended).
      // (A full window cannot fill it: send what there is.)
      if (queued.length < size && !exhausted && pulled - taken < window && (sizer.forced || tasks >= slots)) return;
      launch(queued.splice(0, size));
    }
  };

  try {
    for (;;) {
      while (!exhausted && tasks < maxTasks && pulled - taken < window) {
        let next = source.next();
        if (isPending(next)) next = await next;
        if (next.done) {
          exhausted = true;
          break;
        }
        queued.push({ path: next.value, index: pulled++ });
        dispatch();
      }
      dispatch();
      let batch: Settled<string, RenderReply>[] | undefined;
      for (let settled = done[taken]; settled !== undefined; settled = done[taken]) {
        delete done[taken];
        taken++;
        (batch ??= []).push(settled);
      }
      if (batch) yield batch;
      if (exhausted && taken === pulled) return;
      if (!exhausted && tasks < maxTasks && pulled - taken < window) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    // Left early (the consumer threw): what is in flight is cancelled and the stream closed.
    if (taken < pulled || !exhausted) controller.abort(new AbortError('The export was left early'));
    if (!exhausted) await source.return?.();
  }
}
