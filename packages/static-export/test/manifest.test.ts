import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultManifestName, exportStatic, parseManifestLine, readManifest, type ExportLogEntry } from '@drove/static-export';
import { removeTempDirs } from '@drove/test-support';
import { fixture, leftovers, tempDir, treeOf } from './helpers.js';

afterAll(removeTempDirs);

const site = fixture('site-renderer.mjs');
const paths = ['/', '/about', '/blog/1/with-assets', '/feed.xml'];

describe('manifest', () => {
  it('is named per shard', () => {
    expect(defaultManifestName()).toBe('.drove-manifest.jsonl');
    expect(defaultManifestName({ index: 2, count: 8 })).toBe('.drove-manifest.2-of-8.jsonl');
  });

  it('reads back line by line, and refuses a line that is not an entry', async () => {
    const dir = tempDir();
    const file = join(dir, 'm.jsonl');
    const entry = { path: '/a', files: [{ file: 'a/index.html', bytes: 3, hash: 'ab' }], bytes: 3, hash: 'cd' };
    writeFileSync(file, `${JSON.stringify(entry)}\n\n${JSON.stringify({ path: 1 })}\n`);
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const read of readManifest(file)) seen.push(read);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([entry]);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_MANIFEST' });
    expect((error as Error).message).toContain('m.jsonl:3');
    expect(parseManifestLine('not json')).toBeUndefined();
  });

  it('is replaced atomically: the previous one stays whole until the new one is complete', async () => {
    const outDir = tempDir();
    await exportStatic({ renderer: site, paths, outDir, workers: 1 });
    const first = readFileSync(join(outDir, '.drove-manifest.jsonl'), 'utf8');
    // A run whose setup fails renders nothing and leaves the previous manifest as it was.
    await exportStatic({ renderer: fixture('setup-fails.mjs'), paths, outDir, workers: 1 }).catch(() => undefined);
    expect(readFileSync(join(outDir, '.drove-manifest.jsonl'), 'utf8')).toBe(first);
    expect(leftovers(outDir)).toEqual([]);
  });
});

describe('incremental', () => {
  it('leaves files whose content hash is unchanged, and rewrites the changed and the missing', async () => {
    const outDir = tempDir();
    await exportStatic({ renderer: site, paths, outDir, workers: 2, rendererOptions: { title: 'One' } });
    const before = treeOf(outDir, { manifest: false });
    const inode = (file: string) => statSync(join(outDir, file)).ino;
    const inodes = Object.fromEntries(Object.keys(before).map((file) => [file, inode(file)]));
    unlinkSync(join(outDir, 'about/index.html'));

    const logs: ExportLogEntry[] = [];
    const again = await exportStatic({
      renderer: site,
      paths,
      outDir,
      workers: 2,
      incremental: true,
      rendererOptions: { title: 'One' },
      onLog: (entry) => logs.push(entry),
    });
    // Only the deleted page was written again; every other file is the very same file.
    expect(again).toMatchObject({ rendered: 4, artifacts: 1, unchanged: 5 });
    expect(treeOf(outDir, { manifest: false })).toEqual(before);
    for (const file of Object.keys(before)) if (file !== 'about/index.html') expect(inode(file), file).toBe(inodes[file]);
    expect(logs.filter((entry) => entry.type === 'artifact' && entry.unchanged)).toHaveLength(5);

    // A new title changes every page but not the data files of the asset page.
    const changed = await exportStatic({ renderer: site, paths, outDir, workers: 2, incremental: true, rendererOptions: { title: 'Two' } });
    expect(changed).toMatchObject({ rendered: 4, artifacts: 4, unchanged: 2 });
    expect(readFileSync(join(outDir, 'index.html'), 'utf8')).toContain('<title>Two</title>');
    expect(inode('blog/1/with-assets/data.json')).toBe(inodes['blog/1/with-assets/data.json']);
  });

  it('rewrites a file changed on disk behind its back when its size changed', async () => {
    const outDir = tempDir();
    await exportStatic({ renderer: site, paths: ['/a'], outDir, workers: 1, kind: 'inline' });
    writeFileSync(join(outDir, 'a/index.html'), 'tampered');
    const summary = await exportStatic({ renderer: site, paths: ['/a'], outDir, kind: 'inline', incremental: true });
    expect(summary).toMatchObject({ artifacts: 1, unchanged: 0 });
    expect(readFileSync(join(outDir, 'a/index.html'), 'utf8')).toContain('<h1>/a</h1>');
  });

  it('treats a missing or damaged previous manifest as empty', async () => {
    const outDir = tempDir();
    const first = await exportStatic({ renderer: site, paths, outDir, workers: 1, incremental: true });
    expect(first).toMatchObject({ artifacts: 6, unchanged: 0 });
    writeFileSync(join(outDir, '.drove-manifest.jsonl'), 'garbage\n');
    // A damaged manifest vouches for no file: without `force` they would count as a user's (see overwrite.test.ts).
    const second = await exportStatic({ renderer: site, paths, outDir, workers: 1, incremental: true, force: true });
    expect(second).toMatchObject({ artifacts: 6, unchanged: 0 });
  });
});
