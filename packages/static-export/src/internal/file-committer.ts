import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { threadId } from 'node:worker_threads';
import { StaticExportError } from '../errors.js';
import { crashPoint } from './crash-point.js';
import { wouldOverwrite, type OwnedFiles } from './ownership.js';
import type { PreviousHashes } from './previous-hashes.js';

/** One file of a rendered path, as the child reports it (no content: bytes never cross IPC). */
export interface FileRecord {
  file: string;
  bytes: number;
  hash: string;
  /** Left as it was: the previous manifest had the same content (incremental exports). */
  unchanged: boolean;
  /**
   * Unchanged and not in this folder: the previous export's copy is in another
   * folder (a host of a remote export, whose previous manifest is the merged one).
   */
  elsewhere?: true;
}

/** How a committer tells a file that needs no writing (incremental exports). */
export interface UnchangedCheck {
  /** What the previous run (or the last run that died) wrote, trusted as it stands. */
  previous: PreviousHashes;
  /** A run died since: a file `previous` does not vouch for is left only when its bytes on disk equal the new ones. */
  verifyByContent: boolean;
  /**
   * The previous export's files live in another folder (a remote export's
   * merged output; this folder is one host's): a file `previous` lists with
   * the same hash and size is unchanged without being looked for here.
   */
  elsewhere?: boolean;
}

/** Directories checked to lie inside `outDir`, remembered up to this many. */
const VERIFIED_DIRECTORIES_KEPT = 50_000;

/**
 * Publishes a path's staged files: each is written to a temporary file in its
 * target's directory, and only once all are written are they renamed over
 * their targets, so a reader (or an interrupted export) sees each file either
 * whole or not at all, and a path whose writes fail publishes nothing.
 * Synchronous on purpose: nothing can interleave with a commit, and a commit
 * never leaves a temporary file behind unless the process is killed in it.
 */
export class FileCommitter {
  readonly #outDir: string;
  readonly #realOutDir: string;
  readonly #previous: PreviousHashes | undefined;
  readonly #verifyByContent: boolean;
  readonly #elsewhere: boolean;
  readonly #reserved: ReadonlySet<string>;
  readonly #verified = new Set<string>();
  /**
   * Temporary files of the commit under way, removed on exit if it is cut short. A fresh array a
   * commit: a long-lived Set with a file added and deleted at a time keeps its old tables alive.
   */
  #pending: string[] = [];
  /** The run's id first: a later run removes the file only once this run is over (see leftovers.ts). */
  readonly #tag: string;
  #sequence = 0;

  /** What earlier exports wrote; `undefined` when nothing needs checking (an empty `outDir` at the start, or `force`). */
  readonly #owned: OwnedFiles | undefined;

  constructor(outDir: string, unchanged: UnchangedCheck | undefined, reserved: Iterable<string>, runId: string, owned?: OwnedFiles) {
    this.#owned = owned;
    mkdirSync(outDir, { recursive: true });
    this.#outDir = outDir;
    this.#realOutDir = realpathSync.native(outDir);
    this.#previous = unchanged?.previous;
    this.#verifyByContent = unchanged?.verifyByContent ?? false;
    this.#elsewhere = unchanged?.elsewhere ?? false;
    this.#tag = `${runId}.${process.pid}-${threadId}`;
    this.#reserved = new Set(reserved);
    this.#verified.add(outDir);
  }

  /** Writes `staged` (name → data, names already checked) for `path`; throws a coded error and publishes nothing on failure. */
  commit(path: string, staged: ReadonlyMap<string, string | Uint8Array>): FileRecord[] {
    const records: FileRecord[] = [];
    const moves: [temp: string, target: string][] = [];
    let target = '';
    try {
      for (const file of [...staged.keys()].sort()) {
        if (this.#reserved.has(file)) {
          throw new StaticExportError('ERR_EXPORT_COLLISION', `The artifact ${JSON.stringify(file)} (rendering ${path}) is the export's manifest`, { path });
        }
        const data = staged.get(file)!;
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        const hash = createHash('sha256').update(bytes).digest('hex');
        if (this.#elsewhere && this.#previous?.matches(file, hash, bytes.length)) {
          records.push({ file, bytes: bytes.length, hash, unchanged: true, elsewhere: true });
          continue;
        }
        target = join(this.#outDir, file);
        // In a directory made just now there is nothing to compare with or to collide with.
        const fresh = this.#ensureDirectory(dirname(target), path);
        const existing = fresh ? undefined : lstatSync(target, { throwIfNoEntry: false });
        if (existing?.isDirectory()) {
          throw new StaticExportError('ERR_EXPORT_WRITE_FAILED', `Could not write ${target} (rendering ${path}): a directory of that name exists`, { path });
        }
        // The lstat above is made anyway (unchanged files, directories): telling a user's file costs a table lookup.
        if (existing && this.#owned && !this.#owned.owns(file, existing)) throw wouldOverwrite(target, path);
        if (existing?.isFile() && existing.size === bytes.length && (this.#previous?.matches(file, hash, bytes.length) || this.#sameContent(target, bytes))) {
          records.push({ file, bytes: bytes.length, hash, unchanged: true });
          continue;
        }
        const temp = join(dirname(target), `.${basename(target).slice(0, 80)}.${this.#tag}-${this.#sequence++}.drove-tmp`);
        this.#pending.push(temp);
        moves.push([temp, target]);
        writeFileSync(temp, bytes);
        crashPoint('file-written');
        records.push({ file, bytes: bytes.length, hash, unchanged: false });
      }
      for (const [temp, to] of moves) {
        target = to;
        renameSync(temp, to);
        crashPoint('file-renamed');
      }
      if (moves.length > 0) this.#pending = [];
    } catch (error) {
      for (const [temp] of moves) this.#discard(temp);
      this.#pending = [];
      if (error instanceof StaticExportError) throw error;
      throw new StaticExportError('ERR_EXPORT_WRITE_FAILED', `Could not write ${target} (rendering ${path}): ${(error as Error).message}`, {
        cause: error,
        path,
      });
    }
    return records;
  }

  /** Removes every temporary file still pending (a cut-short commit); safe in an `exit` listener. */
  discardPending(): void {
    for (const temp of this.#pending) this.#discard(temp);
    this.#pending = [];
  }

  /** After a run died: whether `target` already holds exactly `bytes` (read back, only for a file of that very size). */
  #sameContent(target: string, bytes: Buffer): boolean {
    if (!this.#verifyByContent) return false;
    try {
      return readFileSync(target).equals(bytes);
    } catch {
      return false;
    }
  }

  #discard(temp: string): void {
    try {
      unlinkSync(temp);
    } catch {
      // Already renamed or never created.
    }
  }

  /**
   * Makes sure `directory` exists and lies inside `outDir` once symbolic links
   * are followed; returns true when it was created just now. Parents are
   * checked before children, so nothing is ever created through a link that
   * points out of `outDir`: a directory made inside a checked one is inside
   * too, and one that already existed is resolved and checked.
   */
  #ensureDirectory(directory: string, path: string): boolean {
    if (this.#verified.has(directory)) return false;
    const parent = dirname(directory);
    if (parent === directory) this.#outside(directory, directory, path);
    this.#ensureDirectory(parent, path);
    let created = false;
    try {
      mkdirSync(directory);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const real = realpathSync.native(directory);
      if (real !== this.#realOutDir && !real.startsWith(this.#realOutDir + sep)) this.#outside(directory, real, path);
    }
    if (this.#verified.size >= VERIFIED_DIRECTORIES_KEPT) {
      this.#verified.clear();
      this.#verified.add(this.#outDir);
    }
    this.#verified.add(directory);
    return created;
  }

  #outside(directory: string, real: string, path: string): never {
    throw new StaticExportError(
      'ERR_EXPORT_PATH_ESCAPES',
      `Could not write into ${directory} (rendering ${path}): it resolves to ${real}, outside outDir, through a symbolic link`,
      { path },
    );
  }
}
