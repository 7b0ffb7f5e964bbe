// One build at a time per build database.
//
// A build's crash safety rests on one writer: a row holds a key and a hash only while the file on disk holds
// those bytes. Two builds of the same site at once (`serve` rebuilding while `drove-blog build` runs) would
// interleave their renames and their commits, and a row could end up vouching for the other build's bytes.
// So a build holds a lock file next to its database from before it reads the database to after its last write:
// `<database>.lock`, made whole and linked into place (so it is created exclusively), holding the builder's
// identity (pool's: its pid and when that process started). Another build waits until the file is gone. A lock
// whose process is gone (a build killed with SIGKILL) is stale, and the next build takes it over: a killed build
// costs time, never a stuck site.
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessAlive, ownIdentity, type ProcessIdentity } from '@drove/pool/process-identity';
import { BlogEngineError } from '../errors.js';

/** Who holds a lock. */
export interface LockHolder {
  pid: number;
  /** When the holding build took the lock (ISO). */
  since: string;
}

/** How often a waiting build looks at the lock again. */
const POLL_MS = 50;

/**
 * How long a lock that is not whole (no line, or no pid) may be one being written: where the file system has
 * no hard links the lock is created first and written after. Past this it was left so by a build that died
 * then, and is stale. More than FAT's two-second modification times.
 */
const UNFINISHED_MS = 5000;

interface LockText {
  text: string;
  /** Undefined while the lock is not whole. */
  holder: ProcessIdentity | undefined;
  since: string;
  modifiedMs: number;
}

function readLock(path: string): LockText | undefined {
  let text: string;
  let modifiedMs: number;
  try {
    modifiedMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const [pid, start, since] = text.trim().split(' ');
  const whole = text.endsWith('\n') && /^\d+$/.test(pid ?? '');
  return { text, holder: whole ? { pid: Number(pid), start: start ?? '0' } : undefined, since: since ?? '', modifiedMs };
}

/**
 * Moves a stale lock aside. Should another build have replaced it between our read and the move, its live
 * lock is put back (unless a third took the path meanwhile) and this build goes on waiting.
 */
function removeStale(path: string, stale: string): void {
  const aside = `${path}.${randomUUID()}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') !== stale) linkSync(aside, path);
  } catch {
    // Put back by nobody: the path is another build's now.
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Creates `path` holding `text`, failing with EEXIST when it exists. Written whole, then linked into place, so
 * the lock is never seen half-written (an empty one would look stale); where the file system has no hard links
 * (FAT, exFAT), created exclusively and then written.
 */
function createWhole(path: string, text: string): void {
  const draft = `${path}.${randomUUID()}.new`;
  writeFileSync(draft, text, { mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    writeFileSync(path, text, { flag: 'wx', mode: 0o600 });
  } finally {
    unlinkSync(draft);
  }
}

/**
 * Takes the lock at `path`, waiting while a live build holds it (`onWait` is told who, once). Resolves with
 * the function that releases it. An aborted `signal` ends the wait with `ERR_BLOG_ABORTED`.
 *
 * @throws {BlogEngineError} `ERR_BLOG_IO` when the lock file cannot be made or read; `ERR_BLOG_ABORTED`.
 */
export async function lockBuild(path: string, options: { signal?: AbortSignal | undefined; onWait?: ((holder: LockHolder) => void) | undefined } = {}): Promise<() => void> {
  const { pid, start } = ownIdentity();
  const text = `${pid} ${start} ${new Date().toISOString()} ${randomUUID()}\n`;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new BlogEngineError('ERR_BLOG_IO', `could not make the folder of the build lock ${path}: ${(error as Error).message}`, { cause: error });
  }
  let told = false;
  for (;;) {
    try {
      createWhole(path, text);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === text) unlinkSync(path);
        } catch {
          // Gone already: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new BlogEngineError('ERR_BLOG_IO', `could not take the build lock ${path}: ${(error as Error).message}`, { cause: error });
      }
    }
    let held: LockText | undefined;
    try {
      held = readLock(path);
    } catch (error) {
      throw new BlogEngineError('ERR_BLOG_IO', `could not read the build lock ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (held === undefined) continue;
    if (held.holder ? !isProcessAlive(held.holder) : Date.now() - held.modifiedMs > UNFINISHED_MS) {
      removeStale(path, held.text);
      continue;
    }
    if (held.holder && !told) {
      told = true;
      options.onWait?.({ pid: held.holder.pid, since: held.since });
    }
    try {
      await delay(POLL_MS, undefined, { signal: options.signal });
    } catch (error) {
      throw new BlogEngineError('ERR_BLOG_ABORTED', 'The build was aborted while it waited for another build of this site', { cause: options.signal?.reason ?? error });
    }
  }
}
