import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportStatic, readManifest, StaticExportError, type ExportFailure } from '@drove/static-export';
import { removeTempDirs } from '@drove/test-support';
import { filesUnder, fixture, leftovers, tempDir } from './helpers.js';

afterAll(removeTempDirs);

function byPath(failures: ExportFailure[]): Record<string, ExportFailure> {
  return Object.fromEntries(failures.map((failure) => [failure.path, failure]));
}

describe.each(['process', 'thread'] as const)('a bad page, kind %s', (kind) => {
  it('fails that path alone — a throw, a rejection, process.exit and a hang past timeoutMs — and the run goes on', async () => {
    const outDir = tempDir();
    const paths = ['/ok-1', '/throw', '/ok-2', '/reject', '/ok-3', '/exit', '/ok-4', '/hang', '/ok-5', '/half', '/ok-6'];
    const summary = await exportStatic({
      renderer: fixture('flaky-renderer.mjs'),
      paths,
      outDir,
      kind,
      workers: 2,
      timeoutMs: 1500,
    });
    expect(summary).toMatchObject({ paths: 11, rendered: 6, failed: 5 });
    const failures = byPath(summary.failures);
    expect(failures['/throw']).toMatchObject({ code: 'ERR_EXPORT_RENDER_FAILED', message: 'Could not render /throw: no page for /throw' });
    // The renderer's own stack, from the child.
    expect(failures['/throw']!.stack).toContain('flaky-renderer.mjs');
    expect(failures['/reject']).toMatchObject({ code: 'ERR_EXPORT_RENDER_FAILED', message: 'Could not render /reject: async failure for /reject' });
    expect(failures['/exit']).toMatchObject({ code: 'ERR_EXPORT_CHILD_EXITED' });
    expect(failures['/exit']!.message).toContain('exited with code 7 while rendering /exit');
    expect(failures['/hang']).toMatchObject({ code: 'ERR_EXPORT_TIMEOUT' });
    expect(failures['/hang']!.message).toContain('longer than 1500 ms');
    expect(failures['/half']).toMatchObject({ code: 'ERR_EXPORT_RENDER_FAILED' });
    // Every good page was written; the failed ones published nothing, not even what they had staged.
    expect(filesUnder(outDir)).toEqual([
      '.drove-manifest.jsonl',
      'ok-1/index.html',
      'ok-2/index.html',
      'ok-3/index.html',
      'ok-4/index.html',
      'ok-5/index.html',
      'ok-6/index.html',
    ]);
  });

  it('renders a crashed path again on a fresh child with retries: 1', async () => {
    const outDir = tempDir();
    const markerDir = tempDir();
    const summary = await exportStatic({
      renderer: fixture('flaky-renderer.mjs'),
      rendererOptions: { markerDir },
      paths: ['/a', '/crash-once', '/b'],
      outDir,
      kind,
      workers: 2,
      retries: 1,
    });
    expect(summary).toMatchObject({ rendered: 3, failed: 0 });
    expect(existsSync(join(markerDir, 'crashed-_crash-once'))).toBe(true);
    expect(readFileSync(join(outDir, 'crash-once/index.html'), 'utf8')).toBe('<p>/crash-once</p>\n');
  });

  it('stops at once with ERR_EXPORT_SETUP_FAILED, carrying the setup error and its stack, when setup throws', async () => {
    const outDir = tempDir();
    const error = await exportStatic({
      renderer: fixture('setup-fails.mjs'),
      rendererOptions: { config: 'site.config.json' },
      paths: ['/a', '/b'],
      outDir,
      kind,
      workers: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaticExportError);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_SETUP_FAILED', cause: { message: 'config not found: site.config.json' } });
    expect((error as Error).message).toContain('config not found: site.config.json');
    expect(((error as Error).cause as Error).stack).toContain('setup-fails.mjs');
    expect(filesUnder(outDir)).toEqual([]);
  });
});

describe('unsafe paths and artifacts', () => {
  it('fails every path that would escape outDir, writing nothing for it', async () => {
    const outDir = join(tempDir(), 'site');
    const paths = ['/../escaped', '/a/../../escaped', '/%2e%2e/escaped', '/a%2F..%2F..%2Fescaped', '/x\0y', '/C:/escaped', '/..\\escaped', '/fine'];
    const summary = await exportStatic({ renderer: fixture('escaping-renderer.mjs'), paths, outDir, workers: 1 });
    expect(summary).toMatchObject({ rendered: 1, failed: 7 });
    for (const failure of summary.failures) expect(failure.code).toBe('ERR_EXPORT_PATH_ESCAPES');
    expect(filesUnder(join(outDir, '..'))).toEqual(['site/.drove-manifest.jsonl', 'site/fine/index.html']);
  });

  it('fails every path whose artifacts would escape, or misname a file, publishing none of its files', async () => {
    const root = tempDir();
    const outDir = join(root, 'site');
    mkdirSync(outDir);
    const outside = tempDir();
    symlinkSync(outside, join(outDir, 'link'));
    const paths = ['/dotdot', '/deep-dotdot', '/absolute', '/nul', '/drive', '/backslash', '/caught', '/list', '/symlink', '/manifest', '/directory', '/bad-data', '/bad-result', '/fine'];
    // The link is a user's entry in an outDir no export wrote into: `force` lets the run start; escapes stay refused.
    const summary = await exportStatic({ renderer: fixture('escaping-renderer.mjs'), paths, outDir, workers: 2, force: true });
    const failures = byPath(summary.failures);
    expect(summary).toMatchObject({ rendered: 1, failed: 13 });
    for (const path of ['/dotdot', '/deep-dotdot', '/absolute', '/nul', '/drive', '/backslash', '/caught', '/list', '/symlink']) {
      expect(failures[path], path).toMatchObject({ code: 'ERR_EXPORT_PATH_ESCAPES' });
    }
    expect(failures['/manifest']).toMatchObject({ code: 'ERR_EXPORT_COLLISION' });
    expect(failures['/directory']).toMatchObject({ code: 'ERR_EXPORT_INVALID_ARTIFACT' });
    expect(failures['/bad-data']).toMatchObject({ code: 'ERR_EXPORT_INVALID_ARTIFACT' });
    expect(failures['/bad-result']).toMatchObject({ code: 'ERR_EXPORT_INVALID_ARTIFACT' });
    expect(failures['/symlink']!.message).toContain('symbolic link');
    // /list staged a good file before its bad one: nothing of it is published.
    expect(filesUnder(root)).toEqual(['site/.drove-manifest.jsonl', 'site/fine/index.html']);
    expect(filesUnder(outside)).toEqual([]);
    expect(existsSync('/tmp/escaped.html')).toBe(false);
  });

  it('reports two paths that map to the same file as a collision, rendering only the first', async () => {
    const outDir = tempDir();
    const summary = await exportStatic({
      renderer: fixture('site-renderer.mjs'),
      paths: ['/about', '/about/', '/about/index.html', '/About', '/a/../about', '/feed.xml', '/feed.xml'],
      outDir,
      workers: 2,
    });
    expect(summary).toMatchObject({ rendered: 3, failed: 4 });
    expect(summary.failures.map((failure) => [failure.path, failure.code])).toEqual([
      ['/about/', 'ERR_EXPORT_COLLISION'],
      ['/about/index.html', 'ERR_EXPORT_COLLISION'],
      ['/a/../about', 'ERR_EXPORT_COLLISION'],
      ['/feed.xml', 'ERR_EXPORT_COLLISION'],
    ]);
    expect(readFileSync(join(outDir, 'about/index.html'), 'utf8')).toContain('<h1>/about</h1>');
    const listed: string[] = [];
    for await (const entry of readManifest(join(outDir, '.drove-manifest.jsonl'))) listed.push(entry.path);
    expect(listed).toEqual(['/about', '/About', '/feed.xml']);
  });

  it('reports an artifact another path also wrote as a collision', async () => {
    const outDir = tempDir();
    // The asset page writes x/with-assets/data.json besides its page; the second path maps to that very file.
    // Which of the two is blamed depends on which claimed the file first; that one of them is, does not.
    const summary = await exportStatic({
      renderer: fixture('site-renderer.mjs'),
      paths: ['/x/with-assets', '/x/with-assets/data.json'],
      outDir,
      workers: 1,
    });
    expect(summary).toMatchObject({ rendered: 1, failed: 1 });
    expect(summary.failures[0]!.code).toBe('ERR_EXPORT_COLLISION');
    expect(summary.failures[0]!.message).toContain('x/with-assets/data.json');
  });

  it('never leaves a temporary file, whatever failed', async () => {
    const outDir = tempDir();
    await exportStatic({
      renderer: fixture('flaky-renderer.mjs'),
      paths: ['/half', '/exit', '/ok', '/throw'],
      outDir,
      workers: 2,
    });
    expect(leftovers(outDir)).toEqual([]);
  });
});
