/**
 * The render worker: a `@drove/pool` worker module. The first worker starts
 * while the main thread still reads and indexes the site (its module loading
 * overlaps that work). Every task names its build; a worker that has not seen
 * that build yet deserializes the build's snapshot from the SharedArrayBuffer
 * the task carries (shared, not copied), once. It
 * renders the routes it is given, stages changed files in the staging folder
 * and, in the commit phase, moves staged files into place. It never touches
 * the build database: it returns hashes and the main thread commits them.
 */
import { readFileSync, statSync } from 'node:fs';
import { deserialize } from 'node:v8';
import { defineWorker } from '@drove/pool/worker';
import { PageRenderer } from '../internal/page-renderer.js';
import { contentHash } from '../internal/hash.js';
import { crashPoint } from '../internal/crash-point.js';
import { FileStager, moveIntoPlace } from '../internal/file-stager.js';
import type { RenderBatch } from '../internal/render-schedule.js';
import type { RenderOutcome, Snapshot } from '../internal/snapshot.js';

/** What every task carries about its build: a worker loads it on the first task that names it. */
export interface RenderBuild {
  /** Unique per build. */
  id: string;
  /** Its v8 serialization in shared memory; or, for an inline worker (on the build's own thread), the snapshot itself. */
  snapshot: SharedArrayBuffer | Snapshot;
  outDir: string;
  stagingDir: string;
  /** Whether the output folder held files when the build began: only then is a file without a known hash compared with the disk. */
  probeDisk: boolean;
}

interface LoadedBuild {
  id: string;
  renderer: PageRenderer;
  stager: FileStager;
  outDir: string;
  probeDisk: boolean;
}

interface WorkerState {
  workerId: number;
  build: LoadedBuild | undefined;
}

function loaded(state: WorkerState, build: RenderBuild): LoadedBuild {
  if (state.build?.id !== build.id) {
    const data = build.snapshot instanceof SharedArrayBuffer ? (deserialize(new Uint8Array(build.snapshot)) as Snapshot) : build.snapshot;
    state.build = {
      id: build.id,
      renderer: new PageRenderer(data),
      stager: new FileStager(build.stagingDir, `w${state.workerId}`),
      outDir: build.outDir,
      probeDisk: build.probeDisk,
    };
  }
  return state.build;
}

// Synchronous file calls on purpose: a render worker has nothing else to do
// meanwhile, and one sync call costs far less than a promise round trip
// through libuv's four-thread pool that every worker would share.
function unchangedOnDisk(file: string, bytes: Buffer): boolean {
  try {
    if (statSync(file).size !== bytes.length) return false;
    return readFileSync(file).equals(bytes);
  } catch {
    return false;
  }
}

export default defineWorker({
  init: (_initData, { workerId }): WorkerState => ({ workerId, build: undefined }),
  handlers: {
    /** Renders a batch of routes; stages the files whose bytes differ from what is on disk. */
    render: ({ build, jobs, reportContent, contents }: RenderBatch, ctx): RenderOutcome[] => {
      const { renderer, stager, outDir, probeDisk } = loaded(ctx.state as WorkerState, build);
      for (const [post, html] of contents ?? []) renderer.adoptContent(post, html);
      const outcomes: RenderOutcome[] = [];
      for (const job of jobs) {
        crashPoint('render-page');
        const rendered = renderer.render(job.route, job.path);
        if (!rendered.ok) {
          outcomes.push({ path: job.path, status: 'failed', problem: rendered.problem.toJSON() });
          continue;
        }
        const bytes = typeof rendered.bytes === 'string' ? Buffer.from(rendered.bytes) : rendered.bytes;
        const hash = contentHash(bytes);
        const content = reportContent && job.route.type === 'post' ? renderer.keptContent(job.route.post) : undefined;
        if (hash === job.storedHash || (job.storedHash === null && probeDisk && unchangedOnDisk(`${outDir}/${job.path}`, bytes))) {
          outcomes.push({ path: job.path, status: 'same', hash, ...(content === undefined ? {} : { content }) });
          continue;
        }
        outcomes.push({ path: job.path, status: 'staged', hash, staged: stager.stage(bytes), ...(content === undefined ? {} : { content }) });
      }
      return outcomes;
    },
    /** Moves staged files to their places (mkdir + rename: atomic per file). */
    commit: ({ outDir, moves }: { outDir: string; moves: { staged: string; path: string }[] }): number => {
      moveIntoPlace(outDir, moves);
      return moves.length;
    },
  },
});
