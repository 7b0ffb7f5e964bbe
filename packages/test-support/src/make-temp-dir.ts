import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Module state: vitest isolates test files (its default `isolate: true`), so each file sees only the folders it made.
const made: string[] = [];

/**
 * A fresh folder under the OS temp dir, named `prefix` and six random characters,
 * removed by the next {@link removeTempDirs}.
 *
 * @example
 * import { makeTempDir, removeTempDirs } from '@drove/test-support';
 * afterAll(removeTempDirs);
 * const dir = makeTempDir('drove-pool-');
 */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder {@link makeTempDir} made since the last call, whatever is in it. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
