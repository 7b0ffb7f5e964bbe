import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OverwriteError } from '../errors.js';

/**
 * The rule every command keeps: it replaces or removes only files it created
 * (for a build, the files its database records in that output folder), unless
 * told to with `force`. These helpers find the other files in the way and
 * refuse with one line that names a few of them and counts them all.
 */

/** How many paths a message names before it says "and N more". */
const named = 5;

/** `a, b, c, d, e and 12 more`: the first few of a list, and how many it left out. */
export function nameSome(paths: readonly string[]): string {
  const shown = paths.slice(0, named).join(', ');
  return paths.length > named ? `${shown} and ${paths.length - named} more` : shown;
}

/** `1 file`, `12 files`. */
export function countOf(count: number, noun = 'file'): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Whether anything (a file, a folder, a symbolic link, even a dangling one) is at `path`. */
export function occupied(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Every file (and symbolic link) under `dir` as `prefix/relative/path`, sorted; empty when `dir` does not exist. */
export function filesUnder(dir: string, prefix: string): string[] {
  const found: string[] = [];
  const walk = (folder: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(join(folder, entry.name), path);
      else found.push(path);
    }
  };
  walk(dir, prefix);
  return found.sort();
}

/**
 * Of the output paths a build is about to write, those where something is
 * on disk that the engine did not put there.
 */
export function unownedInTheWay(outDir: string, paths: Iterable<string>, isOwned: (path: string) => boolean): string[] {
  const found: string[] = [];
  for (const path of paths) if (!isOwned(path) && occupied(join(outDir, path))) found.push(path);
  return found.sort();
}

/**
 * Throws the refusal: `refusing to replace 3 files in /out that drove-blog did
 * not write (index.html, feed.xml, about/index.html); run with --force …`.
 *
 * @throws {OverwriteError} `ERR_BLOG_WOULD_OVERWRITE`, always.
 */
export function refuseOverwrite(dir: string, files: readonly string[], what: string, remedy: string): never {
  throw new OverwriteError(`${what} (${nameSome(files)}); ${remedy}`, dir, files);
}
