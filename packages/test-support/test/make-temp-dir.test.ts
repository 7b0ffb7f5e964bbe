import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '@drove/test-support';

afterAll(removeTempDirs);

describe('makeTempDir and removeTempDirs', () => {
  it('makes distinct folders under the OS temp dir, and removes them with their contents', () => {
    const first = makeTempDir('drove-test-support-');
    const second = makeTempDir('drove-test-support-');
    expect(first).not.toBe(second);
    for (const dir of [first, second]) {
      expect(dirname(dir)).toBe(tmpdir());
      expect(basename(dir)).toMatch(/^drove-test-support-.{6}$/);
    }
    mkdirSync(join(first, 'nested'));
    writeFileSync(join(first, 'nested', 'file.txt'), 'x');
    removeTempDirs();
    expect(existsSync(first)).toBe(false);
    expect(existsSync(second)).toBe(false);
  });

  it('forgets what it removed: a folder made again at that path later is not its to remove', () => {
    const earlier = makeTempDir('drove-test-support-');
    removeTempDirs();
    mkdirSync(earlier);
    try {
      removeTempDirs();
      expect(existsSync(earlier)).toBe(true);
    } finally {
      rmSync(earlier, { recursive: true, force: true });
    }
  });
});
