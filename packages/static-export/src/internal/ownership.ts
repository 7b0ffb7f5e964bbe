import { createReadStream, readdirSync, type Stats } from 'node:fs';
import { createInterface } from 'node:readline';
import { StaticExportError } from '../errors.js';
import { parseManifestLine } from '../manifest.js';
import { FingerprintTable } from './fingerprint.js';
import { oldestStart } from './run-journal.js';

/**
 * What a render child needs to tell the export's own files from a user's:
 * the records of what earlier exports of this `outDir` wrote (the manifest
 * and the journals of runs that died), and the moment from which any file
 * counts as the export's (the oldest dead run's start, else this run's).
 */
export interface Ownership {
  records: string[];
  ownedSinceMs: number;
}

/** A file system timestamp may lag the clock by a tick (coarse kernel time): files written this close before a run's start count as its own. */
const CLOCK_MARGIN_MS = 50;
/** Names a refusal quotes. */
const NAMED = 3;

/** Drove's own names in `outDir`: manifests, journals, temporary files. They say nothing about a user's files. */
function isDroveName(name: string, manifest: string | undefined): boolean {
  return (
    name === manifest ||
    name.endsWith('.drove-tmp') ||
    name.endsWith('.drove-journal') ||
    name.endsWith('.owned-since') ||
    name.endsWith('.owned') ||
    /^\.drove-manifest(\.\d+-of-\d+)?\.jsonl$/.test(name)
  );
}

/** Whether a name is evidence that an export wrote into this folder before. */
function isRecord(name: string, manifest: string | undefined): boolean {
  return name === manifest || name.endsWith('.drove-journal') || /^\.drove-manifest(\.\d+-of-\d+)?\.jsonl$/.test(name);
}

/**
 * Looks at `outDir` before a run starts. Returns whether its files need
 * checking at all (not when it holds nothing but Drove's own files, nor with
 * `force`); refuses a non-empty folder that no export wrote into, or any
 * non-empty folder when there is no manifest to record what is the export's.
 *
 * @throws {StaticExportError} `ERR_EXPORT_WOULD_OVERWRITE` naming a few of the files and their count.
 */
export function inspectOutDir(outDir: string, manifest: string | undefined, force: boolean): { check: boolean } {
  const names = readdirSync(outDir);
  const others = names.filter((name) => !isDroveName(name, manifest)).sort();
  if (others.length === 0 || force) return { check: false };
  const recorded = manifest !== undefined && names.some((name) => isRecord(name, manifest));
  if (recorded) return { check: true };
  const shown = others.slice(0, NAMED).join(', ');
  const more = others.length > NAMED ? ` and ${others.length - NAMED} more` : '';
  const why =
    manifest === undefined
      ? 'with `manifest: false` nothing records which files an export wrote'
      : 'it holds no manifest of an earlier export';
  throw new StaticExportError(
    'ERR_EXPORT_WOULD_OVERWRITE',
    `Refusing to export into ${outDir}: it is not empty (${shown}${more}: ${others.length} ${others.length === 1 ? 'entry' : 'entries'}) and ${why}, so its files may be a user's; pass \`force: true\` (--force) to replace them`,
  );
}

/**
 * The ownership of a run that checks: its records, and the start of the
 * oldest run that died (or its own start), or the earlier moment an
 * incomplete run kept for them when it committed (`ownedSince`).
 */
export function ownershipOf(
  manifestFile: string,
  deadJournals: readonly string[],
  startedAtMs: number,
  kept: { ownedSince: number | undefined; ledger: string },
): Ownership {
  // A journal is created as its run starts, then only appended to: its birth time is that run's start.
  const since = Math.min(startedAtMs, oldestStart(deadJournals, kept.ownedSince) ?? startedAtMs);
  return { records: [manifestFile, kept.ledger, ...deadJournals], ownedSinceMs: since - CLOCK_MARGIN_MS };
}

/**
 * In a render child: the names of the files earlier exports wrote (8 bytes a
 * file, fingerprints in a typed array), for telling a user's file from the
 * export's own before replacing it.
 */
export class OwnedFiles {
  readonly #names = new FingerprintTable();
  readonly #since: number;

  private constructor(since: number) {
    this.#since = since;
  }

  /** Reads every record (a missing one is empty; a torn line is skipped). */
  static async load(ownership: Ownership): Promise<OwnedFiles> {
    const owned = new OwnedFiles(ownership.ownedSinceMs);
    for (const record of ownership.records) await owned.#read(record);
    return owned;
  }

  /** Whether the file found at `file` (relative to `outDir`) is the export's own: recorded, or written since a run of it started. */
  owns(file: string, found: Stats): boolean {
    return found.mtimeMs >= this.#since || this.#names.has(file);
  }

  async #read(record: string): Promise<void> {
    const input = createReadStream(record, { encoding: 'utf8' });
    const missing = new Promise<boolean>((resolve) => {
      input.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ENOENT'));
      input.once('open', () => resolve(false));
    });
    if (await missing) return;
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      const entry = line.trim() === '' ? undefined : parseManifestLine(line);
      if (entry) for (const file of entry.files) this.#names.add(file.file);
    }
  }
}

/** The error for a user's file at a path's target. */
export function wouldOverwrite(target: string, path: string): StaticExportError {
  return new StaticExportError(
    'ERR_EXPORT_WOULD_OVERWRITE',
    `Did not replace ${target} (rendering ${path}): no earlier export of this outDir wrote it, so it may be a user's file; pass \`force: true\` (--force) to replace it`,
    { path },
  );
}
