/**
 * Deterministic partitions of a path stream, for exporting one site from a CI
 * matrix: shard `i` of `n` renders exactly the paths {@link shardOf} assigns
 * to it, so the shards are disjoint and their union is a single-machine run.
 *
 * @module
 */
import { StaticExportError } from './errors.js';
import { fnv1a32 } from './internal/fingerprint.js';
import { resolveOutputFile } from './output-path.js';

/** One shard of `count`, numbered from 1 like Jest's and Playwright's `--shard 2/8`. */
export interface Shard {
  /** This shard's number, 1 … `count`. */
  index: number;
  /** How many shards the paths are split into. */
  count: number;
}

/**
 * The shard (1 … `count`) a path belongs to: FNV-1a (32-bit) of the UTF-8
 * bytes of its output file, modulo `count`, plus one. Hashing the output file
 * rather than the path puts `/about` and `/about/` in the same shard, so a
 * collision between them is caught in a sharded run too. A path that maps to
 * no file (it escapes `outDir`) is hashed as it is, so exactly one shard
 * reports it.
 *
 * @throws {StaticExportError} `ERR_EXPORT_INVALID_OPTION` for a `count` that is not an integer >= 1.
 * @example
 * ```ts
 * import { shardOf } from '@drove/static-export';
 * shardOf('/blog/hello', 8); // the same number on every machine, for ever
 * ```
 */
export function shardOf(path: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) {
    throw new StaticExportError('ERR_EXPORT_INVALID_OPTION', `Expected \`count\` to be an integer >= 1, got \`${String(count)}\``);
  }
  let key: string;
  try {
    key = resolveOutputFile(path);
  } catch {
    key = String(path);
  }
  return (fnv1a32(key) % count) + 1;
}

/**
 * Reads `--shard 2/8` (`index/count`).
 *
 * @throws {StaticExportError} `ERR_EXPORT_INVALID_OPTION` for anything but two integers with 1 <= index <= count.
 * @example
 * ```ts
 * import { parseShard } from '@drove/static-export';
 * parseShard('2/8'); // { index: 2, count: 8 }
 * ```
 */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(text));
  const shard = match ? { index: Number(match[1]), count: Number(match[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw new StaticExportError(
      'ERR_EXPORT_INVALID_OPTION',
      `Expected \`shard\` to be \`index/count\` with 1 <= index <= count (like \`2/8\`), got \`${String(text)}\``,
    );
  }
  return shard;
}
