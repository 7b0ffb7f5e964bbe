import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Copies `source` to `target` line by line, each line prefixed (`web | …`).
 * A last line without a newline is written when the source ends. Reading
 * what pool's transport pipes is all this does: the pipes are pool's.
 */
export function prefixLines(source: Readable, target: Writable, prefix: string): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  source.on('data', (chunk: Buffer | string) => {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = pending.indexOf('\n');
    if (newline === -1) return;
    let out = '';
    let start = 0;
    while (newline !== -1) {
      out += `${prefix}${pending.slice(start, newline + 1)}`;
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
    target.write(out);
  });
  source.on('end', () => {
    pending += decoder.end();
    if (pending) target.write(`${prefix}${pending}\n`);
    pending = '';
  });
  // A child's broken pipe must not take the supervisor down.
  source.on('error', () => {});
}
