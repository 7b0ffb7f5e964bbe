/**
 * The demo's main job, run at start and again on demand: generate the blog's
 * content, build it with @drove/blog-engine on worker threads, then export
 * the catalogue with @drove/static-export in render processes. Progress and
 * the pools' telemetry are kept for the dashboard.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, generateSite, type ProgressEvent, type WorkerTelemetry } from '@drove/blog-engine';
import { exportStatic } from '@drove/static-export';
import { cataloguePaths, countPaths, makeProducts } from '../catalogue/products.js';
import type { CatalogueRendererOptions } from '../catalogue/renderer.js';
import { BuildProgress } from './build-progress.js';
import type { DataLayout } from '../shared/layout.js';
import type { JobView } from '../shared/state.js';

export interface JobsOptions {
  layout: DataLayout;
  /** Blog posts to generate. */
  posts: number;
  /** Products in the catalogue. */
  products: number;
  /** Simulated price paths per product page. */
  forecastPaths: number;
  workers: number | 'auto';
  /** The blog's absolute URL (its path prefixes every link): `http://127.0.0.1:8080/blog/`. */
  blogUrl: string;
  /** The module the catalogue's render children run. */
  renderer: URL;
  /** Called with a line worth printing. */
  log: (line: string) => void;
}

const blank = (name: JobView['name'], workerKind: JobView['workerKind']): JobView => ({
  name,
  status: 'waiting',
  progress: new BuildProgress().view,
  workerKind,
  workers: [],
  samples: [],
  startedAt: undefined,
  durationMs: undefined,
  summary: '',
  error: undefined,
  killedWorkers: 0,
});

/** A telemetry sample of a running job's pool: its current workers, and one more point for the charts. */
function observe(job: JobView, workers: WorkerTelemetry[]): void {
  job.workers = workers;
  job.samples.push({ at: Date.now(), workers });
  if (job.samples.length > 10) job.samples.shift();
}

/** Prints a job's progress at every quarter, not at every event. */
function quarterly(log: (line: string) => void, label: string): (done: number, total: number) => void {
  let printed = -1;
  return (done, total) => {
    const quarter = total === 0 ? 4 : Math.floor((done / total) * 4);
    if (quarter > printed) {
      printed = quarter;
      log(`${label} ${done}/${total}`);
    }
  };
}

export class Jobs {
  readonly blog = blank('blog', 'thread');
  readonly catalogue = blank('catalogue', 'process');
  #run = 0;
  #running: Promise<void> | undefined;
  #abort = new AbortController();
  readonly #trackers = new Map<JobView, BuildProgress>();

  constructor(private readonly options: JobsOptions) {}

  get run(): number {
    return this.#run;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Starts a run, or returns the one under way (one at a time). Never rejects: failures are in the jobs' views. */
  start(): Promise<void> {
    this.#running ??= this.#runBoth().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops the run under way (the blog build and the export stop cleanly) and waits for it. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error('the demo is stopping'));
    await this.#running;
  }

  /**
   * Kills a render process of the catalogue export with SIGKILL, as a crash
   * would: the pool replaces it and renders its path again. Only pids of the
   * running export's children are accepted (a thread cannot be killed alone).
   * Answers why not, or `undefined` once killed.
   */
  killWorker(pid: number): string | undefined {
    const ours = this.catalogue.status === 'running' && this.catalogue.workers.some((w) => w.pid === pid && w.kind === 'process');
    if (!ours || pid === process.pid) return `no render process with pid ${pid} is running (only the catalogue export's processes can be killed)`;
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      return `could not kill ${pid}: ${(error as Error).message}`;
    }
    this.catalogue.killedWorkers += 1;
    return undefined;
  }

  /** Applies `change` to the job's progress and publishes the result in its view. */
  #progress(job: JobView, change: (progress: BuildProgress) => void): JobView['progress'] {
    let progress = this.#trackers.get(job);
    if (!progress) {
      progress = new BuildProgress();
      this.#trackers.set(job, progress);
    }
    change(progress);
    job.progress = progress.view;
    return job.progress;
  }

  async #runBoth(): Promise<void> {
    this.#run += 1;
    this.#abort = new AbortController();
    this.#trackers.clear();
    for (const job of [this.blog, this.catalogue]) Object.assign(job, blank(job.name, job.workerKind));
    await this.#job(this.blog, () => this.#buildBlog());
    if (!this.#abort.signal.aborted) await this.#job(this.catalogue, () => this.#exportCatalogue());
  }

  async #job(job: JobView, work: () => Promise<string>): Promise<void> {
    job.status = 'running';
    job.startedAt = Date.now();
    try {
      job.summary = await work();
      job.status = 'done';
      this.options.log(`${job.name}: ${job.summary}`);
    } catch (error) {
      job.status = 'failed';
      job.error = error instanceof Error ? error.message : String(error);
      this.options.log(`${job.name} failed: ${job.error}`);
    } finally {
      job.durationMs = Date.now() - job.startedAt;
      job.workers = [];
    }
  }

  /** The blog's content: generated once, and again with the next seed on every later run (new posts to build). */
  async #generate(): Promise<void> {
    const { layout, posts, blogUrl } = this.options;
    const marker = join(layout.blogSite, '.demo-content.json');
    const wanted = { posts, seed: this.#run };
    // Read at once: the job says what it does from its first snapshot on.
    const have = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as typeof wanted) : undefined;
    if (this.#run > 1 || have?.posts !== posts) {
      this.#progress(this.blog, (p) => p.enter('generate', `writing ${posts} posts`));
      await generateSite({ out: layout.blogSite, posts, seed: this.#run });
      await writeFile(marker, JSON.stringify(wanted));
    }
    // The generator writes an example URL; the blog is served under the front door's /blog/.
    const configFile = join(layout.blogSite, 'site.config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { baseUrl: string };
    if (config.baseUrl !== blogUrl) await writeFile(configFile, `${JSON.stringify({ ...config, baseUrl: blogUrl }, null, 2)}\n`);
  }

  async #buildBlog(): Promise<string> {
    await this.#generate();
    this.#progress(this.blog, (p) => p.enter('load', 'reading the posts and planning the pages'));
    const print = quarterly(this.options.log, 'blog: rendered');
    const result = await build({
      site: this.options.layout.blogSite,
      workers: this.options.workers,
      signal: this.#abort.signal,
      telemetryIntervalMs: 500,
      onTelemetry: (workers: WorkerTelemetry[]) => {
        if (this.blog.status === 'running') observe(this.blog, workers);
      },
      onProgress: (event: ProgressEvent) => {
        const { done, total } = this.#progress(this.blog, (p) => p.blogEvent(event));
        if (event.phase === 'render') print(done, total ?? 0);
      },
    });
    this.#progress(this.blog, (p) => p.finish('build', result.pages, 'files'));
    return `${result.pages} files: ${result.written} written, ${result.unchanged} unchanged, ${result.removed} removed, on ${result.workers} threads in ${result.phasesMs.total} ms`;
  }

  async #exportCatalogue(): Promise<string> {
    const rendererOptions: CatalogueRendererOptions = {
      products: this.options.products,
      seed: this.#run,
      basePath: '/catalogue/',
      forecastPaths: this.options.forecastPaths,
    };
    const products = makeProducts(rendererOptions);
    const total = countPaths(products);
    this.#progress(this.catalogue, (p) => p.count('export', total, 'pages'));
    const print = quarterly(this.options.log, 'catalogue: exported');
    const summary = await exportStatic({
      renderer: this.options.renderer,
      paths: cataloguePaths(products),
      outDir: this.options.layout.catalogueOut,
      workers: this.options.workers,
      kind: 'process',
      rendererOptions,
      // A render process killed mid-page (from the dashboard) has its page rendered again on a fresh one.
      retries: 2,
      incremental: true,
      signal: this.#abort.signal,
      telemetryIntervalMs: 500,
      onTelemetry: (workers) => {
        if (this.catalogue.status === 'running') observe(this.catalogue, workers);
      },
      onProgress: ({ done }) => {
        this.#progress(this.catalogue, (p) => p.advance(done));
        print(done, total);
      },
    });
    if (summary.failed > 0) throw new Error(`${summary.failed} of ${summary.paths} paths failed: ${summary.failures[0]?.message ?? ''}`);
    return `${summary.rendered} pages: ${summary.artifacts} files written, ${summary.unchanged} unchanged, on ${summary.workers} processes in ${Math.round(summary.durationMs)} ms`;
  }
}
