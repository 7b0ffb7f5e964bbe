import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExportAbortedError, exportStatic, type ExportFailure, type ExportOptions } from '@drove/static-export';
import { dispatchInChunks, type ChunkRunOptions } from '../src/internal/chunked-dispatch.js';
import type { ChunkReply, ChunkTask } from '../src/internal/render-task.js';
import { removeTempDirs } from '@drove/test-support';
import { filesUnder, fixture, leftovers, sitePaths, tempDir, treeOf } from './helpers.js';

afterAll(removeTempDirs);

/** The internal option that forces every chunk to this many paths. */
function chunked(options: ExportOptions, size: number): ExportOptions {
  return { ...options, [Symbol.for('drove.static-export.chunkPaths')]: size } as ExportOptions;
}

function byPath(failures: ExportFailure[]): Record<string, ExportFailure> {
  return Object.fromEntries(failures.map((failure) => [failure.path, failure]));
}

describe.each(['process', 'thread'] as const)('paths in chunks, kind %s', (kind) => {
  it('writes the same bytes and manifest as inline, and reports every path in order', async () => {
    const options = { renderer: fixture('site-renderer.mjs'), rendererOptions: { title: 'Chunked', rounds: 20 } };
    const reference = tempDir();
    await exportStatic({ ...options, paths: sitePaths(300), outDir: reference, kind: 'inline' });
    for (const size of [7, undefined]) {
      const outDir = tempDir();
      const progress: string[] = [];
      const messages: string[] = [];
      const base: ExportOptions = {
        ...options,
        paths: sitePaths(300),
        outDir,
        kind,
        workers: 2,
        onProgress: (event) => progress.push(event.path),
        onLog: (entry) => {
          if (entry.type === 'message') messages.push(entry.path);
        },
      };
      const summary = await exportStatic(size === undefined ? base : chunked(base, size));
      expect(summary).toMatchObject({ paths: 300, rendered: 300, failed: 0 });
      expect(treeOf(outDir)).toEqual(treeOf(reference));
      expect(leftovers(outDir)).toEqual([]);
      expect(progress).toEqual([...sitePaths(300)]);
      expect(messages).toEqual([...sitePaths(300)].filter((path) => path.endsWith('/with-assets')));
    }
  });

  it('blames a crash, a hang and a throw inside a chunk on exactly that path; the chunk\'s other paths render', async () => {
    const outDir = tempDir();
    const paths = ['/a-1', '/a-2', '/exit', '/a-3', '/b-1', '/throw', '/b-2', '/b-3', '/c-1', '/c-2', '/hang', '/c-3', '/d-1', '/d-2'];
    const summary = await exportStatic(chunked({ renderer: fixture('flaky-renderer.mjs'), paths, outDir, kind, workers: 2, timeoutMs: 400 }, 4));
    expect(summary).toMatchObject({ paths: 14, rendered: 11, failed: 3 });
    const failures = byPath(summary.failures);
    expect(Object.keys(failures).sort()).toEqual(['/exit', '/hang', '/throw']);
    expect(failures['/exit']).toMatchObject({ code: 'ERR_EXPORT_CHILD_EXITED' });
    expect(failures['/exit']!.message).toContain('exited with code 7 while rendering /exit');
    expect(failures['/hang']).toMatchObject({ code: 'ERR_EXPORT_TIMEOUT' });
    expect(failures['/hang']!.message).toContain('longer than 400 ms');
    expect(failures['/throw']).toMatchObject({ code: 'ERR_EXPORT_RENDER_FAILED', message: 'Could not render /throw: no page for /throw' });
    expect(failures['/throw']!.stack).toContain('flaky-renderer.mjs');
    const good = paths.filter((path) => !(path in failures)).map((path) => `${path.slice(1)}/index.html`);
    expect(filesUnder(outDir)).toEqual(['.drove-manifest.jsonl', ...good].sort());
    expect(leftovers(outDir)).toEqual([]);
  });

  it('renders again alone every path of a chunk whose child died, so a crash that does not recur costs nothing', async () => {
    // Alone, with retries: 0, /crash-once would fail: the crash inside the chunk is not held against it.
    const outDir = tempDir();
    const markerDir = tempDir();
    const paths = ['/a-1', '/crash-once', '/a-2', '/a-3'];
    const summary = await exportStatic(
      chunked({ renderer: fixture('flaky-renderer.mjs'), rendererOptions: { markerDir }, paths, outDir, kind, workers: 1 }, 4),
    );
    expect(summary).toMatchObject({ paths: 4, rendered: 4, failed: 0 });
    expect(filesUnder(markerDir)).toEqual(['crashed-_crash-once']);
    expect(filesUnder(outDir)).toEqual(['.drove-manifest.jsonl', 'a-1/index.html', 'a-2/index.html', 'a-3/index.html', 'crash-once/index.html']);
  });

  it('counts every path of a chunk stopped by an abort as interrupted, those it already wrote too, and lists none in a manifest', async () => {
    const outDir = tempDir();
    const controller = new AbortController();
    // Abort once the chunk has written its first two paths and is stuck in /hang.
    const poll = setInterval(() => {
      if (existsSync(join(outDir, 'a-2', 'index.html'))) controller.abort();
    }, 20);
    const error = await exportStatic(
      chunked({ renderer: fixture('flaky-renderer.mjs'), paths: ['/a-1', '/a-2', '/hang', '/a-3'], outDir, kind, workers: 1, abortGraceMs: 100, signal: controller.signal }, 4),
    )
      .catch((e: unknown) => e)
      .finally(() => clearInterval(poll));
    expect(error).toBeInstanceOf(ExportAbortedError);
    expect((error as ExportAbortedError).summary).toMatchObject({ rendered: 0, failed: 0, interrupted: 4, aborted: true });
    // Whole files, never a half-written one, and a manifest that claims none of them: an earlier manifest
    // listing them would vouch for bytes this run replaced.
    expect(filesUnder(outDir)).toEqual(['.drove-manifest.jsonl', 'a-1/index.html', 'a-2/index.html']);
    expect(readFileSync(join(outDir, '.drove-manifest.jsonl'), 'utf8')).toBe('');
    expect(leftovers(outDir)).toEqual([]);
  });

  it('fails a path slower than timeoutMs inside a chunk that finished, publishing nothing of it', async () => {
    const outDir = tempDir();
    const paths = ['/a-1', '/a-2', '/slow', '/a-3'];
    const summary = await exportStatic(chunked({ renderer: fixture('flaky-renderer.mjs'), paths, outDir, kind, workers: 1, timeoutMs: 300 }, 4));
    expect(summary).toMatchObject({ paths: 4, rendered: 3, failed: 1 });
    expect(summary.failures[0]).toMatchObject({ path: '/slow', code: 'ERR_EXPORT_TIMEOUT' });
    expect(filesUnder(outDir)).toEqual(['.drove-manifest.jsonl', 'a-1/index.html', 'a-2/index.html', 'a-3/index.html']);
  });
});

/** A fake pool: renders `path` as its own name after `ms(path)` of virtual time, and records each chunk. */
function fakeChildren(behave: (path: string) => 'ok' | 'throw' | 'crash' = () => 'ok', ms = 1) {
  const chunks: string[][] = [];
  const run = ({ paths }: ChunkTask, options: ChunkRunOptions): Promise<ChunkReply> => {
    chunks.push(paths);
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (paths.some((path) => behave(path) === 'crash')) {
          reject(Object.assign(new Error('child died'), { code: 'ERR_POOL_WORKER_EXITED', retries: options.retries }));
          return;
        }
        resolve({
          outcomes: paths.map((path) =>
            behave(path) === 'throw'
              ? { error: { name: 'Error', message: `bad ${path}`, code: 'ERR_EXPORT_RENDER_FAILED' } }
              : { reply: { files: [], hash: path, logs: undefined } },
          ),
          renderMs: ms * paths.length,
        });
      });
    });
  };
  return { chunks, run };
}

async function* from(paths: string[]): AsyncGenerator<string> {
  yield* paths;
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `/p-${i}`);

async function collect(paths: string[], children: ReturnType<typeof fakeChildren>, forcedSize?: number, stop = new AbortController().signal) {
  const out: { path: string; ok: boolean; code?: unknown }[] = [];
  for await (const batch of dispatchInChunks(from(paths), children.run, { slots: 2, window: 256, timeoutMs: 0, retries: 1, forcedSize, stop })) {
    for (const settled of batch) {
      out.push({
        path: settled.input,
        ok: settled.status === 'fulfilled',
        code: settled.status === 'rejected' ? (settled.reason as { code?: unknown }).code : undefined,
      });
    }
  }
  return out;
}

describe('dispatchInChunks', () => {
  it('starts with one path a chunk, grows to fill about 32 ms, and shrinks at the end of the stream', async () => {
    const children = fakeChildren(() => 'ok', 4);
    const out = await collect(names(200), children);
    expect(out.map((each) => each.path)).toEqual(names(200));
    expect(out.every((each) => each.ok)).toBe(true);
    const sizes = children.chunks.map((chunk) => chunk.length);
    expect(sizes[0]).toBe(1);
    expect(Math.max(...sizes)).toBe(8);
    // The last chunks are small, so both children finish together.
    expect(sizes.at(-1)).toBe(1);
    expect(children.chunks.flat()).toEqual(names(200));
  });

  it('caps the chunk at 32 paths for very fast pages, and keeps one path a chunk for slow ones', async () => {
    const fast = fakeChildren(() => 'ok', 0.01);
    await collect(names(300), fast);
    expect(Math.max(...fast.chunks.map((chunk) => chunk.length))).toBe(32);
    const slow = fakeChildren(() => 'ok', 20);
    await collect(names(50), slow);
    expect(Math.max(...slow.chunks.map((chunk) => chunk.length))).toBe(1);
  });

  it('sends each path of a chunk whose child died again alone, with its retries; a throw fails its path only', async () => {
    const children = fakeChildren((path) => (path === '/p-5' ? 'crash' : path === '/p-9' ? 'throw' : 'ok'));
    const out = await collect(names(16), children, 4);
    expect(out.filter((each) => !each.ok)).toEqual([
      { path: '/p-5', ok: false, code: 'ERR_POOL_WORKER_EXITED' },
      { path: '/p-9', ok: false, code: 'ERR_EXPORT_RENDER_FAILED' },
    ]);
    expect(children.chunks).toEqual([
      ['/p-0', '/p-1', '/p-2', '/p-3'],
      ['/p-4', '/p-5', '/p-6', '/p-7'],
      ['/p-8', '/p-9', '/p-10', '/p-11'],
      ['/p-12', '/p-13', '/p-14', '/p-15'],
      ['/p-4'],
      ['/p-5'],
      ['/p-6'],
      ['/p-7'],
    ]);
  });

  it('reads a sync stream as it goes and yields what finished in batches, in order', async () => {
    const children = fakeChildren(() => 'ok', 0.01);
    let read = 0;
    const source = (function* () {
      for (const name of names(500)) {
        read++;
        yield name;
      }
    })();
    const batches: string[][] = [];
    for await (const batch of dispatchInChunks(source, children.run, { slots: 2, window: 64, timeoutMs: 0, retries: 0, forcedSize: undefined, stop: new AbortController().signal })) {
      // Backpressure: never more than the window ahead of what was taken.
      expect(read - batches.flat().length).toBeLessThanOrEqual(64);
      batches.push(batch.map((settled) => settled.input));
    }
    expect(batches.flat()).toEqual(names(500));
    expect(batches.some((batch) => batch.length > 1)).toBe(true);
    expect(children.chunks.flat()).toEqual(names(500));
  });

  it('dispatches nothing new once stopped: paths pulled but not sent are interrupted', async () => {
    const stop = new AbortController();
    const children = fakeChildren();
    const out: string[] = [];
    const source = (async function* () {
      yield* names(10);
      stop.abort();
      yield '/late';
    })();
    for await (const batch of dispatchInChunks(source, children.run, { slots: 1, window: 64, timeoutMs: 0, retries: 0, forcedSize: 4, stop: stop.signal })) {
      for (const settled of batch) out.push(`${settled.input} ${settled.status}`);
    }
    expect(children.chunks.flat()).toEqual(names(8));
    expect(out.slice(8)).toEqual(['/p-8 rejected', '/p-9 rejected', '/late rejected']);
  });
});
