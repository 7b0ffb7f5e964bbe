// The worker module of a remote export's host (`drove-export worker`): a pool
// worker that @drove/remote's host runs on each of its threads. Its `render`
// handler renders a chunk of paths into the host's own folder, appends a line
// a rendered path to this thread's run file there, then answers with each
// path's files or error, and the host's name.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { serializeError } from '@drove/pool/envelope';
import { defineWorker } from '@drove/pool/worker';
import { StaticExportError } from '../errors.js';
import { FileCommitter } from '../internal/file-committer.js';
import { loadRenderer } from '../internal/load-renderer.js';
import { PreviousHashes } from '../internal/previous-hashes.js';
import { renderPath, type LoadedRenderer } from '../internal/render-task.js';
import { RUN_ID, runFileLine, runFileName, type RemotePathOutcome, type RemoteRenderReply, type RemoteRenderTask } from '../internal/remote-task.js';

/** What `createExportHost` gives every thread of its host (the pool's `initData`). */
export interface ExportHostWorkerInit {
  /** The renderer module, a `file:` URL. */
  renderer: string;
  rendererOptions: unknown;
  /** This host's own folder, absolute. */
  outDir: string;
  /** The previous merged manifest, for incremental runs. */
  previousManifest: string | undefined;
  /** This host's name in failures and run files. */
  host: string;
}

interface HostWorkerState {
  init: ExportHostWorkerInit;
  renderer: LoadedRenderer;
  previous: PreviousHashes | undefined;
  committers: Map<string, FileCommitter>;
  /** Open run files, by run id: runs follow one another, so the last few are kept. */
  runFiles: Map<string, number>;
}

const RUN_FILES_OPEN = 4;

function committerFor(state: HostWorkerState, task: RemoteRenderTask): FileCommitter {
  const key = `${task.run}:${task.incremental}`;
  let committer = state.committers.get(key);
  if (committer === undefined) {
    const unchanged = task.incremental && state.previous ? { previous: state.previous, verifyByContent: false, elsewhere: true } : undefined;
    committer = new FileCommitter(state.init.outDir, unchanged, [], `${task.run}-${state.init.host}`);
    if (state.committers.size >= RUN_FILES_OPEN) state.committers.clear();
    state.committers.set(key, committer);
  }
  return committer;
}

function runFileFor(state: HostWorkerState, run: string): number {
  let fd = state.runFiles.get(run);
  if (fd === undefined) {
    fd = openSync(join(state.init.outDir, runFileName(run, `${state.init.host}.${process.pid}-${threadId}`)), 'a');
    if (state.runFiles.size >= RUN_FILES_OPEN) {
      const [oldest, oldFd] = state.runFiles.entries().next().value as [string, number];
      closeSync(oldFd);
      state.runFiles.delete(oldest);
    }
    state.runFiles.set(run, fd);
  }
  return fd;
}

export default defineWorker({
  async init(initData): Promise<HostWorkerState> {
    const init = initData as ExportHostWorkerInit;
    const previous = init.previousManifest === undefined ? undefined : await PreviousHashes.load(init.previousManifest);
    const renderer = await loadRenderer(init);
    return { init, renderer, previous, committers: new Map(), runFiles: new Map() };
  },
  handlers: {
    render: async (task: RemoteRenderTask, ctx): Promise<RemoteRenderReply> => {
      const state = ctx.state as HostWorkerState;
      if (typeof task?.run !== 'string' || !RUN_ID.test(task.run) || !Array.isArray(task.paths)) {
        throw new StaticExportError('ERR_EXPORT_INVALID_OPTION', 'Not a remote export task: expected { run, incremental, paths: [seq, path][] } from drove-export --remote');
      }
      const committer = committerFor(state, task);
      const outcomes: RemotePathOutcome[] = [];
      let lines = '';
      for (const [seq, path] of task.paths) {
        // The coordinator gave up on this task (its export was stopped): render no further path.
        if (ctx.signal.aborted) throw ctx.signal.reason;
        try {
          let reply = renderPath(state.renderer, committer, path, ctx);
          if (reply instanceof Promise) reply = await reply;
          lines += runFileLine(seq, path, reply.files, reply.hash);
          outcomes.push({ files: reply.files.map(({ file, bytes, hash, unchanged }) => ({ file, bytes, hash, unchanged })), hash: reply.hash, logs: reply.logs });
        } catch (error) {
          outcomes.push({ error: serializeError(error, { json: true }) });
        }
      }
      // The lines are on disk before the coordinator hears of their paths: a path it counts is in some host's run file.
      if (lines !== '') {
        const fd = runFileFor(state, task.run);
        const data = Buffer.from(lines);
        for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
      }
      return { host: state.init.host, outcomes };
    },
  },
  async destroy(state) {
    const { renderer, runFiles } = state as HostWorkerState;
    for (const fd of runFiles.values()) closeSync(fd);
    runFiles.clear();
    await renderer.teardown?.(renderer.state);
  },
});
