import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseManifestLine } from '../manifest.js';
import { FingerprintTable } from './fingerprint.js';

/**
 * What the previous manifest says each file held: 64 bits of its SHA-256 and
 * its size, keyed by a 64-bit fingerprint of its name (16 bytes a file, in
 * typed arrays). Each render child loads its own copy at setup; the
 * coordinator never holds it.
 */
export class PreviousHashes {
  readonly #table = new FingerprintTable(4);
  readonly #scratch = new Uint32Array(4);
  /** Lines that were not manifest entries: those files are simply rewritten. */
  skippedLines = 0;

  /** Reads `manifestFile`; a missing file is an empty manifest. */
  static async load(manifestFile: string): Promise<PreviousHashes> {
    const hashes = new PreviousHashes();
    const input = createReadStream(manifestFile, { encoding: 'utf8' });
    const missing = new Promise<boolean>((resolve) => {
      input.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ENOENT'));
      input.once('open', () => resolve(false));
    });
    if (await missing) return hashes;
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const entry = parseManifestLine(line);
      if (!entry) {
        hashes.skippedLines++;
        continue;
      }
      for (const file of entry.files) hashes.set(file.file, file.hash, file.bytes);
    }
    return hashes;
  }

  get size(): number {
    return this.#table.size;
  }

  set(file: string, hash: string, bytes: number): void {
    const words = this.#scratch;
    words[0] = Number.parseInt(hash.slice(0, 8), 16) >>> 0;
    words[1] = Number.parseInt(hash.slice(8, 16), 16) >>> 0;
    words[2] = bytes >>> 0;
    words[3] = Math.floor(bytes / 2 ** 32) >>> 0;
    this.#table.set(file, words);
  }

  /** True when the previous export wrote exactly this content (by hash and size) to `file`. */
  matches(file: string, hash: string, bytes: number): boolean {
    const words = this.#table.get(file);
    if (!words) return false;
    return (
      words[0] === Number.parseInt(hash.slice(0, 8), 16) >>> 0 &&
      words[1] === Number.parseInt(hash.slice(8, 16), 16) >>> 0 &&
      words[2] === bytes >>> 0 &&
      words[3] === Math.floor(bytes / 2 ** 32) >>> 0
    );
  }
}
