import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import type { ManifestFile } from '../manifest.js';
import { crashesHere, crashNow, crashPoint } from './crash-point.js';

const BUFFER_BYTES = 64 * 1024;

/**
 * Writes a run's journal: the manifest of the run in progress, a line a path
 * in the manifest's own format, appended to a file of its own beside the
 * manifest. {@link RunJournal} renames it over the manifest when the run ends.
 *
 * Lines are encoded straight into one 64 KiB buffer outside the JS heap: the
 * lines waiting there are not young objects that the garbage collector would
 * copy, which is what made V8 grow its young generation when they were kept
 * as a string. The session calls {@link flush} after each batch of finished
 * paths, so the journal lags the files on disk by one batch at most; a record
 * lost to a kill only makes the next run check that file's content.
 */
export class ManifestWriter {
  /** The manifest this journal becomes. */
  readonly file: string;
  readonly journal: string;
  #fd: number | undefined;
  readonly #buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #used = 0;

  constructor(file: string, journal: string) {
    this.file = file;
    this.journal = journal;
    this.#fd = openSync(journal, 'wx');
  }

  /** One rendered path: the line is `JSON.stringify({ path, files, bytes, hash })` of a `ManifestEntry`. */
  add(path: string, files: readonly ManifestFile[], bytes: number, hash: string): void {
    let line = `{"path":${JSON.stringify(path)},"files":[`;
    for (let i = 0; i < files.length; i++) {
      const { file, bytes: size, hash: fileHash } = files[i]!;
      line += `${i === 0 ? '' : ','}{"file":${JSON.stringify(file)},"bytes":${size},"hash":${JSON.stringify(fileHash)}}`;
    }
    line += `],"bytes":${bytes},"hash":${JSON.stringify(hash)}}\n`;
    const size = Buffer.byteLength(line);
    if (size > BUFFER_BYTES - this.#used) this.flush();
    if (size > BUFFER_BYTES) this.#write(Buffer.from(line));
    else this.#used += this.#buffer.write(line, this.#used);
  }

  /** Appends the buffered lines to the journal. */
  flush(): void {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    this.#write(this.#buffer.subarray(0, used));
    crashPoint('journal-flushed');
  }

  /** Writes what is left and closes the journal. */
  close(): void {
    this.flush();
    this.#close();
  }

  /** Drops the journal. */
  discard(): void {
    this.#used = 0;
    this.#close();
    try {
      unlinkSync(this.journal);
    } catch {
      // Already gone.
    }
  }

  #write(data: Uint8Array): void {
    if (this.#fd === undefined) return;
    // A write cut short by a kill ends anywhere, even inside a line: what the next run must cope with.
    if (crashesHere('journal-torn')) {
      writeSync(this.#fd, data, 0, Math.max(1, data.length >> 1));
      crashNow();
    }
    for (let at = 0; at < data.length; ) at += writeSync(this.#fd, data, at, data.length - at);
  }

  #close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
