import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestEntry } from '../manifest.js';

const FLUSH_AT_CHARS = 64 * 1024;

/**
 * Writes the manifest as the export goes, a line a path, into a temporary file
 * beside it, and renames it into place at the end: the coordinator holds at
 * most 64 KiB of it, and the previous manifest stays whole until the new one
 * replaces it.
 */
export class ManifestWriter {
  readonly file: string;
  readonly #temp: string;
  #fd: number | undefined;
  #buffer = '';

  constructor(outDir: string, name: string) {
    this.file = join(outDir, name);
    this.#temp = join(outDir, `.${name}.${process.pid}.drove-tmp`);
    this.#fd = openSync(this.#temp, 'w');
  }

  add(entry: ManifestEntry): void {
    this.#buffer += `${JSON.stringify(entry)}\n`;
    if (this.#buffer.length >= FLUSH_AT_CHARS) this.#flush();
  }

  /** Writes what is left and renames the manifest into place. */
  commit(): void {
    this.#flush();
    this.#close();
    renameSync(this.#temp, this.file);
  }

  /** Drops the new manifest; the previous one (if any) stays. */
  discard(): void {
    this.#buffer = '';
    this.#close();
    try {
      unlinkSync(this.#temp);
    } catch {
      // Already gone.
    }
  }

  #flush(): void {
    if (this.#fd === undefined || this.#buffer.length === 0) return;
    writeSync(this.#fd, this.#buffer);
    this.#buffer = '';
  }

  #close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
