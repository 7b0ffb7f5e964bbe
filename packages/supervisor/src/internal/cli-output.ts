// The command-line convention `drove-supervise` shares with `drove-export`
// and `drove-blog` (each package writes its own few lines: they do not
// depend on each other):
//
// - `--help`/`-h` prints the help on stdout and exits 0; `--version` the package's version;
// - a usage error is one line naming the problem, then the usage, exit 2;
// - a known failure is one line naming the problem and the fix;
// - any other error is one line too; `--verbose` adds the stack (and the cause's).
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

/** A command line the CLI cannot act on: printed as one line and the usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError' as const;
}

/** A failure the CLI knows how to explain: one line naming the problem and the fix. */
export class KnownFailure extends Error {
  override name = 'KnownFailure' as const;
  /** What the user can do about it. */
  readonly fix: string;
  /** 2 for a config that cannot be used, 1 for a fleet that could not start. */
  readonly exitCode: number;
  constructor(problem: string, fix: string, { cause, exitCode = 1 }: { cause?: unknown; exitCode?: number } = {}) {
    super(problem, cause === undefined ? undefined : { cause });
    this.fix = fix;
    this.exitCode = exitCode;
  }
}

/** The `version` of the package.json beside a built `dist/` file (`new URL('../package.json', import.meta.url)`). */
export function packageVersion(packageJson: URL): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** How an error is shown: the text for stderr (newline-terminated) and the exit code. */
export interface FailureReport {
  text: string;
  exitCode: number;
}

/**
 * Formats an error by the convention: a {@link UsageError} as one line and
 * `usage`, exit 2; a {@link KnownFailure} as `problem; fix`, its exit code;
 * anything else as its message in one line, exit `otherExitCode`. Stacks only when `verbose`.
 */
export function reportFailure(
  program: string,
  error: unknown,
  { usage, verbose, otherExitCode = 1 }: { usage: string; verbose: boolean; otherExitCode?: number },
): FailureReport {
  if (error instanceof UsageError) return { text: `${program}: ${error.message}\n${usage}\n`, exitCode: 2 };
  if (error instanceof KnownFailure) {
    return { text: `${program}: ${error.message}; ${error.fix}\n${verbose ? stacksOf(error.cause) : ''}`, exitCode: error.exitCode };
  }
  const line = `${program}: ${oneLine(error)}${verbose ? '' : ' (--verbose shows the stack)'}`;
  return { text: `${line}\n${verbose ? stacksOf(error) : ''}`, exitCode: otherExitCode };
}

/** An error's message and its cause's message on one line. */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.message;
  if (error.cause instanceof Error && !text.includes(error.cause.message)) text += `: ${error.cause.message}`;
  return text.replace(/\s*\n\s*/g, ' ');
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
