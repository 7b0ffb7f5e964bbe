import type { ExportSummary } from './report.js';

/**
 * Every error the exporter raises or reports is a {@link StaticExportError}
 * with a stable `code`. Codes are API: they are listed in the README and never
 * renamed within a major.
 */
export type StaticExportErrorCode =
  | 'ERR_EXPORT_INVALID_OPTION'
  | 'ERR_EXPORT_INVALID_PATH'
  | 'ERR_EXPORT_PATH_ESCAPES'
  | 'ERR_EXPORT_COLLISION'
  | 'ERR_EXPORT_SETUP_FAILED'
  | 'ERR_EXPORT_RENDER_FAILED'
  | 'ERR_EXPORT_INVALID_ARTIFACT'
  | 'ERR_EXPORT_WRITE_FAILED'
  | 'ERR_EXPORT_CHILD_EXITED'
  | 'ERR_EXPORT_TIMEOUT'
  | 'ERR_EXPORT_MANIFEST'
  | 'ERR_EXPORT_SOURCE_FAILED'
  | 'ERR_EXPORT_WOULD_OVERWRITE'
  | 'ERR_EXPORT_ABORTED'
  | 'ERR_EXPORT_REMOTE'
  | 'ERR_EXPORT_MERGE';

/** Options of every {@link StaticExportError}. */
export interface StaticExportErrorOptions {
  /** The error this one adds context to. */
  cause?: unknown;
  /** The path whose export failed, when the error belongs to one. */
  path?: string | undefined;
}

/**
 * The base class of the exporter's errors. A failure that belongs to one path
 * carries that `path`; `cause` keeps the error it adds context to (the
 * renderer's own error, the pool's `WorkerExitedError`, …).
 *
 * @example
 * ```ts
 * import { exportStatic, StaticExportError } from '@drove/static-export';
 * try { await exportStatic(options); } catch (error) {
 *   if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_SETUP_FAILED') console.error(error.cause);
 * }
 * ```
 */
export class StaticExportError extends Error {
  override name: string = 'StaticExportError';
  readonly code: StaticExportErrorCode;
  readonly path: string | undefined;

  constructor(code: StaticExportErrorCode, message: string, options: StaticExportErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.path = options.path;
  }

  /** A plain form for logs and for crossing a thread or process. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause instanceof Error ? plainError(this.cause) : this.cause;
    return { name: this.name, code: this.code, message: this.message, path: this.path, stack: this.stack, cause };
  }
}

/**
 * An export stopped by its `signal`: what finished is in `summary` (written
 * files are complete, and the manifest lists them). `cause` is the signal's reason.
 *
 * @example
 * ```ts
 * import { exportStatic, ExportAbortedError } from '@drove/static-export';
 * try { await exportStatic({ ...options, signal }); } catch (error) {
 *   if (error instanceof ExportAbortedError) console.log(`${error.summary.rendered} pages were written before the stop`);
 * }
 * ```
 */
export class ExportAbortedError extends StaticExportError {
  override name = 'ExportAbortedError' as const;
  /** What the export did before it stopped. */
  readonly summary: ExportSummary;

  constructor(summary: ExportSummary, options: StaticExportErrorOptions = {}) {
    super('ERR_EXPORT_ABORTED', 'The export was aborted', options);
    this.summary = summary;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), summary: this.summary };
  }
}

/** Tells an error code of this package from any other. */
export function isStaticExportErrorCode(code: unknown): code is StaticExportErrorCode {
  return typeof code === 'string' && code.startsWith('ERR_EXPORT_');
}

function plainError(error: Error): Record<string, unknown> {
  const json = (error as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return json.call(error) as Record<string, unknown>;
  return { name: error.name, code: (error as { code?: unknown }).code, message: error.message, stack: error.stack };
}
