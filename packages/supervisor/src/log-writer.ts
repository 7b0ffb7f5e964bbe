/**
 * Per-child log files: each line a child prints, with a timestamp and its
 * stream, appended to `<dir>/<name>.log`, rotated by size (`<name>.log.1` …
 * `<name>.log.<keep>`). Writes are asynchronous and sequential per file, so
 * the master's event loop never waits on the disk; lines wait in a bounded
 * buffer, and a line that finds it full is dropped, counted, and a marker
 * line saying how many were dropped is written once the buffer has room.
 *
 * @module
 */
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { SupervisorError } from './errors.js';
import { readTail } from './internal/read-tail.js';
import type { ResolvedLogOptions } from './log-options.js';

/** A child's log file, as `stats()` and the control socket's `status` report it. */
export interface LogFileStats {
  /** The file being written. */
  path: string;
  /** Lines accepted (written, or waiting in the buffer). */
  lines: number;
  /** Lines dropped: the buffer was full (the child wrote faster than the disk), or a write failed. */
  droppedLines: number;
  /** Bytes waiting in the buffer. */
  bufferedBytes: number;
  /** Times the file was rotated. */
  rotations: number;
}

/** A line as it is written to a log file. */
export interface LogLine {
  /** Its number in the file's life, from 1 (markers of dropped lines count too). */
  seq: number;
  /** The whole line, timestamp and stream included, without its newline. */
  text: string;
}

/** Events of a {@link LogFile}. */
export interface LogFileEvents {
  /** A line was accepted (it is written soon after, in this order). */
  line: (line: LogLine) => void;
  /** Writing failed (`ERR_SUPERVISOR_LOG`); the lines of that write are counted as dropped. */
  error: (error: SupervisorError) => void;
}

/** What a line takes in a file besides its text: `2026-12-05T01:02:03.456Z out ` and the newline. */
const STAMP_BYTES = 24 + 1 + 3 + 1 + 1;

/**
 * A child's log file name: its name with letters, digits and `._#@+=-`
 * kept, anything else %-encoded, and `.log`.
 *
 * @example
 * ```ts
 * import { logFileName } from '@drove/supervisor';
 * logFileName('web#0'); // 'web#0.log'
 * logFileName('a/b');   // 'a%2Fb.log'
 * ```
 */
export function logFileName(child: string): string {
  const safe = child.replace(/[^\w.#@+=-]/gu, (char) => [...Buffer.from(char)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
  // `.` and `..` would name folders.
  return `${/^\.+$/.test(safe) ? safe.replaceAll('.', '%2E') : safe}.log`;
}

interface Queued {
  text: string;
  bytes: number;
  seq: number;
}

interface Job {
  /** The last line that must be on disk (or failed) before the job runs. */
  after: number;
  run: () => Promise<void>;
}

/**
 * One child's log file: lines in, written in order by one asynchronous loop,
 * rotated by size. Made by a {@link LogWriter}.
 */
export class LogFile extends EventEmitter<LogFileEvents> {
  /** The file being written. */
  readonly path: string;
  readonly #options: ResolvedLogOptions;
  readonly #queue: Queued[] = [];
  #queuedBytes = 0;
  #seq = 0;
  /** The last line written or failed. */
  #doneSeq = 0;
  #lines = 0;
  #dropped = 0;
  /** Drops not yet told by a marker line. */
  #untold = 0;
  #rotations = 0;
  #size: number | undefined;
  #handle: FileHandle | undefined;
  #pumping: Promise<void> | undefined;
  /** Jobs that must run between writes (a read of the tail), in order. */
  readonly #jobs: Job[] = [];
  #closed = false;
  #stampAt = Number.NaN;
  #stampText = '';
  /** The failure already reported, so a full disk says so once, not once a line. */
  #failing: string | undefined;

  constructor(path: string, options: ResolvedLogOptions) {
    super();
    this.path = path;
    this.#options = options;
  }

  /** Lines accepted so far; the `seq` of the last one. */
  get seq(): number {
    return this.#seq;
  }

  /** A plain snapshot. */
  stats(): LogFileStats {
    return { path: this.path, lines: this.#lines, droppedLines: this.#dropped, bufferedBytes: this.#queuedBytes, rotations: this.#rotations };
  }

  /**
   * Takes one line of a child's output (`stream` names where it came from).
   * Never blocks: the line is queued, or dropped and counted when the
   * buffer is full. Returns whether it was kept.
   */
  write(stream: 'stdout' | 'stderr', line: string, at: number = Date.now()): boolean {
    if (this.#closed) {
      this.#dropped += 1;
      return false;
    }
    // The timestamp (24 bytes), the stream, two spaces and the newline: a dropped line costs no string.
    const bytes = Buffer.byteLength(line) + STAMP_BYTES;
    // A line always fits an empty buffer, however long: a slow disk slows the file, it never stops it.
    if (this.#queuedBytes > 0 && this.#queuedBytes + bytes > this.#options.maxBufferedBytes) {
      this.#dropped += 1;
      this.#untold += 1;
      return false;
    }
    const stamp = this.#stamp(at);
    this.#tellDrops(stamp);
    this.#push(`${stamp} ${stream === 'stderr' ? 'err' : 'out'} ${line}`, bytes);
    this.#lines += 1;
    return true;
  }

  /** The ISO time of `at`, made once a millisecond: a flood has thousands of lines a millisecond. */
  #stamp(at: number): string {
    if (at !== this.#stampAt) {
      this.#stampAt = at;
      this.#stampText = new Date(at).toISOString();
    }
    return this.#stampText;
  }

  /**
   * Runs `job` between two writes: nothing is written while it runs, and
   * every line accepted before the call is on disk when it starts.
   */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolveJob, rejectJob) => {
      this.#jobs.push({ after: this.#seq, run: () => job().then(resolveJob, rejectJob) });
      this.#pump();
    });
  }

  /**
   * The last `count` lines of the file and its rotated files, as written, and
   * the `seq` of the last of them: a follower takes the `line` events after it.
   */
  tail(count: number): Promise<{ lines: string[]; seq: number }> {
    return this.exclusive(async () => {
      const lines: string[] = [];
      for (let index = 0; index <= this.#options.keep && lines.length < count; index++) {
        const path = index === 0 ? this.path : `${this.path}.${index}`;
        lines.unshift(...(await readTail(path, count - lines.length)));
      }
      return { lines, seq: this.#doneSeq };
    });
  }

  /** Resolves once every line accepted so far is written. */
  flush(): Promise<void> {
    return this.exclusive(async () => {});
  }

  /** Writes what is buffered (and a last marker of drops), then closes the file. Idempotent. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#tellDrops(this.#stamp(Date.now()));
      this.#closed = true;
    }
    await this.flush();
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
  }

  #tellDrops(stamp: string): void {
    if (this.#untold === 0) return;
    const count = this.#untold;
    this.#untold = 0;
    // A marker may pass the buffer's bound by its own length: a drop is never silent.
    this.#push(`${stamp} log ${count} line${count === 1 ? '' : 's'} dropped: the child wrote faster than the disk took them`);
  }

  #push(text: string, bytes = Buffer.byteLength(text) + 1): void {
    this.#queue.push({ text, bytes, seq: this.#seq + 1 });
    this.#queuedBytes += bytes;
    this.#seq += 1;
    this.emit('line', { seq: this.#seq, text });
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = (async () => {
      while (this.#queue.length > 0 || this.#jobs.length > 0) {
        // A job waits for the lines accepted before it, not for those accepted after it:
        // a flood delays a tail by one batch at most.
        const job = this.#jobs[0];
        if (job && (this.#doneSeq >= job.after || this.#queue.length === 0)) {
          this.#jobs.shift();
          await job.run();
        } else {
          await this.#writeBatch();
        }
      }
    })().finally(() => {
      this.#pumping = undefined;
      // Something queued while the loop was ending.
      if (this.#queue.length > 0 || this.#jobs.length > 0) this.#pump();
    });
  }

  /** Writes the lines that fit in the current file (at least one), rotating first when none fit. */
  async #writeBatch(): Promise<void> {
    const { maxBytes } = this.#options;
    let size: number;
    try {
      size = await this.#open();
    } catch (error) {
      this.#fail(this.#queue.splice(0), 'open', error);
      return;
    }
    if (size > 0 && size + this.#queue[0]!.bytes > maxBytes) {
      try {
        await this.#rotate();
        size = await this.#open();
      } catch (error) {
        this.#fail(this.#queue.splice(0), 'rotate', error);
        return;
      }
    }
    let bytes = 0;
    let count = 0;
    while (count < this.#queue.length && (count === 0 || size + bytes + this.#queue[count]!.bytes <= maxBytes)) {
      bytes += this.#queue[count]!.bytes;
      count += 1;
    }
    const batch = this.#queue.splice(0, count);
    const text = `${batch.map((line) => line.text).join('\n')}\n`;
    try {
      const buffer = Buffer.from(text);
      await this.#handle!.write(buffer);
      this.#size = size + buffer.length;
      this.#doneSeq = batch.at(-1)!.seq;
      this.#failing = undefined;
    } catch (error) {
      this.#fail(batch, 'write', error);
      return;
    } finally {
      this.#queuedBytes -= batch.reduce((sum, line) => sum + line.bytes, 0);
    }
  }

  async #open(): Promise<number> {
    if (this.#handle && this.#size !== undefined) return this.#size;
    await mkdir(this.#options.dir, { recursive: true, mode: 0o700 });
    this.#handle = await open(this.path, 'a', 0o600);
    this.#size = (await this.#handle.stat()).size;
    return this.#size;
  }

  /** `web.log` becomes `web.log.1`, `.1` becomes `.2` …; the one past `keep` is removed. */
  async #rotate(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#size = undefined;
    await handle?.close();
    const { keep } = this.#options;
    if (keep === 0) {
      await rm(this.path, { force: true });
    } else {
      await rm(`${this.path}.${keep}`, { force: true });
      for (let index = keep - 1; index >= 1; index--) {
        await rename(`${this.path}.${index}`, `${this.path}.${index + 1}`).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
      await rename(this.path, `${this.path}.1`);
    }
    this.#rotations += 1;
  }

  #fail(lines: Queued[], what: string, error: unknown): void {
    if (lines.length > 0) this.#doneSeq = lines.at(-1)!.seq;
    // Nothing of a failed batch is known to be on disk: count all of it. Markers are not child lines.
    this.#dropped += lines.filter((line) => !/^\S+ log \d+ lines? dropped: /.test(line.text)).length;
    this.#queuedBytes -= what === 'write' ? 0 : lines.reduce((sum, line) => sum + line.bytes, 0);
    const handle = this.#handle;
    this.#handle = undefined;
    this.#size = undefined;
    void handle?.close().catch(() => {});
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    if (this.#failing === `${what} ${code}`) return;
    this.#failing = `${what} ${code}`;
    this.emit('error', new SupervisorError('ERR_SUPERVISOR_LOG', `Could not ${what} the log file ${this.path} (${code}); its lines are counted as dropped`, { cause: error }));
  }
}

/** The log files of a supervisor's children, one per child name, opened at its first line. */
export class LogWriter {
  readonly options: ResolvedLogOptions;
  readonly #files = new Map<string, LogFile>();
  readonly #onError: (error: SupervisorError) => void;

  constructor(options: ResolvedLogOptions, onError: (error: SupervisorError) => void = () => {}) {
    this.options = options;
    this.#onError = onError;
  }

  /** The child's file (made on first use; nothing touches the disk before its first line). */
  file(child: string): LogFile {
    let file = this.#files.get(child);
    if (!file) {
      file = new LogFile(join(this.options.dir, logFileName(child)), this.options);
      file.on('error', this.#onError);
      this.#files.set(child, file);
    }
    return file;
  }

  /** The child's file if it has one. */
  existing(child: string): LogFile | undefined {
    return this.#files.get(child);
  }

  /** Writes every buffered line and closes every file. */
  async close(): Promise<void> {
    await Promise.all([...this.#files.values()].map((file) => file.close()));
  }
}
