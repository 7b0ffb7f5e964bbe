import { lstatSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { join, sep } from 'node:path';

/** A running watch of a site folder. */
export interface SiteWatcher {
  close(): void;
}

export interface SiteWatchOptions {
  /** Paths (relative, with `/`) not to watch or report: the output and cache folders, tool folders. A skipped folder is not descended into. */
  skip(path: string): boolean;
  /** A path changed (relative, with `/`); `undefined` when the watcher cannot tell which, as after a folder could not be watched. */
  onChange(path: string | undefined): void;
  /** Folders to watch one by one (the default on Linux) instead of the platform's recursive watch. */
  perFolder?: boolean;
}

/**
 * Watches a site folder and reports each changed path.
 *
 * On Linux, Node 20's `fs.watch(dir, { recursive: true })` sets an inotify watch
 * on every file and stats it on every event, and a removal scans every watched
 * path (lib/internal/fs/recursive_watch.js): with a site's output inside its
 * folder, that is tens of thousands of watches, and a rebuild's own writes cost
 * the main thread. Here each folder gets one watch (inotify names the child that
 * changed), and skipped folders (the output) none. Elsewhere the platform's
 * recursive watch (FSEvents, ReadDirectoryChangesW) is one handle already.
 *
 * @throws the `fs.watch` error of a folder that cannot be watched as the watch starts (a missing site folder, no inotify watches left).
 */
export function watchSite(root: string, options: SiteWatchOptions): SiteWatcher {
  const { skip, onChange } = options;
  const skipped = (path: string): boolean => {
    for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) if (skip(path.slice(0, at))) return true;
    return skip(path);
  };
  if (!(options.perFolder ?? process.platform === 'linux')) {
    const watcher = watch(root, { recursive: true }, (_event, name) => {
      if (name === null) return onChange(undefined);
      const path = sep === '/' ? name : name.split(sep).join('/');
      if (!skipped(path)) onChange(path);
    });
    watcher.on('error', () => onChange(undefined));
    return { close: () => watcher.close() };
  }

  // Each watched folder with its inode: a folder removed and made again under the same name is watched again.
  const folders = new Map<string, { watcher: FSWatcher; ino: number }>();
  let closed = false;
  const unwatch = (folder: string) => {
    for (const [path, { watcher }] of folders) {
      if (path === folder || path.startsWith(`${folder}/`)) {
        watcher.close();
        folders.delete(path);
      }
    }
  };
  // A folder and the folders under it. `throwing` while the watch starts: a folder that cannot be watched (no
  // inotify watches left: ENOSPC) fails the start, rather than leaving edits in it unseen. Later, it is reported as
  // a change nobody can name.
  const add = (folder: string, throwing = false): void => {
    if (closed || folders.has(folder) || (folder !== '' && skipped(folder))) return;
    const absolute = folder === '' ? root : join(root, folder);
    let watcher: FSWatcher;
    let ino: number;
    try {
      ino = lstatSync(absolute).ino;
      watcher = watch(absolute, (_event, name) => changed(folder, name));
    } catch (error) {
      // A folder gone before it could be watched was reported by its parent.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && folder !== '') return;
      if (throwing) throw error;
      onChange(undefined);
      return;
    }
    watcher.on('error', () => {
      unwatch(folder);
      onChange(folder === '' ? undefined : folder);
    });
    folders.set(folder, { watcher, ino });
    let entries;
    try {
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) add(folder === '' ? entry.name : `${folder}/${entry.name}`, throwing);
  };
  const changed = (folder: string, name: string | Buffer | null): void => {
    if (name === null) return onChange(undefined);
    const path = folder === '' ? String(name) : `${folder}/${String(name)}`;
    if (skipped(path)) return;
    onChange(path);
    let folderIno: number | undefined;
    try {
      const stats = lstatSync(join(root, path));
      if (stats.isDirectory()) folderIno = stats.ino;
    } catch {
      // Removed: its watches (if it was a folder) go with it.
    }
    if (folders.get(path)?.ino !== folderIno) unwatch(path);
    if (folderIno !== undefined) add(path);
  };
  try {
    add('', true);
  } catch (error) {
    for (const { watcher } of folders.values()) watcher.close();
    throw error;
  }
  return {
    close: () => {
      closed = true;
      for (const { watcher } of folders.values()) watcher.close();
      folders.clear();
    },
  };
}
