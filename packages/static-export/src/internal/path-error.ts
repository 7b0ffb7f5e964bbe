import { isStaticExportErrorCode, StaticExportError } from '../errors.js';
import type { ExportFailure } from '../report.js';

/**
 * Turns why a path's task rejected into the exporter's own error, keeping the
 * cause: a coded error from the child is rebuilt as itself (structured clone
 * dropped its class), the pool's crash and timeout errors get our codes, and
 * anything else is a render failure. Returns `undefined` for a task that was
 * cut short by stopping the export (aborted, pool destroyed, or no child could
 * start): it failed nothing, it was interrupted.
 */
export function toPathError(error: unknown, path: string): StaticExportError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof StaticExportError) return error;
  if (isStaticExportErrorCode(code)) {
    const source = error as Error;
    const rebuilt = new StaticExportError(code, source.message, { cause: source.cause, path });
    if (source.stack !== undefined) rebuilt.stack = source.stack;
    return rebuilt;
  }
  switch (code) {
    case 'ERR_POOL_WORKER_EXITED': {
      const { exitCode, signal } = error as { exitCode?: number | null; signal?: string | null };
      const how = signal ? `was killed by ${signal}` : `exited with code ${String(exitCode)}`;
      return new StaticExportError('ERR_EXPORT_CHILD_EXITED', `The render child ${how} while rendering ${path}; it was replaced`, {
        cause: error,
        path,
      });
    }
    case 'ERR_POOL_TASK_TIMEOUT': {
      const { timeoutMs } = error as { timeoutMs?: number };
      return new StaticExportError('ERR_EXPORT_TIMEOUT', `Rendering ${path} took longer than ${String(timeoutMs)} ms; its child was stopped and replaced`, {
        cause: error,
        path,
      });
    }
    case 'ERR_POOL_DESTROYED':
    case 'ERR_POOL_WORKER_INIT':
    case 'ABORT_ERR':
      return undefined;
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new StaticExportError('ERR_EXPORT_RENDER_FAILED', `Could not render ${path}: ${message}`, { cause: error, path });
    }
  }
}

/** The plain failure record of a path error: the renderer's own stack when there is one. */
export function failureOf(path: string, error: StaticExportError): ExportFailure {
  const cause = error.cause instanceof Error && error.code === 'ERR_EXPORT_RENDER_FAILED' ? error.cause : undefined;
  return { path, code: error.code, message: error.message, stack: cause?.stack ?? error.stack };
}
