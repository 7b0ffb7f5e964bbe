import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ExportAbortedError,
  exportStatic,
  readManifest,
  StaticExportError,
  type ExportLogEntry,
  type ExportProgress,
  type ManifestEntry,
  type WorkerTelemetry,
} from '@drove/static-export';
import { removeTempDirs } from '@drove/test-support';
import { fixture, leftovers, sitePaths, tempDir, treeOf } from './helpers.js';

afterAll(removeTempDirs);

const site = fixture('site-renderer.mjs');

describe('output', () => {
  it('is byte-identical for inline, 1 and 2 process workers and 2 thread workers', async () => {
    const runs = [
      { kind: 'inline', workers: 1 },
      { kind: 'process', workers: 1 },
      { kind: 'process', workers: 2 },
      { kind: 'thread', workers: 2 },
    ] as const;
    const trees: Record<string, string>[] = [];
    for (const { kind, workers } of runs) {
      const outDir = tempDir();
      const summary = await exportStatic({
        renderer: site,
        paths: sitePaths(300),
        outDir,
        kind,
        workers,
        rendererOptions: { title: 'Same everywhere', rounds: 20 },
      });
      expect(summary).toMatchObject({ paths: 300, rendered: 300, failed: 0, kind, workers, aborted: false });
      expect(leftovers(outDir)).toEqual([]);
      trees.push(treeOf(outDir));
    }
    // 300 pages, two more files for each asset page, and the manifest.
    const assetPages = [...sitePaths(300)].filter((path) => path.endsWith('/with-assets')).length;
    expect(Object.keys(trees[0]!)).toHaveLength(300 + 2 * assetPages + 1);
    for (const tree of trees.slice(1)) expect(tree).toEqual(trees[0]);
  });

  it.each(['process', 'thread'] as const)('gives %s children rendererOptions with the types structured clone keeps', async (kind) => {
    const outDir = tempDir();
    await exportStatic({ renderer: site, paths: ['/dated'], outDir, kind, workers: 1, rendererOptions: { since: new Date(86_400_000) } });
    expect(readFileSync(join(outDir, 'dated/index.html'), 'utf8')).toContain('<time>1970-01-02T00:00:00.000Z</time>');
  });

  it('gives the same output with two renders a child and children replaced every few paths', async () => {
    const reference = tempDir();
    await exportStatic({ renderer: site, paths: sitePaths(60), outDir: reference, kind: 'inline' });
    const outDir = tempDir();
    const summary = await exportStatic({ renderer: site, paths: sitePaths(60), outDir, workers: 2, rendersPerWorker: 2, maxPathsPerWorker: 7 });
    expect(summary).toMatchObject({ rendered: 60, failed: 0 });
    expect(treeOf(outDir)).toEqual(treeOf(reference));
  });

  it('writes returned pages, ctx.write() files and bytes, and reports each through onLog and onProgress', async () => {
    const outDir = tempDir();
    const logs: ExportLogEntry[] = [];
    const progress: ExportProgress[] = [];
    const summary = await exportStatic({
      renderer: site,
      paths: ['/', '/about', '/blog/1/with-assets', '/feed.xml'],
      outDir,
      workers: 2,
      onLog: (entry) => logs.push(entry),
      onProgress: (event) => progress.push(event),
    });
    expect(summary).toMatchObject({ paths: 4, rendered: 4, failed: 0, artifacts: 6, unchanged: 0, failures: [] });
    expect(readFileSync(join(outDir, 'index.html'), 'utf8')).toContain('<h1>/</h1>');
    expect(readFileSync(join(outDir, 'about/index.html'), 'utf8')).toContain('<h1>/about</h1>');
    expect(readFileSync(join(outDir, 'feed.xml'), 'utf8')).toContain('<h1>/feed.xml</h1>');
    expect(JSON.parse(readFileSync(join(outDir, 'blog/1/with-assets/data.json'), 'utf8'))).toMatchObject({ path: '/blog/1/with-assets' });
    expect([...readFileSync(join(outDir, 'blog/1/with-assets/raw.bin'))]).toEqual([0, 1, 2, 255]);
    const written = logs.filter((entry) => entry.type === 'artifact');
    expect(written).toHaveLength(6);
    expect(summary.bytes).toBe(written.reduce((sum, entry) => sum + (entry.type === 'artifact' ? entry.bytes : 0), 0));
    expect(logs).toContainEqual({ type: 'message', path: '/blog/1/with-assets', level: 'info', message: 'assets for /blog/1/with-assets' });
    expect(progress.map((event) => event.done)).toEqual([1, 2, 3, 4]);
    expect(progress.at(-1)).toMatchObject({ rendered: 4, failed: 0, artifacts: 6, seen: 4 });
  });

  it('writes a manifest of JSON lines in path order: path, files, bytes, hash', async () => {
    const outDir = tempDir();
    const summary = await exportStatic({ renderer: site, paths: ['/b', '/a', '/blog/2/with-assets'], outDir, workers: 2 });
    expect(summary.manifestFile).toBe(join(outDir, '.drove-manifest.jsonl'));
    const entries: ManifestEntry[] = [];
    for await (const entry of readManifest(summary.manifestFile!)) entries.push(entry);
    expect(entries.map((entry) => entry.path)).toEqual(['/b', '/a', '/blog/2/with-assets']);
    const assets = entries[2]!;
    expect(assets.files.map((file) => file.file)).toEqual([
      'blog/2/with-assets/data.json',
      'blog/2/with-assets/index.html',
      'blog/2/with-assets/raw.bin',
    ]);
    expect(assets.bytes).toBe(assets.files.reduce((sum, file) => sum + file.bytes, 0));
    expect(assets.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(treeOf(outDir)['blog/2/with-assets/index.html']).toBe(assets.files[1]!.hash);
  });

  it('takes an async iterable, and no manifest with manifest: false', async () => {
    const outDir = tempDir();
    async function* paths() {
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        yield `/async/${i}`;
      }
    }
    const summary = await exportStatic({ renderer: site, paths: paths(), outDir, workers: 2, kind: 'thread', manifest: false });
    expect(summary).toMatchObject({ rendered: 20, manifestFile: undefined });
    expect(Object.keys(treeOf(outDir))).toHaveLength(20);
  });

  it('reports the render children to onTelemetry while they run', async () => {
    const samples: WorkerTelemetry[][] = [];
    let sampled!: () => void;
    const firstSample = new Promise<void>((resolve) => {
      sampled = resolve;
    });
    async function* paths() {
      yield '/before';
      await firstSample; // the export (and its children) stays alive until a sample arrived
      yield '/after';
    }
    const summary = await exportStatic({
      renderer: site,
      paths: paths(),
      outDir: tempDir(),
      workers: 2,
      telemetryIntervalMs: 20,
      onTelemetry: (workers) => {
        samples.push(workers);
        if (workers.length === 2) sampled();
      },
    });
    expect(summary.rendered).toBe(2);
    const sample = samples.find((workers) => workers.length === 2)!;
    for (const worker of sample) {
      expect(worker.kind).toBe('process');
      expect(worker.pid).not.toBe(process.pid);
      expect(worker.heapUsedBytes).toBeGreaterThan(0);
    }
    expect(new Set(sample.map((worker) => worker.pid)).size).toBe(2);
  });

  it('rejects ERR_EXPORT_SOURCE_FAILED when the path stream throws, after recording what it gave', async () => {
    const outDir = tempDir();
    function* paths() {
      yield '/one';
      yield '/two';
      throw new Error('the database went away');
    }
    const error = await exportStatic({ renderer: site, paths: paths(), outDir, workers: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaticExportError);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_SOURCE_FAILED', cause: { message: 'the database went away' } });
    expect((error as Error).message).toContain('after 2 paths');
    expect(Object.keys(treeOf(outDir, { manifest: false }))).toEqual(['one/index.html', 'two/index.html']);
  });
});

describe('abort', () => {
  it('stops dispatching, lets the paths in flight finish, and rejects with the summary', async () => {
    const outDir = tempDir();
    const controller = new AbortController();
    const error = await exportStatic({
      renderer: fixture('slow-renderer.mjs'),
      paths: sitePaths(10_000),
      outDir,
      workers: 2,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.done === 6) controller.abort(new Error('enough'));
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportAbortedError);
    const { summary } = error as ExportAbortedError;
    expect(summary.aborted).toBe(true);
    expect(summary.rendered).toBeGreaterThanOrEqual(6);
    expect(summary.rendered).toBeLessThan(10_000);
    expect((error as Error).cause).toMatchObject({ message: 'enough' });
    expect(leftovers(outDir)).toEqual([]);
    // The manifest lists exactly the pages that were written.
    const pages = Object.keys(treeOf(outDir, { manifest: false }));
    const listed: string[] = [];
    for await (const entry of readManifest(join(outDir, '.drove-manifest.jsonl'))) listed.push(...entry.files.map((f) => f.file));
    expect(listed.sort()).toEqual(pages);
    expect(pages).toHaveLength(summary.rendered);
  });

  it('rejects at once, starting nothing, with a signal already aborted', async () => {
    const outDir = tempDir();
    const error = await exportStatic({ renderer: site, paths: ['/'], outDir, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_ABORTED', summary: { paths: 0 } });
  });

  it('stops waiting for setup when aborted while the children start', async () => {
    const controller = new AbortController();
    const exported = exportStatic({ renderer: fixture('slow-setup.mjs'), paths: ['/'], outDir: tempDir(), workers: 1, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(exported).rejects.toMatchObject({ code: 'ERR_EXPORT_ABORTED', summary: { paths: 0, aborted: true } });
  });

  it('stops the children of paths still rendering after abortGraceMs; they count as interrupted and publish nothing', async () => {
    const outDir = tempDir();
    const controller = new AbortController();
    const error = await exportStatic({
      renderer: fixture('flaky-renderer.mjs'),
      paths: ['/one', '/hang', '/two', '/three'],
      outDir,
      workers: 2,
      abortGraceMs: 100,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportAbortedError);
    const { summary } = error as ExportAbortedError;
    expect(summary.interrupted).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(outDir, 'hang'))).toBe(false);
    expect(leftovers(outDir)).toEqual([]);
  });
});
