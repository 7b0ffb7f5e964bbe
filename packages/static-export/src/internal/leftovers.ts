import { readdirSync, unlinkSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { isPidAlive, isRunAlive } from './run-identity.js';

/** A page's temporary file: `.<name>.<run id>.<pid>-<thread>-<n>.drove-tmp`. */
const PAGE_TEMP = /^\..*\.(\d+-[0-9a-z]+-\d+)\.\d+-\d+-\d+\.drove-tmp$/;
/** Before run ids (0.x): a page's `.<name>.<pid>-<thread>-<n>.drove-tmp` and the manifest's `.<name>.<pid>.drove-tmp`. */
const OLD_PAGE_TEMP = /^\..*\.(\d+)-\d+-\d+\.drove-tmp$/;
const OLD_MANIFEST_TEMP = /^\..*\.(\d+)\.drove-tmp$/;

/** Whose temporary file a name is, or `undefined` for a name that is not Drove's (never touched). */
export function temporaryOwner(name: string): { runId: string } | { pid: number } | undefined {
  if (!name.endsWith('.drove-tmp')) return undefined;
  const page = PAGE_TEMP.exec(name);
  if (page) return { runId: page[1]! };
  const old = OLD_PAGE_TEMP.exec(name) ?? OLD_MANIFEST_TEMP.exec(name);
  return old ? { pid: Number(old[1]) } : undefined;
}

export interface LeftoverOptions {
  /** Every folder under `outDir` (symbolic links not followed), or `outDir` alone. */
  tree: boolean;
  /** A run whose children have all stopped: its temporary files are leftovers too. */
  finishedRun?: string | undefined;
}

/**
 * Removes the temporary files that runs which died left in `outDir`: only
 * names in Drove's own temporary naming, and only those whose run (or, for
 * older names, process) is no longer alive, so a concurrent export into the
 * same folder (another shard) keeps its own. Returns the files removed.
 */
export function removeLeftovers(outDir: string, options: LeftoverOptions): string[] {
  const removed: string[] = [];
  const alive = new Map<string, boolean>();
  const isLeftover = (name: string): boolean => {
    const owner = temporaryOwner(name);
    if (!owner) return false;
    if ('pid' in owner) return !isPidAlive(owner.pid);
    if (owner.runId === options.finishedRun) return true;
    let running = alive.get(owner.runId);
    if (running === undefined) alive.set(owner.runId, (running = isRunAlive(owner.runId)));
    return !running;
  };
  const visit = (directory: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      // Removed meanwhile, or not ours to read.
      return;
    }
    for (const entry of entries) {
      const full = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (options.tree) visit(full);
      } else if (entry.isFile() && isLeftover(entry.name)) {
        try {
          unlinkSync(full);
          removed.push(full);
        } catch {
          // Renamed into place or removed meanwhile.
        }
      }
    }
  };
  visit(outDir);
  return removed;
}
