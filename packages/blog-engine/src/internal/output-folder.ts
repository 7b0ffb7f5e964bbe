import { existsSync, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import type { BuildDatabase } from './build-db.js';
import { removeOutputs, stagingFolderName } from './file-stager.js';

/**
 * What the build database may believe about an output folder before a build
 * writes to it. Rows and ownership are about one folder on disk: a folder that
 * was removed, or removed and made again (by the user, holding their files),
 * is not the one the engine wrote, so nothing in it is trusted or owned.
 */

/** Device, inode and birth time: a folder removed and made again under the same name differs. */
function identityOf(dir: string): string | undefined {
  try {
    const stats = statSync(dir, { bigint: true });
    return `${stats.dev}:${stats.ino}:${stats.birthtimeNs}`;
  } catch {
    return undefined;
  }
}

const identityKey = (outDir: string) => `outDirIdentity:${outDir}`;

/**
 * Settles the database's outputs and ownership for a build into `outDir`,
 * and runs `clean` (the engine's files, or everything with `force`).
 *
 * @throws {InvalidOptionError} `ERR_BLOG_INVALID_OPTION` when `clean` with `force` would empty the site's own folder or a root.
 */
export async function prepareOutputFolder(db: BuildDatabase, options: { outDir: string; siteDir: string; clean: boolean; force: boolean }): Promise<void> {
  const { outDir } = options;
  const identity = identityOf(outDir);
  const known = await db.meta(identityKey(outDir));
  const previous = await db.meta('outDir');
  const replaced = identity === undefined || (known !== undefined && known !== identity);
  // Whatever the engine wrote there is gone: a folder made there since is the user's.
  if (replaced) await db.disownAll(outDir);
  if (replaced || previous !== outDir) await db.resetOutputs();
  await db.setMeta('outDir', outDir);
  if (options.clean) await cleanOutputFolder(db, options);
}

/** Records which folder on disk `outDir` is, once it exists and before anything is written into it. */
export async function recordOutputFolder(db: BuildDatabase, outDir: string): Promise<void> {
  const identity = identityOf(outDir);
  if (identity !== undefined) await db.setMeta(identityKey(outDir), identity);
}

/**
 * `clean`: forgets every output row first (so no row ever claims a file that is gone, whenever this is killed),
 * then removes the files the engine wrote there, or with `force` everything in the folder.
 */
async function cleanOutputFolder(db: BuildDatabase, { outDir, siteDir, force }: { outDir: string; siteDir: string; force: boolean }): Promise<void> {
  await db.resetOutputs();
  await rm(join(outDir, stagingFolderName), { recursive: true, force: true });
  if (!force) {
    const owned = [...(await db.ownedPaths(outDir))];
    await removeOutputs(outDir, owned);
    await db.deleteOutputs(outDir, owned);
    return;
  }
  const fromOut = relative(outDir, siteDir);
  if (fromOut === '' || (!fromOut.startsWith('..') && !isAbsolute(fromOut)) || outDir === resolve('/') || outDir === process.env.HOME) {
    throw new InvalidOptionError(`Refusing to clean \`${outDir}\`: it holds the site folder or is a root folder`);
  }
  if (existsSync(outDir)) for (const entry of await readdir(outDir)) await rm(join(outDir, entry), { recursive: true, force: true });
  await db.disownAll(outDir);
}
