import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '@drove/test-support';
import { ManifestWriter } from '../src/internal/manifest-writer.js';
import type { ManifestEntry } from '../src/manifest.js';
import { tempDir } from './helpers.js';

afterAll(removeTempDirs);

const hash = (n: number) => n.toString(16).padStart(64, '0');

function entry(n: number, files: number, name = `page-${n}`): ManifestEntry {
  return {
    path: `/${name}`,
    files: Array.from({ length: files }, (_, i) => ({ file: `${name}/${i}.html`, bytes: n * 10 + i, hash: hash(n + i) })),
    bytes: files * n,
    hash: hash(n),
  };
}

function write(dir: string, entries: ManifestEntry[]): string[] {
  const writer = new ManifestWriter(join(dir, 'm.jsonl'), join(dir, 'm.jsonl.journal'));
  for (const { path, files, bytes, hash: pathHash } of entries) writer.add(path, files, bytes, pathHash);
  writer.close();
  renameSync(writer.journal, writer.file);
  return readFileSync(join(dir, 'm.jsonl'), 'utf8').split('\n');
}

describe('ManifestWriter', () => {
  it('writes each entry as the line JSON.stringify gives it, in order, across many buffer flushes', () => {
    const entries = Array.from({ length: 5000 }, (_, n) => entry(n, n % 4));
    const lines = write(tempDir(), entries);
    expect(lines.pop()).toBe('');
    expect(lines).toEqual(entries.map((each) => JSON.stringify(each)));
  });

  it('escapes what JSON escapes and counts multi-byte characters in bytes, not characters', () => {
    const odd = [entry(1, 1, 'naïve "quoted" \\ back'), entry(2, 2, 'über/日本語/emoji-😀'), entry(3, 0, 'tab\tand\nnewline')];
    // Enough two- and four-byte characters to cross the 64 KiB buffer mid-line more than once.
    const entries = Array.from({ length: 3000 }, (_, n) => odd[n % 3]!);
    const target = tempDir();
    write(target, entries);
    expect(readFileSync(join(target, 'm.jsonl'), 'utf8')).toBe(entries.map((each) => `${JSON.stringify(each)}\n`).join(''));
  });

  it('writes a line longer than its buffer whole, between its neighbours', () => {
    const long = entry(9, 2000, 'long');
    expect(JSON.stringify(long).length).toBeGreaterThan(64 * 1024);
    const entries = [entry(1, 1), long, entry(2, 1)];
    const lines = write(tempDir(), entries);
    expect(lines.slice(0, 3).map((line) => JSON.parse(line) as unknown)).toEqual(entries);
  });

  it('appends what it has on flush, and leaves no file behind when discarded, and the previous manifest as it was', () => {
    const target = tempDir();
    write(target, [entry(1, 1)]);
    const writer = new ManifestWriter(join(target, 'm.jsonl'), join(target, 'm.jsonl.journal'));
    writer.add('/other', [], 0, hash(5));
    writer.flush();
    expect(readFileSync(writer.journal, 'utf8')).toBe(`${JSON.stringify({ path: '/other', files: [], bytes: 0, hash: hash(5) })}\n`);
    writer.discard();
    expect(readdirSync(target)).toEqual(['m.jsonl']);
    expect(readFileSync(join(target, 'm.jsonl'), 'utf8')).toBe(`${JSON.stringify(entry(1, 1))}\n`);
  });
});
