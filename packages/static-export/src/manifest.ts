/**
 * The manifest: one JSON line a rendered path, written atomically at the end
 * of an export, read back by the next `incremental` export.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { StaticExportError } from './errors.js';
import type { Shard } from './shard.js';

/** One file of a path, as the manifest lists it. */
export interface ManifestFile {
  /** Relative to `outDir`, `/` separators. */
  file: string;
  bytes: number;
  /** SHA-256 of the content, hex. */
  hash: string;
}

/** One line of the manifest: a path that was rendered and what it wrote. */
export interface ManifestEntry {
  path: string;
  /** Its files, sorted by name. */
  files: ManifestFile[];
  /** The sum of its files' bytes. */
  bytes: number;
  /** SHA-256 over its files' names and hashes, hex: equal when every file is. */
  hash: string;
}

/**
 * The manifest's file name in `outDir`: `.drove-manifest.jsonl`, or
 * `.drove-manifest.2-of-8.jsonl` for a shard, so shards may share an `outDir`.
 *
 * @example
 * ```ts
 * import { defaultManifestName } from '@drove/static-export';
 * defaultManifestName({ index: 2, count: 8 }); // '.drove-manifest.2-of-8.jsonl'
 * ```
 */
export function defaultManifestName(shard?: Shard): string {
  return shard ? `.drove-manifest.${shard.index}-of-${shard.count}.jsonl` : '.drove-manifest.jsonl';
}

/**
 * Reads a manifest line by line (constant memory however long it is).
 *
 * @throws (the iteration rejects) {StaticExportError} `ERR_EXPORT_MANIFEST` for a line that is not a manifest entry,
 * naming the file and the line; the file system's own error for a missing file.
 * @example
 * ```ts
 * import { readManifest } from '@drove/static-export';
 * for await (const entry of readManifest('dist/.drove-manifest.jsonl')) console.log(entry.path, entry.bytes);
 * ```
 */
export async function* readManifest(file: string): AsyncGenerator<ManifestEntry, void, undefined> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    for await (const line of lines) {
      number++;
      if (line.trim() === '') continue;
      const entry = parseManifestLine(line);
      if (!entry) {
        throw new StaticExportError('ERR_EXPORT_MANIFEST', `${file}:${number} is not a manifest entry: ${line.slice(0, 80)}`);
      }
      yield entry;
    }
  } finally {
    lines.close();
  }
}

/**
 * Parses one manifest line, or returns `undefined` when it is not an entry.
 *
 * @example
 * ```ts
 * import { parseManifestLine } from '@drove/static-export';
 * parseManifestLine('{"path":"/","files":[],"bytes":0,"hash":"e3b0…"}')?.path; // '/'
 * ```
 */
export function parseManifestLine(line: string): ManifestEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const entry = value as ManifestEntry;
  if (
    typeof entry !== 'object' ||
    entry === null ||
    typeof entry.path !== 'string' ||
    typeof entry.bytes !== 'number' ||
    typeof entry.hash !== 'string' ||
    !Array.isArray(entry.files) ||
    !entry.files.every((f) => typeof f?.file === 'string' && typeof f.bytes === 'number' && typeof f.hash === 'string')
  ) {
    return undefined;
  }
  return entry;
}
