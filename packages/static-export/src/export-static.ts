import { mkdir } from 'node:fs/promises';
import { ExportAbortedError, StaticExportError } from './errors.js';
import { ExportRun } from './internal/export-run.js';
import { ExportSession } from './internal/export-session.js';
import { resolveExportOptions, type ExportOptions } from './options.js';
import type { ExportSummary } from './report.js';

/**
 * Exports a static site: every path of `paths` is rendered by a render child
 * (a pool worker running the `renderer` module), which writes the path's
 * files itself — atomically — and answers with their names, sizes and hashes,
 * so page bytes never cross IPC and the coordinator's memory stays flat
 * however many paths and bytes there are. A path that fails (its render
 * throws, its child crashes or times out, it would escape `outDir`, it
 * collides with another) is reported and the export goes on.
 *
 * @returns the summary: paths rendered and failed, files and bytes written, failures, duration.
 * @throws (rejects) {StaticExportError} `ERR_EXPORT_INVALID_OPTION` for an invalid option (before any child starts),
 * `ERR_EXPORT_SETUP_FAILED` when a child's `setup` throws (the export stops at once; `cause` is the renderer's
 * own error), `ERR_EXPORT_SOURCE_FAILED` when the path stream throws, `ERR_EXPORT_MANIFEST` when the manifest
 * cannot be written, `ERR_EXPORT_WRITE_FAILED` when `outDir` cannot be created, and {@link ExportAbortedError} (`ERR_EXPORT_ABORTED`, with the summary) when `signal` aborts.
 * @example
 * ```ts
 * import { exportStatic } from '@drove/static-export';
 * const summary = await exportStatic({
 *   renderer: new URL('./render.mjs', import.meta.url),
 *   paths: ['/', '/about', '/blog/hello'],
 *   outDir: 'dist',
 *   workers: 'auto',
 * });
 * console.log(`${summary.rendered} pages, ${summary.failed} failed`);
 * ```
 */
export async function exportStatic(options: ExportOptions): Promise<ExportSummary> {
  const config = resolveExportOptions(options);
  if (config.signal?.aborted) {
    throw new ExportAbortedError(new ExportRun(config, undefined).summary(true), { cause: config.signal.reason });
  }
  try {
    await mkdir(config.outDir, { recursive: true });
  } catch (error) {
    throw new StaticExportError('ERR_EXPORT_WRITE_FAILED', `Could not create outDir ${config.outDir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new ExportSession(config).run();
}
