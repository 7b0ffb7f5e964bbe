// `drove-supervise` follows the command-line convention every Drove CLI
// shares, from `@drove/pool/cli` (UsageError, KnownFailure, reportFailure…):
//
// - `--help`/`-h` prints the help on stdout and exits 0; `--version` the package's version;
// - a usage error is one line naming the problem, then the usage, exit 2;
// - a known failure is one line naming the problem and the fix;
// - any other error is one line too; `--verbose` adds the stack (and the cause's).
//
// Ours on top: a config that cannot be used exits 2 (a fleet that could not start, 1), and
// the few formatters of the supervisor's own lines.
import type { AddressInfo } from 'node:net';
import { KnownFailure, reportFailure, type FailureReport } from '@drove/pool/cli';

export { KnownFailure, oneLine, packageVersion, UsageError } from '@drove/pool/cli';

/** A config that cannot be used (missing, not loading, no options): a known failure that exits 2. */
export class ConfigFailure extends KnownFailure {}

/**
 * Formats an error by the convention (pool's `reportFailure`), with the
 * supervisor's exit codes: 2 for a {@link ConfigFailure}, `otherExitCode`
 * for an error that is neither a usage error nor a known failure.
 */
export function reportCliFailure(
  program: string,
  error: unknown,
  { usage, verbose, otherExitCode = 1 }: { usage: string; verbose: boolean; otherExitCode?: number },
): FailureReport {
  const report = reportFailure(program, error, { usage, verbose });
  if (error instanceof ConfigFailure) return { ...report, exitCode: 2 };
  if (report.exitCode === 1 && !(error instanceof KnownFailure)) return { ...report, exitCode: otherExitCode };
  return report;
}

/** The stacks of an error and its causes, indented, newline-terminated ('' for none). */
export function stacksOf(error: unknown): string {
  const lines: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current.stack) lines.push(`${depth === 0 ? '' : 'caused by: '}${current.stack}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n').replace(/^/gm, '  ')}\n`;
}

/** `127.0.0.1:8080`, `[::1]:8080`, or a Unix socket's path. */
export function formatAddress(address: AddressInfo | string): string {
  if (typeof address === 'string') return address;
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

/** `5 s`, `1.5 s`, `250 ms`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
