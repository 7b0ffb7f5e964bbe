import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Splits one stream's text into lines, holding at most `maxLength`
 * characters of an unfinished line: a longer line is emitted once, cut and
 * marked truncated, and the rest of it is skipped up to its newline. A child
 * that prints a gigabyte without a newline costs `maxLength` characters.
 */
export class LineSplitter {
  readonly #maxLength: number;
  readonly #emit: (line: string, truncated: boolean) => void;
  #pending = '';
  #skipping = false;

  constructor(maxLength: number, emit: (line: string, truncated: boolean) => void) {
    this.#maxLength = maxLength;
    this.#emit = emit;
  }

  /** Feeds decoded text. */
  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      if (newline === -1) break;
      this.#take(chunk.slice(start, newline), true);
      start = newline + 1;
    }
    if (start < chunk.length) this.#take(chunk.slice(start), false);
  }

  /** Emits what is left of an unfinished last line (the stream ended). */
  end(): void {
    if (this.#pending.length > 0) this.#emit(stripReturn(this.#pending), false);
    this.#pending = '';
    this.#skipping = false;
  }

  #take(piece: string, complete: boolean): void {
    if (this.#skipping) {
      if (complete) this.#skipping = false;
      return;
    }
    const line = this.#pending.length > 0 ? this.#pending + piece : piece;
    this.#pending = '';
    if (line.length > this.#maxLength) {
      this.#emit(stripReturn(line.slice(0, this.#maxLength)), true);
      this.#skipping = !complete;
      return;
    }
    if (complete) this.#emit(stripReturn(line), false);
    else this.#pending = line;
  }
}

function stripReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Options of {@link splitLines}. */
export interface SplitLinesOptions {
  /** Characters kept of one line; the rest of a longer line is dropped. @default 65536 */
  maxLength?: number;
}

/**
 * Calls `onLine` for each line a child writes to `stream` (UTF-8, split
 * across chunks correctly), with bounded memory. The splitter lives as long
 * as the stream: nothing is kept once it ends.
 *
 * @example
 * ```ts
 * import { spawnEndpoint, splitLines } from '@drove/pool/transport';
 * const child = spawnEndpoint({ kind: 'command', command: 'ls', stdio: 'pipe' });
 * splitLines(child.stdout!, (line) => console.log(`ls | ${line}`));
 * ```
 */
export function splitLines(
  stream: Readable,
  onLine: (line: string, truncated: boolean) => void,
  { maxLength = 65_536 }: SplitLinesOptions = {},
): void {
  const decoder = new StringDecoder('utf8');
  const splitter = new LineSplitter(maxLength, onLine);
  stream.on('data', (chunk: Buffer | string) => splitter.push(typeof chunk === 'string' ? chunk : decoder.write(chunk)));
  stream.once('end', () => {
    splitter.push(decoder.end());
    splitter.end();
  });
}
