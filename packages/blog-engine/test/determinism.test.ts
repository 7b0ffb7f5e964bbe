import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, generateSite } from '@drove/blog-engine';
import { makeRealTextCorpus } from '../bench/lib/realtext-corpus.mjs';
import { tempDir, tree } from './helpers.js';

/** Builds `site` into a new folder with `options` and expects exactly the files and bytes of `reference`. */
async function expectSameBytes(site: string, reference: Map<string, string>, options: { workers?: number; kind?: 'inline' }): Promise<void> {
  const out = join(tempDir(), 'out');
  await build({ site, out, ...options, database: `file:${join(out, '..', 'build.db')}` });
  const files = tree(out);
  expect([...files.keys()]).toEqual([...reference.keys()]);
  expect(files).toEqual(reference);
}

describe('output does not depend on how it was rendered', () => {
  let site: string;
  let reference: Map<string, string>;

  beforeAll(async () => {
    site = tempDir();
    await generateSite({ out: site, posts: 150, seed: 11 });
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 1, database: `file:${join(out, '..', 'one.db')}` });
    expect(result.written).toBeGreaterThan(200);
    reference = tree(out);
  });

  it.each([
    ['2 workers', { workers: 2 }],
    ['4 workers', { workers: 4 }],
    ['inline', { kind: 'inline' as const }],
  ])('is byte-identical with %s', async (_label, options) => {
    await expectSameBytes(site, reference, options);
  });

  it('generates the same corpus for the same seed, and another for another seed', async () => {
    const again = tempDir();
    await generateSite({ out: again, posts: 150, seed: 11 });
    const strip = (m: Map<string, string>) => new Map([...m].filter(([p]) => !p.startsWith('_site') && !p.startsWith('.drove-cache')));
    expect(strip(tree(again))).toEqual(strip(tree(site)));
    const other = tempDir();
    await generateSite({ out: other, posts: 150, seed: 12 });
    expect(strip(tree(other))).not.toEqual(strip(tree(site)));
  });
});

// Text nobody wrote for this engine: the Markdown documentation of the packages npm installed (raw HTML, tables,
// badges, code in many languages), with full-content feeds whose posts' HTML is handed between workers.
describe('output on real text does not depend on how it was rendered', () => {
  let site: string;
  let reference: Map<string, string>;

  beforeAll(async () => {
    site = tempDir();
    const corpus = makeRealTextCorpus(site, 150, 5);
    expect(corpus.distinct).toBeGreaterThan(150);
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 1, database: `file:${join(out, '..', 'one.db')}` });
    expect(result.written).toBeGreaterThan(300);
    reference = tree(out);
  }, 120_000);

  it.each([
    ['2 workers', { workers: 2 }],
    ['inline', { kind: 'inline' as const }],
  ])('is byte-identical with %s', async (_label, options) => {
    await expectSameBytes(site, reference, options);
  }, 120_000);
});
