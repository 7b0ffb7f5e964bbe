/**
 * The paths a file watcher reported since a build last took them. A warm build
 * (`serve`'s) trusts a file that no event named since the last build checked it,
 * as a file or as one of its folders, and does not stat it again. The first set
 * taken, and the first after events may have been lost, says every file may have
 * changed: that build checks them all.
 */
export class ChangeLog {
  /** More names than this in one batch (a branch checked out, a folder copied in): every file is checked, as when events may have been lost. */
  static readonly burst = 1000;
  #names = new Set<string>();
  #all = true;

  /** A path changed (relative to the site, with `/`); `undefined`: something changed and the watcher cannot tell what. */
  add(path: string | undefined): void {
    if (path === undefined || this.#names.size >= ChangeLog.burst) this.lost();
    else if (!this.#all) this.#names.add(path);
  }

  /** Events may have been missed (the watch restarted, a build did not finish reading): the next build checks every file. */
  lost(): void {
    this.#all = true;
    this.#names.clear();
  }

  /** What changed since the last call; the log starts afresh for the next build. */
  take(): ChangeSet {
    const set = new ChangeSet(this.#all, this.#names);
    this.#names = new Set();
    this.#all = false;
    return set;
  }
}

/** What a watcher reported between two builds. */
export class ChangeSet {
  constructor(
    /** Anything may have changed: check every file. */
    readonly all: boolean,
    private readonly names: ReadonlySet<string>,
  ) {}

  /** Whether a file may have changed since the last build checked it: an event named it, or a folder it is in. */
  mayHaveChanged(path: string): boolean {
    if (this.all) return true;
    if (this.names.size === 0) return false;
    if (this.names.has(path)) return true;
    // A build asks this of every file: a few names are compared as they are, many are looked up by each folder.
    if (this.names.size <= 8) {
      for (const name of this.names) if (path.length > name.length && path.charCodeAt(name.length) === 47 && path.startsWith(name)) return true;
      return false;
    }
    for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) if (this.names.has(path.slice(0, at))) return true;
    return false;
  }
}
