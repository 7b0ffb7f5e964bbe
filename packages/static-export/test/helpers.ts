import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '@drove/test-support';

/** A fixture of test/fixtures as a file: URL. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}`, import.meta.url);
}

/** A fixture's path on disk. */
export function fixturePath(name: string): string {
  return fileURLToPath(fixture(name));
}

/** A fresh directory under the OS temp dir, removed by `removeTempDirs` from @drove/test-support. */
export function tempDir(prefix = 'drove-export-'): string {
  return makeTempDir(prefix);
}

/** Every file under `dir` (relative, `/` separators, dotfiles included, symbolic links left out), sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.isSymbolicLink()) out.push(relative(dir, full).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Every file under `dir` with the SHA-256 of its content: two trees are byte-identical when these are equal. */
export function treeOf(dir: string, { manifest = true }: { manifest?: boolean } = {}): Record<string, string> {
  const tree: Record<string, string> = {};
  for (const file of filesUnder(dir)) {
    if (!manifest && file.startsWith('.drove-manifest')) continue;
    tree[file] = createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');
  }
  return tree;
}

/** Temporary files and journals an export may have left behind. */
export function leftovers(dir: string): string[] {
  return filesUnder(dir).filter((file) => file.endsWith('.drove-tmp') || file.endsWith('.drove-journal'));
}

/** `count` paths of a small site, deterministic. */
export function* sitePaths(count: number): Generator<string> {
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) yield `/feeds/feed-${i}.xml`;
    else if (i % 7 === 0) yield `/blog/${i}/with-assets`;
    else yield `/docs/section-${i % 5}/page-${i}`;
  }
}
