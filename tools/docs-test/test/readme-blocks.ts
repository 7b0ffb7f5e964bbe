/**
 * Reads the fenced code blocks of a README and says what each one is:
 *
 * - a **program** (a `js`/`ts` block whose first line is a comment naming its
 *   file, `// worker.mjs — …`): written to that file, run when no other block
 *   names it (the README's entry programs), and type-checked;
 * - a **fragment** (`// fragment…` as its first line): shown, never run;
 * - a **file** (any block whose info string has `file=<path>`, for files that
 *   cannot hold a comment: `paths.txt`, a post with front matter);
 * - **output** (`output` or `output=<file>` in the info string): what the
 *   program before it (or the one named) prints; `…` in a line stands for any text;
 * - **shell** (`sh`, `bash`, `shell`): commands, checked by the docs test;
 * - anything else is text (a usage synopsis, a directory tree, a YAML key list).
 */
import { readFileSync } from 'node:fs';

export type BlockKind = 'program' | 'fragment' | 'file' | 'output' | 'shell' | 'text' | 'unmarked';

export interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  meta: Map<string, string>;
  kind: BlockKind;
  /** The file a program or file block is written to (relative to the README's folder). */
  file: string | undefined;
  /** For output blocks: the program whose output it shows. */
  outputOf: string | undefined;
  text: string;
}

const programLangs = new Set(['js', 'javascript', 'mjs', 'ts', 'typescript', 'mts']);
const shellLangs = new Set(['sh', 'bash', 'shell', 'console']);
const namedFile = /^\/\/\s*((?:\.\/)?[\w@][\w@.\-/]*\.(?:mjs|cjs|js|mts|cts|ts|json))(?:\s|$)/;
const fragmentMark = /^\/\/\s*fragment\b/i;

/** Parses the fenced blocks of a Markdown file. */
export function readBlocks(readmePath: string): Block[] {
  const lines = readFileSync(readmePath, 'utf8').split('\n');
  const blocks: Block[] = [];
  let lastProgram: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = open[1] ?? '```';
    const [lang = '', ...rest] = (open[2] ?? '').trim().split(/\s+/);
    const meta = new Map(rest.filter(Boolean).map((word) => {
      const at = word.indexOf('=');
      return at < 0 ? [word, ''] : [word.slice(0, at), word.slice(at + 1).replace(/^"(.*)"$/, '$1')];
    }));
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? '').startsWith(fence)) body.push(lines[j++] ?? '');
    const text = body.join('\n') + '\n';
    const first = (body[0] ?? '').trim();
    let kind: BlockKind;
    let file: string | undefined;
    let outputOf: string | undefined;
    if (meta.has('file')) {
      kind = 'file';
      file = meta.get('file');
    } else if (meta.has('output')) {
      kind = 'output';
      outputOf = meta.get('output') || lastProgram;
    } else if (programLangs.has(lang)) {
      const named = namedFile.exec(first);
      if (named?.[1]) {
        kind = 'program';
        file = named[1].replace(/^\.\//, '');
        lastProgram = file;
      } else {
        kind = fragmentMark.test(first) ? 'fragment' : 'unmarked';
      }
    } else {
      kind = shellLangs.has(lang) ? 'shell' : 'text';
    }
    blocks.push({ line: i + 1, lang, meta, kind, file, outputOf, text });
    i = j;
  }
  return blocks;
}

/** Programs that no other program or file of the README mentions by name: the ones to run. */
export function entryPrograms(blocks: readonly Block[]): Block[] {
  const written = blocks.filter((block) => block.kind === 'program' || block.kind === 'file');
  return blocks.filter((block) => {
    if (block.kind !== 'program' || block.file === undefined) return false;
    const base = block.file.split('/').pop() ?? block.file;
    return !written.some((other) => other !== block && other.text.includes(base));
  });
}

/**
 * Whether `actual` output shows every line of `expected`, in order (other lines
 * may come between); `…` in an expected line matches any text.
 */
export function showsOutput(actual: string, expected: string): string | undefined {
  const actualLines = actual.split('\n');
  let at = 0;
  for (const want of expected.split('\n').filter((line) => line.trim() !== '')) {
    const pattern = new RegExp(
      '^' + want.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$',
    );
    while (at < actualLines.length && !pattern.test(actualLines[at] ?? '')) at++;
    if (at === actualLines.length) return want;
    at++;
  }
  return undefined;
}

/** Splits a shell block into commands: one a line, `#` comments and `$ ` prompts dropped. */
export function shellCommands(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.replace(/^\$\s+/, '').replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? ''));
}
