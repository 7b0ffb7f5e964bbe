// Where a child's stdout and stderr go: the master's own streams (as they
// are, `'inherit'`, or each line prefixed with the child's name, `'prefix'`),
// nowhere (`'ignore'`), and, with the `logs` option, its log file too.
import type { Readable, Writable } from 'node:stream';
import type { Endpoint } from '@drove/pool/transport';
import { splitLines } from '@drove/pool/transport';
import type { LogFile } from '../log-writer.js';
import type { OutputMode } from '../options.js';

/** What ends a line that pool's `splitLines` cut at its `maxLength`. */
const TRUNCATED = ' [line truncated]';

/** How a child's output is wired: the stdio to spawn it with, and what reads the pipes. */
export interface ChildOutput {
  stdio: 'inherit' | 'pipe' | 'ignore';
  /** Reads the endpoint's pipes (when `stdio` is `'pipe'`). */
  attach(endpoint: Endpoint): void;
}

/**
 * The output of child `name`. Without a log file, `'inherit'` and `'ignore'`
 * hand the child the master's streams or none, and no byte passes through
 * the master; with one, the master reads every line (and copies it to its own
 * streams, unprefixed for `'inherit'`).
 */
export function childOutput(name: string, mode: OutputMode, log: LogFile | undefined): ChildOutput {
  if (!log && mode !== 'prefix') return { stdio: mode, attach: () => {} };
  const prefix = mode === 'prefix' ? `${name} | ` : '';
  const copy = mode !== 'ignore';
  return {
    stdio: 'pipe',
    attach: (endpoint) => {
      if (endpoint.stdout) routeLines(endpoint.stdout, 'stdout', copy ? process.stdout : undefined, prefix, log);
      if (endpoint.stderr) routeLines(endpoint.stderr, 'stderr', copy ? process.stderr : undefined, prefix, log);
    },
  };
}

/**
 * Copies `source` line by line to `target` (each line prefixed) and to `log`.
 * The splitting is pool's `splitLines`: UTF-8 split correctly across chunks,
 * a last line without a newline written when the source ends, and a line
 * longer than 64 KiB cut and marked, so a child that never prints a newline
 * costs bounded memory. The lines of one chunk are written to `target` at once.
 */
function routeLines(source: Readable, stream: 'stdout' | 'stderr', target: Writable | undefined, prefix: string, log: LogFile | undefined): void {
  let batch = '';
  const flush = (): void => {
    const out = batch;
    batch = '';
    target?.write(out);
  };
  splitLines(source, (line, truncated) => {
    const text = truncated ? `${line}${TRUNCATED}` : line;
    log?.write(stream, text);
    if (!target) return;
    if (batch === '') queueMicrotask(flush);
    batch += `${prefix}${text}\n`;
  });
  // A child's broken pipe must not take the supervisor down.
  source.on('error', () => {});
}
