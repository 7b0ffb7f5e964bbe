import { createPool, type Settled } from '@drove/pool';
import type renderWorker from '../entry/render-worker.js';
import type { RenderWorkerInit } from '../entry/render-worker.js';
import { ExportAbortedError, StaticExportError } from '../errors.js';
import type { ResolvedExportOptions } from '../options.js';
import type { ExportSummary } from '../report.js';
import { ExportRun } from './export-run.js';
import { dispatchInChunks } from './chunked-dispatch.js';
import { removeLeftovers } from './leftovers.js';
import { inspectOutDir, ownershipOf, type Ownership } from './ownership.js';
import { AdmittedPaths, isPending, type PathStream, type SourceEnd } from './path-source.js';
import type { RenderReply } from './render-task.js';
import { beginRun, endRun } from './run-identity.js';
import { ownedLedgerFile, ownedSinceFile, readOwnedSince, RunJournal } from './run-journal.js';

const renderWorkerUrl = new URL('./entry/render-worker.js', import.meta.url);

/** Exits after which a child may have left a temporary file behind (killed inside a commit). */
const abnormalExits = new Set(['crashed', 'timeout', 'aborted', 'destroyed', 'heap-limit']);

type RenderPool = ReturnType<typeof createPool<typeof renderWorker>>;

/**
 * One export from start to end: starts the render children (a pool) and
 * waits for their setup, streams the admitted paths through `pool.map`,
 * and decides how it ends — finished, aborted, or stopped by a setup that
 * failed — then stops the children and commits or drops the manifest.
 */
export class ExportSession {
  readonly #config: ResolvedExportOptions;
  readonly #runId: string;
  readonly #journal: RunJournal | undefined;
  readonly #pool: RenderPool;
  /** Aborts the path stream: no further path is dispatched. */
  readonly #stop = new AbortController();
  #started = false;
  #fatal: StaticExportError | undefined;
  #lastInitError: unknown;
  #graceTimer: NodeJS.Timeout | undefined;
  #childKilled = false;

  constructor(config: ResolvedExportOptions) {
    this.#config = config;
    const startedAtMs = Date.now();
    // Before the journal exists: a folder no export wrote into is refused before this run leaves anything in it.
    const { check } = inspect(config);
    this.#runId = beginRun();
    try {
      // Before any child starts: it reads what the journal decides it may trust.
      this.#journal = config.manifest === undefined ? undefined : RunJournal.open(config.outDir, config.manifest, this.#runId, config.incremental);
    } catch (error) {
      endRun(this.#runId);
      throw error;
    }
    const ownership =
      check && this.#journal
        ? ownershipOf(this.#journal.writer.file, this.#journal.dead, startedAtMs, {
            ownedSince: readOwnedSince(ownedSinceFile(config.outDir, config.manifest as string)),
            ledger: ownedLedgerFile(config.outDir, config.manifest as string),
          })
        : undefined;
    this.#pool = startPool(config, this.#runId, this.#journal, ownership);
    this.#pool.on('workerExit', (event) => {
      if (abnormalExits.has(event.reason)) this.#childKilled = true;
      if (event.reason !== 'init-failed') return;
      this.#lastInitError = event.error ?? this.#lastInitError;
      // Ctrl-C reaches the whole process group: a child killed by it while starting is not the renderer's fault.
      if (this.#stop.signal.aborted || (event.error === undefined && event.signal === 'SIGINT')) return;
      this.#fail(setupFailed(config, event.workerId, event.error));
    });
    // A child that died with no path in flight is replaced by the pool; nothing was lost.
    this.#pool.on('error', () => {});
    const { onTelemetry } = config;
    if (onTelemetry) this.#pool.on('telemetry', ({ workers }) => onTelemetry(workers));
  }

  async run(): Promise<ExportSummary> {
    const signal = this.#config.signal;
    const onAbort = () => this.#abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.#run();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(this.#graceTimer);
      endRun(this.#runId);
    }
  }

  async #run(): Promise<ExportSummary> {
    const config = this.#config;
    try {
      await this.#pool.ready();
    } catch (error) {
      await this.#pool.destroy();
      // No path was sent: nothing of this run is on disk.
      this.#journal?.discard();
      if (this.#fatal) throw this.#fatal;
      if (config.signal?.aborted) throw new ExportAbortedError(new ExportRun(config, undefined).summary(true), { cause: config.signal.reason });
      throw setupFailed(config, undefined, (error as Error).cause ?? error);
    }
    this.#started = true;
    if (config.signal?.aborted) this.#abort();

    const manifest = this.#journal?.writer;
    const run = new ExportRun(config, manifest);
    const end: SourceEnd = { error: undefined };
    let thrown: { error: unknown } | undefined;
    try {
      const source = new AdmittedPaths(config.paths, run, this.#stop.signal, end);
      for await (const batch of this.#dispatch(source)) {
        for (const settled of batch) run.record(settled);
        // The batch's files are in place: their records may go to the journal now, and must not wait for the end.
        manifest?.flush();
      }
    } catch (error) {
      // Only the caller's own code (onLog, onProgress) throws here.
      thrown = { error };
    }
    const aborted = config.signal?.aborted === true && !this.#fatal;
    // Paths cut short with no abort and no setup failure: the pool could not start a child any more.
    if (!this.#fatal && !aborted && !thrown && run.interrupted > 0) this.#fatal = setupFailed(config, undefined, this.#lastInitError);
    if (thrown || this.#fatal) await this.#pool.destroy();
    else await this.#pool.close();
    // Every child has stopped: a temporary file of this run is one a killed child left.
    if (this.#childKilled) removeLeftovers(config.outDir, { tree: true, finishedRun: this.#runId });

    if (this.#journal) {
      // No path sent in an export that did not finish: no file changed, and what earlier runs left is still true.
      const finished = !thrown && !this.#fatal && !aborted && end.error === undefined;
      if (finished || run.admitted > 0) commitJournal(this.#journal, run.lateCollisions > 0, finished && run.failed === 0);
      else this.#journal.discard();
    }
    if (this.#fatal) throw this.#fatal;
    if (thrown) throw thrown.error;
    if (end.error !== undefined) {
      const message = end.error instanceof Error ? end.error.message : String(end.error);
      throw new StaticExportError('ERR_EXPORT_SOURCE_FAILED', `Reading \`paths\` failed after ${run.seen} paths: ${message}`, {
        cause: end.error,
      });
    }
    const summary = run.summary(aborted);
    if (aborted) throw new ExportAbortedError(summary, { cause: config.signal?.reason });
    return summary;
  }

  /**
   * One path a task, or — when children are processes or threads and none is
   * replaced after a number of tasks — paths in chunks (see {@link dispatchInChunks}).
   * Either way, outcomes in input order, in batches.
   */
  #dispatch(source: PathStream): AsyncIterable<Settled<string, RenderReply>[]> {
    const config = this.#config;
    if (!chunkable(config)) return oneByOne(this.#pool.map(asyncPaths(source), { settle: true, concurrency: config.concurrency, ordered: true }));
    const pool = this.#pool;
    return dispatchInChunks(source, (task, options) => pool.run(task, { handler: 'chunk', ...options }), {
      slots: config.workers * config.rendersPerWorker,
      window: config.concurrency,
      timeoutMs: config.timeoutMs,
      retries: config.retries,
      forcedSize: config.chunkPaths,
      stop: this.#stop.signal,
    });
  }

  /** The caller's signal: no new path; those rendering may finish within `abortGraceMs`. */
  #abort(): void {
    this.#stop.abort();
    if (!this.#started) {
      void this.#pool.destroy();
      return;
    }
    this.#graceTimer ??= setTimeout(() => void this.#pool.destroy(), this.#config.abortGraceMs);
  }

  /** A setup failed: the export stops at once. */
  #fail(error: StaticExportError): void {
    this.#fatal ??= error;
    this.#stop.abort();
    void this.#pool.destroy();
  }
}

/** A path stream as an async iterable, for `pool.map`; leaving it early closes the stream. */
async function* asyncPaths(source: PathStream): AsyncGenerator<string, void, undefined> {
  let exhausted = false;
  try {
    for (;;) {
      let next = source.next();
      if (isPending(next)) next = await next;
      if (next.done) {
        exhausted = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!exhausted) await source.return?.();
  }
}

async function* oneByOne<T>(settled: AsyncIterable<T>): AsyncGenerator<T[], void, undefined> {
  for await (const each of settled) yield [each];
}

/** Whether paths may be sent several to a task: never inline (no IPC to save), nor when a child's life is counted in tasks. */
export function chunkable(config: Pick<ResolvedExportOptions, 'kind' | 'maxPathsPerWorker'>): boolean {
  return config.kind !== 'inline' && config.maxPathsPerWorker === Number.POSITIVE_INFINITY;
}

function inspect(config: ResolvedExportOptions): { check: boolean } {
  try {
    return inspectOutDir(config.outDir, config.manifest, config.force);
  } catch (error) {
    if (error instanceof StaticExportError) throw error;
    throw new StaticExportError('ERR_EXPORT_WRITE_FAILED', `Could not read outDir ${config.outDir}: ${(error as Error).message}`, { cause: error });
  }
}

function startPool(config: ResolvedExportOptions, runId: string, journal: RunJournal | undefined, ownership: Ownership | undefined): RenderPool {
  const initData: RenderWorkerInit = {
    renderer: config.rendererUrl,
    rendererOptions: config.rendererOptions,
    outDir: config.outDir,
    kind: config.kind,
    previousManifest: journal?.previous,
    verifyByContent: journal?.verifyByContent ?? false,
    runId,
    reserved: config.manifest === undefined ? [] : [config.manifest],
    ownership,
  };
  return createPool<typeof renderWorker>({
    worker: renderWorkerUrl,
    kind: config.kind,
    minWorkers: config.workers,
    maxWorkers: config.workers,
    concurrentTasksPerWorker: config.rendersPerWorker,
    idleTimeoutMs: Number.POSITIVE_INFINITY,
    taskTimeoutMs: config.timeoutMs,
    retries: config.retries,
    maxTasksPerWorker: config.maxPathsPerWorker,
    stdio: config.stdio,
    // Paths, file names, sizes and hashes: plain data, which JSON carries at a fraction of structured clone's cost
    // (`rendererOptions`, in the init data, keeps structured clone's types either way).
    serialization: config.kind === 'process' ? 'json' : 'advanced',
    initData,
    // A setup that fails stops the export at once; there is no point trying again and again.
    spawnBackoff: { baseMs: 50, maxMs: 1000, maxFailures: 3 },
    telemetryIntervalMs: config.onTelemetry ? config.telemetryIntervalMs : 0,
  });
}

function setupFailed(config: ResolvedExportOptions, workerId: number | undefined, cause: unknown): StaticExportError {
  const message = cause instanceof Error ? cause.message : cause === undefined ? 'a render child could not start' : String(cause);
  const where = workerId === undefined ? 'a render child' : `render child ${workerId}`;
  return new StaticExportError('ERR_EXPORT_SETUP_FAILED', `The renderer's setup failed in ${where} (${config.rendererUrl}): ${message}`, {
    cause,
  });
}

function commitJournal(journal: RunJournal, unproven: boolean, complete: boolean): void {
  try {
    journal.commit({ unproven, complete });
  } catch (error) {
    // The journal stays: its run is over, so the next run takes it for one that died and trusts only its records.
    throw new StaticExportError('ERR_EXPORT_MANIFEST', `Could not write the manifest ${journal.writer.file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
