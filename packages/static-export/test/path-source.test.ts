import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '@drove/test-support';
import { ExportRun } from '../src/internal/export-run.js';
import { AdmittedPaths, isPending, type SourceEnd } from '../src/internal/path-source.js';
import { resolveExportOptions } from '../src/options.js';
import { fixture, tempDir } from './helpers.js';

afterAll(removeTempDirs);

function setUp(paths: Iterable<unknown> | AsyncIterable<unknown>, shard?: { index: number; count: number }) {
  const options = resolveExportOptions({ renderer: fixture('noop-renderer.mjs'), paths: [], outDir: tempDir(), kind: 'inline', shard });
  const run = new ExportRun(options, undefined);
  const stop = new AbortController();
  const end: SourceEnd = { error: undefined };
  return { source: new AdmittedPaths(paths, run, stop.signal, end), run, stop, end };
}

/** Reads everything, awaiting only the steps that are pending. */
async function drain(source: AdmittedPaths): Promise<{ paths: string[]; pendingSteps: number }> {
  const paths: string[] = [];
  let pendingSteps = 0;
  for (;;) {
    let next = source.next();
    if (isPending(next)) {
      pendingSteps++;
      next = await next;
    }
    if (next.done) return { paths, pendingSteps };
    paths.push(next.value);
  }
}

/** Yields `/a` and `/b`; records `closed` when it is closed or finished. */
function* closable(events: string[]): Generator<string> {
  try {
    yield '/a';
    yield '/b';
  } finally {
    events.push('closed');
  }
}

describe('AdmittedPaths', () => {
  it('reads a sync stream without a promise a path, leaving out what is refused', async () => {
    const { source, run } = setUp(['/a', '/../escape', '/b', '/a', '/c']);
    expect(await drain(source)).toEqual({ paths: ['/a', '/b', '/c'], pendingSteps: 0 });
    expect(run.summary(false)).toMatchObject({ failed: 2 });
    expect(run.summary(false).failures.map((failure) => failure.code)).toEqual(['ERR_EXPORT_PATH_ESCAPES', 'ERR_EXPORT_COLLISION']);
  });

  it('reads an async stream, and skips over paths of other shards in it', async () => {
    const paths = Array.from({ length: 40 }, (_, i) => `/p-${i}`);
    const { source, run } = setUp(
      (async function* () {
        yield* paths;
      })(),
      { index: 1, count: 2 },
    );
    const { paths: read, pendingSteps } = await drain(source);
    expect(pendingSteps).toBeGreaterThan(0);
    expect(read.length + run.otherShards).toBe(40);
    expect(read.length).toBeGreaterThan(0);
    expect(run.otherShards).toBeGreaterThan(0);
  });

  it('ends, closing the stream and waiting for it to close, once stopped between two reads', async () => {
    const events: string[] = [];
    const { source, stop } = setUp(
      closable(events),
    );
    expect(source.next()).toEqual({ done: false, value: '/a' });
    stop.abort();
    expect(events).toEqual([]);
    const next = source.next();
    expect(isPending(next)).toBe(true);
    expect(await next).toEqual({ done: true, value: undefined });
    expect(events).toEqual(['closed']);
    expect(source.next()).toEqual({ done: true, value: undefined });
  });

  it('answers a read pending on a silent stream as soon as it is stopped, and asks the stream to close without waiting', async () => {
    let asked = false;
    const silent: AsyncIterator<string> & AsyncIterable<string> = {
      next: () => new Promise(() => {}),
      return: () => {
        asked = true;
        return new Promise(() => {});
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    const { source, stop } = setUp(silent);
    const pending = source.next();
    stop.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toBe(true);
  });

  it('keeps the error of a stream that throws, and ends', async () => {
    const { source, end } = setUp(
      (function* () {
        yield '/a';
        throw new Error('disk gone');
      })(),
    );
    expect(await drain(source)).toEqual({ paths: ['/a'], pendingSteps: 0 });
    expect((end.error as Error).message).toBe('disk gone');
    const rejected = setUp(
      (async function* () {
        yield '/a';
        throw new Error('socket gone');
      })(),
    );
    expect((await drain(rejected.source)).paths).toEqual(['/a']);
    expect((rejected.end.error as Error).message).toBe('socket gone');
  });

  it('closes the stream when its reader leaves early', async () => {
    const events: string[] = [];
    const { source } = setUp(
      closable(events),
    );
    expect(source.next()).toEqual({ done: false, value: '/a' });
    await source.return();
    expect(events).toEqual(['closed']);
  });
});
