import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestFile } from '../manifest.js';

const BUFFER_BYTES = 64 * 1024;

/**
 * Writes the manifest as the export goes, a line a path, into a temporary file
 * beside it, and renames it into place at the end: the previous manifest stays
 * whole until the new one replaces it.
 *
 * Lines are encoded straight into one 64 KiB buffer outside the JS heap, and
 * written when it fills: the lines waiting there are not young objects that
 * the garbage collector would copy, which is what made V8 grow its young
 * generation when they were kept as a string.
 */
export class ManifestWriter {
  readonly file: string;
  readonly #temp: string;
  #fd: number | undefined;
  readonly #buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #used = 0;

  constructor(outDir: string, name: string) {
    this.file = join(outDir, name);
    this.#temp = join(outDir, `.${name}.${process.pid}.drove-tmp`);
    this.#fd = openSync(this.#temp, 'w');
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
    if (size > BUFFER_BYTES - this.#used) this.#flush();
    if (size > BUFFER_BYTES) this.#write(Buffer.from(line));
    else this.#used += this.#buffer.write(line, this.#used);
  }

  /** Writes what is left and renames the manifest into place. */
  commit(): void {
    this.#flush();
    this.#close();
    renameSync(this.#temp, this.file);
  }

  /** Drops the new manifest; the previous one (if any) stays. */
  discard(): void {
    this.#used = 0;
    this.#close();
    try {
      unlinkSync(this.#temp);
    } catch {
      // Already gone.
    }
  }

  #flush(): void {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    this.#write(this.#buffer.subarray(0, used));
  }

  #write(data: Uint8Array): void {
    if (this.#fd === undefined) return;
    for (let at = 0; at < data.length; ) at += writeSync(this.#fd, data, at, data.length - at);
  }

  #close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
