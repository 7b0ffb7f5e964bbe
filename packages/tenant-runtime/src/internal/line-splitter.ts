/**
 * Splits one stream's decoded text into lines, holding at most `maxLength`
 * characters of an unfinished line: a longer line is emitted once, cut and
 * marked truncated, and the rest of it is skipped up to its newline. One
 * splitter per stream of one process, dropped with the process, so nothing
 * outlives a tenant (the seed kept every stream's remainder in a module-level
 * map for ever).
 */
export class LineSplitter {
  #pending = '';
  #skipping = false;

  constructor(
    private readonly maxLength: number,
    private readonly emit: (line: string, truncated: boolean) => void,
  ) {}

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
    if (this.#pending.length > 0) this.#emitLine(this.#pending, false);
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
    if (line.length > this.maxLength) {
      this.emit(stripReturn(line.slice(0, this.maxLength)), true);
      this.#skipping = !complete;
      return;
    }
    if (complete) this.#emitLine(line, false);
    else this.#pending = line;
  }

  #emitLine(line: string, truncated: boolean): void {
    this.emit(stripReturn(line), truncated);
  }
}

function stripReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
