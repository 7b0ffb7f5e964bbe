import { readFileSync } from 'node:fs';

/**
 * The command-line convention every Drove CLI follows (`drove-blog`,
 * `drove-export`), in one place:
 *
 * - `--help`/`-h` (on every command) prints the help on stdout and exits 0; `--version` prints the package's version;
 * - a usage error is one line naming the problem, then the usage, exit 2;
 * - a known failure is one line naming the problem and the fix, exit 1;
 * - any other error is one line too; `--verbose` adds the stack (and the cause's).
 *
 * @example
 * ```ts
 * import { KnownFailure, reportFailure } from '@drove/pool/cli';
 * const { text, exitCode } = reportFailure('my-cli', new KnownFailure('port 8080 is busy', 'pass --port 0'), { usage: 'usage: my-cli', verbose: false });
 * process.stderr.write(text); // my-cli: port 8080 is busy; pass --port 0
 * process.exitCode = exitCode; // 1
 * ```
 *
 * @module
 */

/** A command line the CLI cannot act on: printed as one line and the usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError' as const;
}

/** A failure the CLI knows how to explain: one line naming the problem and the fix, exit 1. */
export class KnownFailure extends Error {
  override name = 'KnownFailure' as const;
  /** What the user can do about it; empty when the problem's own words say it. */
  readonly fix: string;
  constructor(problem: string, fix = '', options?: { cause?: unknown }) {
    super(problem, options);
    this.fix = fix;
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
 * `usage`, exit 2; a {@link KnownFailure} as `problem; fix`, exit 1; anything
 * else as its message in one line, exit 1. Stacks only when `verbose`.
 */
export function reportFailure(program: string, error: unknown, { usage, verbose }: { usage: string; verbose: boolean }): FailureReport {
  if (error instanceof UsageError) return { text: `${program}: ${error.message}\n${usage}\n`, exitCode: 2 };
  const line =
    error instanceof KnownFailure
      ? `${program}: ${error.message}${error.fix === '' ? '' : `; ${error.fix}`}`
      : `${program}: ${oneLine(error)}${verbose ? '' : ' (--verbose shows the stack)'}`;
  return { text: `${line}\n${verbose ? stacksOf(error) : ''}`, exitCode: 1 };
}

/** What {@link runCommand} needs of a single-command CLI. */
export interface CommandLine {
  /** The program's name, as it starts its error lines (`drove-export`). */
  program: string;
  /** The whole help text, printed on stdout for `--help`/`-h`. */
  usage: string;
  /** The short usage printed after a usage error. */
  synopsis: string;
  /** The package.json whose `version` `--version` prints (`new URL('../package.json', import.meta.url)`). */
  packageJson: URL;
  /** Does the work; resolves with the exit code. Throws {@link UsageError}, {@link KnownFailure} or anything else. */
  run: () => Promise<number>;
}

/**
 * Runs a single-command CLI by the convention: `--help`/`-h` and `--version`
 * win over anything else on the line (as in git and npm), and a failure is
 * reported by {@link reportFailure} on stderr (`--verbose` adds stacks).
 * Resolves with the exit code.
 *
 * @example
 * ```ts
 * import { runCommand } from '@drove/pool/cli';
 * process.exitCode = await runCommand(process.argv.slice(2), {
 *   program: 'my-cli', usage: 'my-cli <file>\n\nDoes it.', synopsis: 'usage: my-cli <file>',
 *   packageJson: new URL('../package.json', import.meta.url), run: async () => 0,
 * });
 * ```
 */
export async function runCommand(argv: readonly string[], { program, usage, synopsis, packageJson, run }: CommandLine): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${packageVersion(packageJson)}\n`);
    return 0;
  }
  try {
    return await run();
  } catch (error) {
    const { text, exitCode } = reportFailure(program, error, { usage: synopsis, verbose: argv.includes('--verbose') });
    process.stderr.write(text);
    return exitCode;
  }
}

/** An error's code, message and its cause's message on one line. */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  let text = `${typeof code === 'string' ? `${code} ` : ''}${error.message}`;
  if (error.cause instanceof Error && !text.includes(error.cause.message)) text += `: ${error.cause.message}`;
  return text.replace(/\s*\n\s*/g, ' ');
}

function stacksOf(error: unknown): string {
  const lines: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current.stack) lines.push(`${depth === 0 ? '' : 'caused by: '}${current.stack}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n').replace(/^/gm, '  ')}\n`;
}

/** `0:07`, `12:30`, `1:02:03`: a duration in whole seconds, for an ETA. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** Seconds left at the pace so far, or `undefined` before there is a pace to go by. */
export function etaSeconds(done: number, total: number, elapsedMs: number): number | undefined {
  if (done <= 0 || elapsedMs <= 0 || total <= 0) return undefined;
  return (Math.max(0, total - done) * elapsedMs) / done / 1000;
}
