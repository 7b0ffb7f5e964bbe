// Watch mode (nodemon's and PM2's `watch`): a change under the watched
// folders, once they have been quiet for `debounceMs`, calls back once.
// Changes under ignored folders (node_modules, .git, output folders, the
// supervisor's own log and run folders) never do.
import { watch, type FSWatcher } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export interface ResolvedWatch {
  paths: string[];
  /** Folder names ignored wherever they are, and absolute folders. */
  ignore: string[];
  debounceMs: number;
}

export class FileWatch {
  readonly #watchers: FSWatcher[] = [];
  readonly #options: ResolvedWatch;
  readonly #onChange: (files: string[]) => void;
  #timer: NodeJS.Timeout | undefined;
  #changed = new Set<string>();

  /** `onError` gets a folder that cannot be watched (missing, or no recursive watch here). */
  constructor(options: ResolvedWatch, onChange: (files: string[]) => void, onError: (error: Error) => void) {
    this.#options = options;
    this.#onChange = onChange;
    for (const path of options.paths) {
      try {
        const watcher = watch(path, { recursive: true, persistent: false }, (_event, file) => {
          if (file !== null) this.#seen(resolve(path, file.toString()));
        });
        watcher.on('error', onError);
        this.#watchers.push(watcher);
      } catch (error) {
        onError(error as Error);
      }
    }
  }

  /** Whether a changed path is under an ignored folder. */
  ignored(file: string): boolean {
    for (const ignore of this.#options.ignore) {
      if (isAbsolute(ignore)) {
        const inside = relative(ignore, file);
        if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) return true;
      } else if (file.split(sep).includes(ignore)) {
        return true;
      }
    }
    return false;
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const watcher of this.#watchers.splice(0)) watcher.close();
  }

  #seen(file: string): void {
    if (this.ignored(file)) return;
    this.#changed.add(file);
    // Debounced: an editor's save or a build writes several files in a burst; restart once, after it.
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const files = [...this.#changed];
      this.#changed = new Set();
      this.#onChange(files);
    }, this.#options.debounceMs);
    this.#timer.unref();
  }
}
