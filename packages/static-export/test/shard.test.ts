import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportStatic, parseShard, shardOf } from '@drove/static-export';
import { removeTempDirs } from '@drove/test-support';
import { fixture, sitePaths, tempDir, treeOf } from './helpers.js';

afterAll(removeTempDirs);

describe('parseShard', () => {
  it('reads index/count, 1-based', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });

  it.each([['0/4'], ['5/4'], ['2'], ['a/b'], ['1/0'], ['-1/3']])('refuses %j', (text) => {
    expect(() => parseShard(text)).toThrow(expect.objectContaining({ code: 'ERR_EXPORT_INVALID_OPTION' }));
  });
});

describe('shardOf', () => {
  it('is a stable function of the output file: the same on every machine and run', () => {
    // Pinned values: FNV-1a of the output file. Changing them would reshuffle every user's CI matrix.
    expect(['/', '/about', '/blog/hello', '/feed.xml'].map((path) => shardOf(path, 8))).toEqual([
      shardOf('/index.html', 8),
      shardOf('/about/', 8),
      shardOf('/blog/hello/index.html', 8),
      shardOf('feed.xml', 8),
    ]);
    // Checked against an independent FNV-1a over UTF-8 (Python's str.encode()), astral characters included.
    expect(['/', '/about', '/blog/hello', '/feed.xml', '/caf%C3%A9', '/%F0%9F%98%80'].map((path) => shardOf(path, 7))).toEqual([
      4, 5, 3, 6, 5, 3,
    ]);
    expect(shardOf('/anything', 1)).toBe(1);
  });

  it('spreads paths evenly', () => {
    const counts = [0, 0, 0, 0];
    for (const path of sitePaths(4000)) counts[shardOf(path, 4) - 1]!++;
    for (const count of counts) expect(count).toBeGreaterThan(850);
  });
});

describe('sharded exports', () => {
  it('are disjoint, and their union is byte-identical to a single-machine run', async () => {
    const paths = () => [...sitePaths(240), '/dup', '/dup/', '/../escapes'];
    const single = tempDir();
    const whole = await exportStatic({ renderer: fixture('site-renderer.mjs'), paths: paths(), outDir: single, workers: 2 });
    expect(whole).toMatchObject({ rendered: 241, failed: 2 });

    const union: Record<string, string> = {};
    const manifestLines: string[] = [];
    let rendered = 0;
    let failed = 0;
    for (let index = 1; index <= 3; index++) {
      const outDir = tempDir();
      const summary = await exportStatic({
        renderer: fixture('site-renderer.mjs'),
        paths: paths(),
        outDir,
        workers: 2,
        kind: index === 2 ? 'thread' : 'process',
        shard: { index, count: 3 },
      });
      expect(summary.shard).toEqual({ index, count: 3 });
      expect(summary.paths + summary.otherShards).toBe(paths().length);
      rendered += summary.rendered;
      failed += summary.failed;
      const tree = treeOf(outDir, { manifest: false });
      for (const [file, hash] of Object.entries(tree)) {
        expect(union[file], `${file} is in two shards`).toBeUndefined();
        union[file] = hash;
      }
      manifestLines.push(...readFileSync(join(outDir, `.drove-manifest.${index}-of-3.jsonl`), 'utf8').trim().split('\n'));
    }
    // The collision (/dup, /dup/) and the escape are each reported by exactly one shard.
    expect({ rendered, failed }).toEqual({ rendered: 241, failed: 2 });
    expect(union).toEqual(treeOf(single, { manifest: false }));
    const singleLines = readFileSync(join(single, '.drove-manifest.jsonl'), 'utf8').trim().split('\n');
    expect(manifestLines.sort()).toEqual(singleLines.sort());
  });
});
