/**
 * The `logs` option: where the supervisor writes its children's output
 * lines, how large a file grows before it is rotated, how many rotated files
 * are kept and how much a child's file may buffer. Checked eagerly, every
 * problem listed at once.
 *
 * @module
 */
import { join, resolve } from 'node:path';
import { Problems, throwIfInvalid } from './internal/validate.js';

/** Where the supervisor writes its children's output lines (the `logs` option). */
export interface LogOptions {
  /**
   * The folder of the log files, created if missing (mode 0700). Relative to the supervisor's `cwd`.
   * @default `<runFolder>/logs` when the supervisor has a `runFolder` (required otherwise)
   */
  dir?: string;
  /** A file is rotated before it would pass this size. @default 10485760 (10 MiB) */
  maxBytes?: number;
  /** Rotated files kept per child (`web.log.1` is the newest); `0` keeps none. @default 5 */
  keep?: number;
  /**
   * Bytes of lines a child's file may hold in memory while the disk catches up;
   * a line that does not fit is dropped and counted (`droppedLines`).
   * @default 1048576 (1 MiB)
   */
  maxBufferedBytes?: number;
}

/** The fully-filled form of {@link LogOptions}. */
export interface ResolvedLogOptions {
  dir: string;
  maxBytes: number;
  keep: number;
  maxBufferedBytes: number;
}

const KNOWN = ['dir', 'maxBytes', 'keep', 'maxBufferedBytes'];

/**
 * Checks the `logs` option and fills in its defaults. `path` names it in messages.
 *
 * @throws InvalidSpecError (`ERR_SUPERVISOR_INVALID_SPEC`) listing every problem.
 *
 * @example
 * ```ts
 * import { resolveLogOptions } from '@drove/supervisor';
 * resolveLogOptions({}, { runFolder: '/run/app' });
 * // { dir: '/run/app/logs', maxBytes: 10485760, keep: 5, maxBufferedBytes: 1048576 }
 * ```
 */
export function resolveLogOptions(options: LogOptions, { runFolder, cwd, path = 'logs' }: { runFolder?: string | undefined; cwd?: string | undefined; path?: string } = {}): ResolvedLogOptions {
  const problems = new Problems();
  const resolved = collectLogOptions(options, { runFolder, cwd, path }, problems);
  throwIfInvalid(problems, `\`${path}\` option`);
  return resolved!;
}

/** Records the problems of the `logs` option; returns its resolved form when it has none. */
export function collectLogOptions(
  options: unknown,
  { runFolder, cwd, path }: { runFolder: string | undefined; cwd: string | undefined; path: string },
  problems: Problems,
): ResolvedLogOptions | undefined {
  const before = problems.list.length;
  if (!problems.object(path, options)) return undefined;
  problems.keys(path, options, KNOWN);
  const at = (key: string): string => `${path}.${key}`;
  const dir = options.dir ?? (runFolder === undefined ? undefined : join(runFolder, 'logs'));
  if (dir === undefined) problems.add(`Expected \`${at('dir')}\` to be a folder's path (or \`runFolder\` to be set), got nothing`);
  else if (problems.string(at('dir'), dir) && dir === '') problems.fail(at('dir'), "a folder's path", dir);
  const maxBytes = options.maxBytes ?? 10 * 2 ** 20;
  problems.count(at('maxBytes'), maxBytes, { min: 1024 });
  const keep = options.keep ?? 5;
  problems.count(at('keep'), keep, { min: 0, max: 1000 });
  const maxBufferedBytes = options.maxBufferedBytes ?? 2 ** 20;
  problems.count(at('maxBufferedBytes'), maxBufferedBytes, { min: 1 });
  if (problems.list.length > before) return undefined;
  return { dir: resolve(cwd ?? process.cwd(), dir as string), maxBytes: maxBytes as number, keep: keep as number, maxBufferedBytes: maxBufferedBytes as number };
}
