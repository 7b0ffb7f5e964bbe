import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { generateSite } from '@drove/blog-engine';
import { parseSimpleYaml } from '../src/internal/front-matter.js';
import { tempDir } from './helpers.js';

/** What the YAML parser makes of front matter: the reference the fast path must equal. */
function viaParser(text: string): { data: unknown; keyLines: Record<string, number> } | 'error' {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) return 'error';
  const keyLines: Record<string, number> = {};
  if (isMap(document.contents)) {
    for (const item of document.contents.items) {
      if (isScalar(item.key) && item.key.range) keyLines[String(item.key.value)] = lineCounter.linePos(item.key.range[0]).line + 1;
    }
  }
  return { data: document.toJS({ maxAliasCount: 100 }), keyLines };
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** Checks that every post under `dir` the fast path reads, it reads as the parser does; returns how many it read. */
function agreeingFastReads(dir: string): number {
  let fast = 0;
  for (const file of files(dir)) {
    const yamlText = /^---\n([\s\S]*?\n)---\n/.exec(readFileSync(file, 'utf8'))![1]!;
    const simple = parseSimpleYaml(yamlText);
    if (simple === undefined) continue;
    fast++;
    expect({ file, ...simple }).toEqual({ file, ...(viaParser(yamlText) as object) });
  }
  return fast;
}

describe('front matter without the YAML parser', () => {
  it('reads exactly what the YAML parser reads, or declines', () => {
    const cases = [
      'title: yes\n', 'title: No\n', 'title: null\n', 'title: ~\n', 'title: 12\n', 'title: 1.5\n', 'title: .inf\n', 'title: a # c\n', 'title: a: b\n',
      'title: "a\\"b"\n', "title: 'a'\n", 'tags: [a, b]\n', 'tags: [a, true]\n', 'tags: [a, 1]\n', 'tags: [a,b ,c]\n', 'tags: []\n', 'a: 2024-03-01 10:30\n',
      'a: 2024-03-01\n', 'a: 2024-3-1\n', 'a: x\na: y\n', 'a: Hello, workers\n', 'a: Hello (x)\n', 'a: -x\n', 'a: x.\n', 'a: x \n', 'a:  x\n', 'a:\n',
      'a: true\n', 'a: True\n', 'a: on\n', 'a: "x # y"\n', 'a: ""\n', 'a: "é ü"\n', 'a: Ünïcode\n', 'a: x,y\n', 'a: x, y\n', 'a: 0x1\n', 'a: e\n', 'a: E1\n',
      'a: x\r\n', 'a: b\nc: "d"\ne: [f, g-h]\ndraft: false\n', '  a: b\n', 'a: b # c\n', '- a\n', '',
      // Block lists and ISO timestamps, as real blogs write them.
      'tags:\n  - node\n  - worker threads\n', 'tags:\n- a\n- b\n', 'tags:\n  - a\n    - b\n', 'tags:\n  - a\n - b\n', 'tags:\n  - yes\n', 'tags:\n  - 12\n',
      'tags:\n  - "quoted, item"\n', 'tags:\n  - a: b\n', 'tags:\n  -  a\n', 'tags:\n  - a # c\n', 'tags:\n  - a\ntitle: x\n', 'tags:\n  -\n', 'tags:\n\n  - a\n',
      'tags:\n  - a\n  - a\n', 'a: 2025-08-07T00:26:37Z\n', 'a: 2025-08-07T00:26:37.123Z\n', 'a: 2025-08-07T00:26:37+02:00\n', 'a: 2025-08-07 00:26:37 +02:00\n',
      'a: 2025-08-07t00:26:37z\n', 'title: "Why it missed — notes on X, Y & Z (part 3)"\ndate: 2021-03-04T10:20:30Z\ntags:\n  - perf\ncategories:\n  - Engineering Notes\n',
    ];
    let fast = 0;
    for (const text of cases) {
      const simple = parseSimpleYaml(text);
      if (simple === undefined) continue;
      fast++;
      expect({ text, ...simple }).toEqual({ text, ...(viaParser(text) as object) });
    }
    expect(fast).toBeGreaterThan(25);
  });

  it("reads every post of the benchmark's real-blog-shaped corpus as the YAML parser does", async () => {
    const dir = tempDir();
    const { makeTraitsCorpus } = (await import(pathToFileURL(join(fileURLToPath(new URL('..', import.meta.url)), 'bench/lib/traits-corpus.mjs')).href)) as {
      makeTraitsCorpus: (out: string, posts: number, seed: number) => unknown;
    };
    makeTraitsCorpus(dir, 400, 7);
    expect(agreeingFastReads(join(dir, 'posts'))).toBeGreaterThan(350);
  });

  it('reads every generated post as the YAML parser does', async () => {
    const dir = tempDir();
    await generateSite({ out: dir, posts: 400, seed: 3 });
    expect(agreeingFastReads(join(dir, 'posts'))).toBeGreaterThan(350);
  });
});
