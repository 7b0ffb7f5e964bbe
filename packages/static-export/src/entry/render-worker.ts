// The render child: a pool worker module. Its init imports the user's
// renderer and runs its setup; its handler renders one path, writes that
// path's files itself and answers with their names, sizes and hashes; its
// `chunk` handler does the same for several paths in order, one outcome each.
import { performance } from 'node:perf_hooks';
import { serializeError } from '@drove/pool/envelope';
import { defineWorker } from '@drove/pool/worker';
import { FileCommitter } from '../internal/file-committer.js';
import { OwnedFiles, type Ownership } from '../internal/ownership.js';
import { PreviousHashes } from '../internal/previous-hashes.js';
import { loadRenderer } from '../internal/load-renderer.js';
import { lateMark, renderPath, type ChunkOutcome, type ChunkReply, type ChunkTask, type LoadedRenderer } from '../internal/render-task.js';

/** What the coordinator gives every render child (the pool's `initData`). */
export interface RenderWorkerInit {
  /** The renderer module, a `file:` URL. */
  renderer: string;
  rendererOptions: unknown;
  /** Absolute. */
  outDir: string;
  kind: 'process' | 'thread' | 'inline';
  /** The previous manifest (or the journal of the last run that died) to compare against, for incremental exports. */
  previousManifest: string | undefined;
  /** A run died since the manifest was written: files `previousManifest` does not vouch for are compared by content. */
  verifyByContent: boolean;
  /** The run's id, which names its temporary files. */
  runId: string;
  /** Names no artifact may take (the manifest's). */
  reserved: string[];
  /** What earlier exports wrote: a file found at a target that is not theirs is a user's, and is not replaced. None to check: `undefined`. */
  ownership: Ownership | undefined;
}

/** A render child's state: its renderer, where it writes, and whether its channel carries JSON (processes). */
export interface RenderWorkerState {
  renderer: LoadedRenderer;
  committer: FileCommitter;
  json: boolean;
}

/** Committers of this thread or process (inline pools may hold several), cleaned up on exit. */
const committers = new Set<FileCommitter>();
let exitWatched = false;

function cleanUpOnExit(committer: FileCommitter): void {
  // A renderer that calls process.exit() must not leave a temporary file behind. One listener for all.
  if (!exitWatched) process.once('exit', () => committers.forEach((each) => each.discardPending()));
  exitWatched = true;
  committers.add(committer);
}

export default defineWorker({
  async init(initData): Promise<RenderWorkerState> {
    const init = initData as RenderWorkerInit;
    if (init.kind === 'process') {
      // Ctrl-C in a terminal signals the whole process group. The coordinator
      // decides how the export stops; a child finishes its path and leaves
      // when the pool tells it to.
      process.on('SIGINT', () => {});
    }
    const previous = init.previousManifest === undefined ? undefined : await PreviousHashes.load(init.previousManifest);
    const unchanged = previous && { previous, verifyByContent: init.verifyByContent };
    const owned = init.ownership === undefined ? undefined : await OwnedFiles.load(init.ownership);
    const committer = new FileCommitter(init.outDir, unchanged, init.reserved, init.runId, owned);
    const renderer = await loadRenderer(init);
    cleanUpOnExit(committer);
    return { renderer, committer, json: init.kind === 'process' };
  },
  handlers: {
    default: (path: string, ctx) => {
      const { renderer, committer } = ctx.state as RenderWorkerState;
      return renderPath(renderer, committer, path, ctx);
    },
    chunk: async ({ paths, timeoutMs }: ChunkTask, ctx): Promise<ChunkReply> => {
      const { renderer, committer, json } = ctx.state as RenderWorkerState;
      const started = performance.now();
      const outcomes: ChunkOutcome[] = [];
      for (const path of paths) {
        // A chunk the coordinator gave up on (the export was left) renders no further path.
        if (ctx.signal.aborted) break;
        const deadline = performance.now() + timeoutMs;
        // A path slower than its limit is not published here, whatever it did: alone, the pool times it.
        const late = timeoutMs > 0 ? () => performance.now() > deadline : undefined;
        try {
          const reply = renderPath(renderer, committer, path, ctx, late);
          outcomes.push({ reply: reply instanceof Promise ? await reply : reply });
        } catch (error) {
          // One path's failure is that path's alone: its error travels as data, the chunk goes on.
          outcomes.push(error === lateMark || late?.() ? { late: true } : { error: serializeError(error, { json }) });
        }
      }
      return { outcomes, renderMs: performance.now() - started };
    },
  },
  async destroy(state) {
    const { renderer, committer } = state as RenderWorkerState;
    committers.delete(committer);
    await renderer.teardown?.(renderer.state);
  },
});
