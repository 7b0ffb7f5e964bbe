import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exportStatic, resolveExportOptions, StaticExportError, type ExportOptions } from '@drove/static-export';
import { removeTempDirs } from '@drove/test-support';
import { fixture, fixturePath, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const base = (): ExportOptions => ({ renderer: fixture('site-renderer.mjs'), paths: ['/'], outDir: 'dist' });

function messageOf(options: Partial<ExportOptions> & Record<string, unknown>): string {
  try {
    resolveExportOptions({ ...base(), ...options } as ExportOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(StaticExportError);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_INVALID_OPTION', name: 'StaticExportError' });
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
}

describe('resolveExportOptions', () => {
  it('fills in defaults', () => {
    const resolved = resolveExportOptions(base());
    expect(resolved).toMatchObject({
      kind: 'process',
      workers: availableParallelism(),
      timeoutMs: 0,
      retries: 0,
      incremental: false,
      manifest: '.drove-manifest.jsonl',
      rendererUrl: pathToFileURL(fixturePath('site-renderer.mjs')).href,
    });
    expect(resolved.outDir).toMatch(/\/dist$/);
    expect(resolveExportOptions({ ...base(), kind: 'inline' }).workers).toBe(1);
    expect(resolveExportOptions({ ...base(), shard: { index: 3, count: 4 } }).manifest).toBe('.drove-manifest.3-of-4.jsonl');
    expect(resolveExportOptions({ ...base(), renderer: fixturePath('site-renderer.mjs') }).rendererUrl).toBe(resolved.rendererUrl);
  });

  it('names the option, what it expects and what it got', () => {
    expect(messageOf({ workers: 0 })).toBe('Expected `workers` to be an integer >= 1 and <= 1024, got `0` (number)');
    expect(messageOf({ workers: 'many' as never })).toBe('Expected `workers` to be an integer >= 1 and <= 1024, got `"many"` (string)');
    expect(messageOf({ kind: 'fiber' as never })).toBe("Expected `kind` to be one of `process`, `thread`, `inline`, got `\"fiber\"` (string)");
    expect(messageOf({ kind: 'inline', workers: 2 })).toContain("Expected `workers` to be 1 or 'auto' with `kind: 'inline'`");
    expect(messageOf({ timeoutMs: -1 })).toContain('Expected `timeoutMs` to be a number of milliseconds >= 0');
    expect(messageOf({ shard: { index: 3, count: 2 } })).toBe('Expected `shard.index` to be an integer >= 1 and <= 2, got `3` (number)');
    expect(messageOf({ paths: 42 as never })).toBe('Expected `paths` to be an iterable or an async iterable of strings, got `42` (number)');
    expect(messageOf({ manifest: 'a/b.jsonl' })).toContain('Expected `manifest` to be a file name (no directory) or false');
    expect(messageOf({ incremental: true, manifest: false })).toContain('with `incremental: true`');
    expect(messageOf({ onLog: 'yes' as never })).toContain('Expected `onLog` to be a function');
    expect(messageOf({ colour: true })).toContain('Unknown option `colour`');
    expect(messageOf({ renderer: '/nowhere/render.mjs' })).toBe('Expected `renderer` to name an existing module, got `/nowhere/render.mjs` (not found)');
    expect(messageOf({ renderer: new URL('https://example.com/render.mjs') })).toContain('Expected `renderer` to be a file: URL or a path');
  });

  it('refuses rendererOptions that cannot reach a child, naming the key path', () => {
    expect(messageOf({ rendererOptions: { db: { host: 'x', connect: () => 1 } } })).toMatch(
      /^Expected `rendererOptions\.db\.connect` to be structured-cloneable \(rendererOptions are copied into every render child\), got `\[function\]` \(function\)/,
    );
    expect(messageOf({ rendererOptions: { plugins: ['a', Symbol('b')] } })).toContain('`rendererOptions.plugins[1]`');
    expect(messageOf({ rendererOptions: { 'odd key': new WeakMap() } })).toContain('`rendererOptions["odd key"]`');
    expect(messageOf({ rendererOptions: new Map([['cache', { fetch }]]) })).toContain('`rendererOptions.get("cache").fetch`');
    expect(() => resolveExportOptions({ ...base(), rendererOptions: { date: new Date(0), list: [1, 2], nested: { ok: true } } })).not.toThrow();
  });
});

describe('exportStatic', () => {
  it('rejects invalid options before starting any child', async () => {
    const outDir = tempDir();
    const error = await exportStatic({ ...base(), outDir, rendererOptions: { callback: () => {} } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_INVALID_OPTION' });
    expect((error as StaticExportError).toJSON()).toMatchObject({ name: 'StaticExportError', code: 'ERR_EXPORT_INVALID_OPTION' });
  });

  it('refuses a renderer module without render', async () => {
    const error = await exportStatic({ ...base(), renderer: fixture('sparse-renderer.mjs').href.replace('sparse-renderer', 'helpers-not-a-renderer'), outDir: tempDir() }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_EXPORT_INVALID_OPTION' });
    const noRender = await exportStatic({ ...base(), renderer: fixture('no-render.mjs'), outDir: tempDir(), workers: 1 }).catch((e: unknown) => e);
    expect(noRender).toMatchObject({ code: 'ERR_EXPORT_SETUP_FAILED', cause: { code: 'ERR_EXPORT_INVALID_OPTION' } });
    expect((noRender as Error).message).toContain('exports no `render` function');
  });
});
