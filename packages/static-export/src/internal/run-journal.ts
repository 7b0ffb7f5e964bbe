import { appendFileSync, closeSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StaticExportError } from '../errors.js';
import { crashPoint } from './crash-point.js';
import { removeLeftovers } from './leftovers.js';
import { ManifestWriter } from './manifest-writer.js';
import { isRunAlive } from './run-identity.js';

/** `.<manifest>.<generation>.<run id>.drove-journal` */
const JOURNAL = /^\.(.+)\.(\d+)\.(\d+-[0-9a-z]+-\d+)\.drove-journal$/;

interface JournalName {
  file: string;
  generation: number;
  runId: string;
}

/**
 * A run's journal and what the runs before it left, for one manifest in one
 * `outDir`. The journal holds the manifest of the run in progress; the run
 * ends by renaming it over the manifest, so a journal found at the start of a
 * run is one whose run died (or one still under way, which is refused).
 *
 * What the next run may trust:
 * - no journal: the manifest (its run ended, and renamed it into place last);
 * - journals of runs that died: the newest one's records and nothing else.
 *   Each record was appended after its files were renamed into place, and
 *   nothing of that run touched them after; any other file may have been
 *   replaced by the run that died (a path in flight, a record lost with the
 *   buffer or torn), so the next run compares its content with the new bytes
 *   before leaving it. Older journals are not trusted for content (a later run
 *   died after them) but still name files the export wrote; a commit removes them.
 */
export class RunJournal {
  readonly writer: ManifestWriter;
  /** Where children read the previous hashes (incremental runs): the manifest, or the newest journal of a run that died. */
  readonly previous: string | undefined;
  /** A run died since the manifest was written: files the journal does not vouch for are compared by content. */
  readonly verifyByContent: boolean;
  /** The temporary files of dead runs removed at the start. */
  readonly removed: string[];
  readonly #outDir: string;
  readonly #manifestName: string;
  /** The journals of runs that died, oldest first: what they wrote is the export's own. */
  readonly dead: readonly string[];
  readonly #generation: number;
  readonly #runId: string;

  private constructor(outDir: string, manifestName: string, runId: string, incremental: boolean) {
    this.#outDir = outDir;
    this.#manifestName = manifestName;
    this.#runId = runId;
    const names = readdirSync(outDir);
    const journals: JournalName[] = [];
    let oldTemporaryManifest = false;
    for (const name of names) {
      const match = JOURNAL.exec(name);
      if (match && match[1] === manifestName) journals.push({ file: join(outDir, name), generation: Number(match[2]), runId: match[3]! });
      else if (name.startsWith(`.${manifestName}.`) && name.endsWith('.drove-tmp')) oldTemporaryManifest = true;
    }
    const running = journals.find((journal) => isRunAlive(journal.runId));
    if (running) {
      throw new StaticExportError(
        'ERR_EXPORT_MANIFEST',
        `Another export (run ${running.runId}) is writing the manifest ${manifestName} in ${outDir}: wait for it to end, or give this one another \`manifest\``,
      );
    }
    journals.sort((a, b) => a.generation - b.generation);
    const newest = journals.at(-1);
    // Older journals are not trusted for content, but they still tell which files earlier runs wrote: kept until a commit.
    this.dead = journals.map((journal) => journal.file);
    // Only a run that died can have left a page's temporary file (a child killed inside its commit is cleaned up by its run).
    this.removed = removeLeftovers(outDir, { tree: newest !== undefined || oldTemporaryManifest });
    this.#generation = (newest?.generation ?? 0) + 1;
    const manifestFile = join(outDir, manifestName);
    this.previous = incremental ? (newest?.file ?? manifestFile) : undefined;
    this.verifyByContent = incremental && newest !== undefined;
    this.writer = new ManifestWriter(manifestFile, this.#journalFile(this.#generation));
  }

  /**
   * Reads what earlier runs left in `outDir` for this manifest, removes their
   * leftovers, and starts this run's journal.
   *
   * @throws {StaticExportError} `ERR_EXPORT_MANIFEST` when a live run writes the same manifest, or the journal cannot be created.
   */
  static open(outDir: string, manifestName: string, runId: string, incremental: boolean): RunJournal {
    try {
      return new RunJournal(outDir, manifestName, runId, incremental);
    } catch (error) {
      if (error instanceof StaticExportError) throw error;
      throw new StaticExportError('ERR_EXPORT_MANIFEST', `Could not start the journal of ${join(outDir, manifestName)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /**
   * Makes the journal the manifest. With `unproven` (the run cannot vouch for
   * every record: two paths wrote one file), an empty journal is left after
   * it, so the next run checks every file by content. With `complete: false`
   * (paths failed, so files the dead runs wrote may stay unrecorded), the
   * moment from which files count as the export's own is kept beside the
   * manifest ({@link ownedSinceFile}) until a complete run commits.
   */
  commit({ unproven, complete }: { unproven: boolean; complete: boolean }): void {
    this.writer.close();
    crashPoint('commit-start');
    const mark = ownedSinceFile(this.#outDir, this.#manifestName);
    const ledger = ownedLedgerFile(this.#outDir, this.#manifestName);
    if (complete) {
      unlinkQuietly(mark);
      unlinkQuietly(ledger);
    } else {
      const since = oldestStart(this.dead, readOwnedSince(mark));
      if (since !== undefined) writeFileSync(mark, `${Math.floor(since)}\n`);
      // The manifest about to be replaced and the dead runs' journals still name files the export wrote
      // that this run did not write again: their names stay the export's (never their hashes: content is not trusted).
      for (const source of [this.writer.file, ...this.dead]) {
        try {
          appendFileSync(ledger, readFileSync(source));
        } catch {
          // No such file: nothing to keep.
        }
      }
    }
    // Before the rename: a kill in between leaves the newer, empty journal, which trusts nothing.
    if (unproven) closeSync(openSync(this.#journalFile(this.#generation + 1), 'wx'));
    // Before the rename: the dead runs' journals must not outlive the manifest that supersedes them.
    for (const dead of this.dead) unlinkQuietly(dead);
    crashPoint('commit-journals-removed');
    renameSync(this.writer.journal, this.writer.file);
    crashPoint('commit-renamed');
  }

  /** Drops this run's journal (it wrote no file); what earlier runs left stays as it was. */
  discard(): void {
    this.writer.discard();
  }

  #journalFile(generation: number): string {
    return join(this.#outDir, `.${this.#manifestName}.${generation}.${this.#runId}.drove-journal`);
  }
}

/**
 * Where a commit that could not vouch for every file the dead runs before it
 * wrote keeps the moment the oldest of them started (epoch ms), and every file
 * modified since counts as the export's own until a complete run commits.
 */
export function ownedSinceFile(outDir: string, manifestName: string): string {
  return join(outDir, `.${manifestName}.owned-since`);
}

/**
 * The names of files earlier exports wrote that the last commit could not
 * vouch for (manifest lines, read for their names only), kept until a
 * complete run commits.
 */
export function ownedLedgerFile(outDir: string, manifestName: string): string {
  return join(outDir, `.${manifestName}.owned`);
}

/** The moment {@link ownedSinceFile} holds, or `undefined`. */
export function readOwnedSince(file: string): number | undefined {
  try {
    const value = Number(readFileSync(file, 'latin1').trim());
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The earliest of `since` and the starts of the runs whose journals these are (a journal is created as its run starts). */
export function oldestStart(journals: readonly string[], since: number | undefined): number | undefined {
  let oldest = since;
  for (const journal of journals) {
    try {
      const born = statSync(journal).birthtimeMs;
      if (born > 0) oldest = oldest === undefined ? born : Math.min(oldest, born);
    } catch {
      // Gone since.
    }
  }
  return oldest;
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
