// findExecutable: Debian's path, then PATH; a set variable is the only candidate; the error names the package and the variable.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../src/find-executable.js';
import { makeTempDir, removeTempDirs } from '../src/index.js';

const spec = { name: 'drove-no-such-tool', path: '/nowhere/drove-no-such-tool', env: 'DROVE_TEST_TOOL_PATH', debianPackage: 'drove-tool' };
const savedPath = process.env.PATH;

afterEach(() => {
  delete process.env.DROVE_TEST_TOOL_PATH;
  process.env.PATH = savedPath;
});
afterAll(removeTempDirs);

describe('findExecutable', () => {
  it('finds the command on PATH when it is not where Debian puts it', () => {
    const dir = makeTempDir('drove-find-');
    const tool = join(dir, spec.name);
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o755);
    process.env.PATH = `${dir}:${savedPath ?? ''}`;
    expect(findExecutable(spec)).toBe(tool);
  });

  it('takes only the binary the variable names, and refuses one that is not executable, naming the package and the variable', () => {
    process.env.DROVE_TEST_TOOL_PATH = process.execPath;
    expect(findExecutable(spec)).toBe(process.execPath);
    const dir = makeTempDir('drove-find-');
    const plain = join(dir, 'plain');
    writeFileSync(plain, '');
    process.env.DROVE_TEST_TOOL_PATH = plain;
    expect(() => findExecutable(spec)).toThrow(`No drove-no-such-tool binary (looked at ${plain}): install Debian's drove-tool (\`sudo apt-get install -y drove-tool\``);
    expect(() => findExecutable(spec)).toThrow(/or set DROVE_TEST_TOOL_PATH$/);
  });
});
