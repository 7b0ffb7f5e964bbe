import type { Readable, Writable } from 'node:stream';
import { splitLines } from '@drove/pool/transport';

/** What ends a line that pool's `splitLines` cut at its `maxLength`. */
const TRUNCATED = ' [line truncated]';

/**
 * Copies `source` to `target` line by line, each line prefixed (`web | …`).
 * The splitting is pool's `splitLines`: UTF-8 split correctly across chunks,
 * a last line without a newline written when the source ends, and a line
 * longer than 64 KiB cut and marked, so a child that never prints a newline
 * costs bounded memory. The lines of one chunk are written at once.
 */
export function prefixLines(source: Readable, target: Writable, prefix: string): void {
  let batch = '';
  const flush = (): void => {
    const out = batch;
    batch = '';
    target.write(out);
  };
  splitLines(source, (line, truncated) => {
    if (batch === '') queueMicrotask(flush);
    batch += `${prefix}${line}${truncated ? TRUNCATED : ''}\n`;
  });
  // A child's broken pipe must not take the supervisor down.
  source.on('error', () => {});
}
