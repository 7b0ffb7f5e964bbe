import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BlogEngineError } from '../errors.js';
import { crashPoint, crashPointDue } from './crash-point.js';

/** The staging folder inside the output folder: same file system, so a rename into place is atomic. */
export const stagingFolderName = '.drove-tmp';

/**
 * Writes rendered files into the staging folder under unique names. Nothing
 * reaches the output folder until the commit phase renames it there.
 */
export class FileStager {
  readonly #dir: string;
  readonly #name: string;
  #count = 0;
  #ready = false;

  /** Each worker stages into a folder of its own: creating files in one shared folder serializes on the folder's lock. */
  constructor(stagingDir: string, name: string) {
    this.#dir = join(stagingDir, name);
    this.#name = name;
  }

  /** Writes bytes to a new staging file and returns its name (relative to the staging folder). @throws {BlogEngineError} `ERR_BLOG_IO` */
  stage(bytes: Buffer): string {
    const name = String(++this.#count);
    try {
      if (!this.#ready) {
        mkdirSync(this.#dir, { recursive: true });
        this.#ready = true;
      }
      if (crashPointDue('stage-write')) writeHalfThenCrash(join(this.#dir, name), bytes);
      else writeFileSync(join(this.#dir, name), bytes);
    } catch (error) {
      throw new BlogEngineError('ERR_BLOG_IO', `could not write a staging file in ${this.#dir}: ${(error as Error).message}`, { cause: error });
    }
    return `${this.#name}/${name}`;
  }
}

/** For the chaos tests: a file half written when the process dies. */
function writeHalfThenCrash(file: string, bytes: Buffer): void {
  const fd = openSync(file, 'w');
  writeSync(fd, bytes, 0, bytes.length >> 1);
  crashPoint('stage-write');
  writeSync(fd, bytes, bytes.length >> 1);
  closeSync(fd);
}

const madeDirs = new Set<string>();

/** Moves staged files into place: each `rename` replaces its target atomically. @throws {BlogEngineError} `ERR_BLOG_IO` */
export function moveIntoPlace(outDir: string, moves: { staged: string; path: string }[]): void {
  const stagingDir = join(outDir, stagingFolderName);
  for (const { staged, path } of moves) {
    const target = join(outDir, path);
    const dir = dirname(target);
    try {
      if (!madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
      }
      crashPoint('move');
      renameSync(join(stagingDir, staged), target);
    } catch (error) {
      // A folder made by an earlier build may have been removed since: make it again once.
      let failure = error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        try {
          mkdirSync(dir, { recursive: true });
          renameSync(join(stagingDir, staged), target);
          continue;
        } catch (again) {
          failure = again;
        }
      }
      throw new BlogEngineError('ERR_BLOG_IO', `could not write ${target}: ${(failure as Error).message}`, { cause: failure });
    }
  }
}

/** Removes output files and then the folders they leave empty (never the output folder itself). */
export async function removeOutputs(outDir: string, paths: string[]): Promise<void> {
  const dirs = new Set<string>();
  await Promise.all(
    paths.map(async (path) => {
      const file = join(outDir, path);
      try {
        crashPoint('remove-file');
        await unlink(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new BlogEngineError('ERR_BLOG_IO', `could not remove ${file}: ${(error as Error).message}`, { cause: error });
        }
      }
      for (let dir = dirname(path); dir !== '.' && dir !== ''; dir = dirname(dir)) dirs.add(dir);
    }),
  );
  // Deepest first, so a parent is tried after its children.
  for (const dir of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a))) {
    try {
      await rmdir(join(outDir, dir));
      madeDirs.delete(join(outDir, dir));
    } catch {
      // Not empty (or already gone): it stays.
    }
  }
}
