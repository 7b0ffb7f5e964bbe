/**
 * The docs test: every README program runs as a user would run it. The
 * publishable packages are packed (`npm pack`) and their tarballs installed
 * into an empty project; each README's program blocks are written there and
 * its entry programs run with node; shell blocks that call the packages' CLIs
 * on files the README shows run too; every program block is type-checked as
 * `.mts` (`module: nodenext`, `strict`) against the installed packages; and
 * the root README's commands are checked to exist.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleServices, type ExampleServices } from './example-services.js';
import { entryPrograms, readBlocks, shellCommands, showsOutput, type Block } from './readme-blocks.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackageJson {
  name: string;
  private?: boolean;
  scripts?: Record<string, string>;
  bin?: Record<string, string> | string;
  files?: string[];
}

const readJson = (path: string): PackageJson => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, path: join(root, 'packages', dir) }))
  .filter(({ path }) => existsSync(join(path, 'package.json')))
  .map((entry) => ({ ...entry, json: readJson(join(entry.path, 'package.json')) }));
const publishable = packages.filter(({ json }) => json.private !== true);
const bins = new Set(publishable.flatMap(({ json }) => (typeof json.bin === 'object' ? Object.keys(json.bin) : [])));

let work = '';
let project = '';
let services: ExampleServices | undefined;

beforeAll(async () => {
  services = await startExampleServices();
  work = mkdtempSync(join(tmpdir(), 'drove-docs-'));
  project = join(work, 'project');
  mkdirSync(project);
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const packed = await run(
    npm,
    ['pack', '--json', '--pack-destination', tarballs, ...publishable.flatMap(({ json }) => ['-w', json.name])],
    { cwd: root, maxBuffer: 64 * 2 ** 20 },
  );
  const files = (JSON.parse(packed.stdout) as { filename: string }[]).map(({ filename }) => join(tarballs, filename.replace(/^@/, '').replace('/', '-')));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-programs', private: true, type: 'module' }, null, 2));
  // As a user would: the tarballs from the registry's point of view, their dependencies from the cache.
  await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...files], { cwd: project, maxBuffer: 64 * 2 ** 20 });
});

afterAll(async () => {
  await services?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Still running after `serveAfterMs`, then stopped with SIGINT: a server, as `serve` is. */
  stoppedAsServer: boolean;
}

/** Runs a program; one still running after `serveAfterMs` counts as a server and is stopped with SIGINT. */
function runProgram(command: string, args: string[], cwd: string, { serveAfterMs = 0, timeoutMs = 90_000 } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...services?.env, PATH: `${join(project, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let stoppedAsServer = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const serving = serveAfterMs > 0 ? setTimeout(() => ((stoppedAsServer = true), child.kill('SIGINT')), serveAfterMs) : undefined;
    const limit = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(serving);
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, stoppedAsServer });
    });
  });
}

function writeBlock(dir: string, block: Block): void {
  if (block.file === undefined) return;
  const target = join(dir, block.file);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, block.text);
}

const describeOutcome = (what: string, outcome: Outcome): string =>
  `${what} exited ${outcome.code ?? outcome.signal}\n--- stdout\n${outcome.stdout}\n--- stderr\n${outcome.stderr}`;

describe.each(publishable.map(({ dir, path, json }) => ({ dir, path, json })))('$json.name README', ({ dir, path, json }) => {
  const readme = join(path, 'README.md');
  const blocks = readBlocks(readme);
  const programs = blocks.filter((block) => block.kind === 'program');
  const folder = () => join(project, 'readmes', dir);

  it('marks every JavaScript/TypeScript block as a program (naming its file) or a fragment', () => {
    const unmarked = blocks.filter((block) => block.kind === 'unmarked').map((block) => `README.md:${block.line}`);
    expect(unmarked, 'a js/ts block must start with `// <file> — …` or `// fragment`').toEqual([]);
  });

  it('shows the examples it says it is, word for word', () => {
    // "This is [`examples/quick-start.mjs`](…) (with [`examples/worker.mjs`](…))": those blocks are those files.
    const claims = [...readFileSync(readme, 'utf8').matchAll(/This is \[`examples\/[^\n]*?(?:\.\s|\n)/g)].flatMap((sentence) =>
      [...sentence[0].matchAll(/\[`examples\/([^`]+)`\]/g)].map((link) => (link[1] ?? '').replace(/\/$/, '')),
    );
    for (const block of programs) {
      const file = block.file ?? '';
      if (!claims.some((claim) => file === claim || file.startsWith(`${claim}/`))) continue;
      expect(block.text, `README.md:${block.line} and examples/${file} differ`).toBe(readFileSync(join(path, 'examples', file), 'utf8'));
    }
  });

  it('links only to files the package ships', () => {
    const shipped = (json.files ?? []).concat(['README.md', 'package.json', 'LICENSE']);
    const links = [...readFileSync(readme, 'utf8').matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)].map((match) => match[1] ?? '');
    const dead = links.filter((link) => !shipped.some((entry) => link === entry || link.startsWith(`${entry.replace(/\/$/, '')}/`)));
    expect(dead, 'relative links an npm user cannot follow').toEqual([]);
  });

  it('runs its programs from the installed tarballs', async () => {
    mkdirSync(folder(), { recursive: true });
    for (const block of blocks) writeBlock(folder(), block);
    for (const entry of entryPrograms(blocks)) {
      const outcome = await runProgram(process.execPath, [entry.file ?? ''], folder());
      const what = `README.md:${entry.line} (${entry.file})`;
      expect(outcome.code, describeOutcome(what, outcome)).toBe(0);
      expect(outcome.stderr, describeOutcome(what, outcome)).toBe('');
      for (const shown of blocks.filter((block) => block.kind === 'output' && block.outputOf === entry.file)) {
        const missing = showsOutput(outcome.stdout, shown.text);
        expect(missing, `README.md:${shown.line}: ${entry.file} never printed this line\n--- stdout\n${outcome.stdout}`).toBeUndefined();
      }
    }
  });

  it('runs its shell blocks that call the CLIs, on the files it shows', async () => {
    mkdirSync(folder(), { recursive: true });
    for (const block of blocks) writeBlock(folder(), block);
    const notRun: string[] = [];
    const ran: string[] = [];
    let index = 0;
    for (const block of blocks.filter((b) => b.kind === 'shell')) {
      const commands = shellCommands(block.text);
      const steps: { words: string[]; cli: string; args: string[] }[] = [];
      let runnable = true;
      for (const words of commands) {
        const [first, ...rest] = words[0] === 'npx' ? words.slice(1) : words;
        if (first === 'npm' && rest[0] === 'install') {
          const names = rest.slice(1).filter((word) => !word.startsWith('-'));
          expect(publishable.map((p) => p.json.name), `README.md:${block.line}`).toEqual(expect.arrayContaining(names));
        } else if (first !== undefined && (first === 'cd' || bins.has(first))) {
          steps.push({ words, cli: first, args: rest });
        } else {
          notRun.push(`README.md:${block.line}: ${words.join(' ')} (not a command of the packages)`);
          runnable = false;
        }
      }
      if (!runnable || steps.length === 0) continue;
      // A command's file arguments must be files the README shows: otherwise the block is not run.
      const files = steps.flatMap(({ cli, args }) => (cli === 'cd' ? [] : args.filter((arg) => !arg.startsWith('-') && /\.\w+$/.test(arg))));
      const missing = files.filter((file) => !existsSync(join(folder(), file)));
      if (missing.length > 0) {
        notRun.push(`README.md:${block.line}: ${steps.map((step) => step.words.join(' ')).join('; ')} (the README does not show ${missing.join(', ')})`);
        continue;
      }
      // A block that names files runs beside them; one that names none (`init`, `new`) in an empty folder.
      let cwd = files.length > 0 ? folder() : join(project, 'shell', `${dir}-${++index}`);
      mkdirSync(cwd, { recursive: true });
      for (const { words, cli, args } of steps) {
        if (cli === 'cd') {
          cwd = join(cwd, args[0] ?? '.');
          continue;
        }
        const outcome = await runProgram(join(project, 'node_modules', '.bin', cli), args, cwd, { serveAfterMs: 15_000 });
        const what = `README.md:${block.line} (${words.join(' ')})`;
        // A command still running after 15 s is a server (`serve`, `drove-supervise`): it was stopped with SIGINT.
        if (!outcome.stoppedAsServer) expect(outcome.code, describeOutcome(what, outcome)).toBe(0);
        ran.push(`README.md:${block.line}: ${words.join(' ')}${outcome.stoppedAsServer ? ' (serving after 15 s: stopped with SIGINT)' : ''}`);
      }
    }
    if (ran.length > 0) console.log(`${json.name}: shell commands run:\n  ${ran.join('\n  ')}`);
    if (notRun.length > 0) console.log(`${json.name}: shell commands not run:\n  ${notRun.join('\n  ')}`);
  });
});

describe('README programs', () => {
  it('type-check as .mts under module nodenext, strict, against the installed packages', async () => {
    const checked = join(project, 'typecheck');
    let count = 0;
    for (const { dir, path } of publishable) {
      for (const block of readBlocks(join(path, 'README.md'))) {
        if (block.kind !== 'program' || block.file === undefined || !/\.m?[jt]s$/.test(block.file)) continue;
        const target = join(checked, dir, block.file.replace(/\.m?[jt]s$/, '.mts'));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, block.text);
        count++;
      }
    }
    expect(count).toBeGreaterThan(0);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        include: ['typecheck/**/*.mts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const outcome = await runProgram(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
    // The .mts copies sit in typecheck/<package>/ under the README block's own file name.
    expect(outcome.stdout + outcome.stderr, 'README programs that do not type-check').toBe('');
    expect(outcome.code).toBe(0);
  });
});

describe('the root README', () => {
  const rootJson = readJson(join(root, 'package.json'));
  const byName = new Map(packages.map((p) => [p.json.name, p.json]));
  const commands = readBlocks(join(root, 'README.md'))
    .filter((block) => block.kind === 'shell')
    .flatMap((block) => shellCommands(block.text).map((words) => ({ line: block.line, words })));

  it.each(commands.map(({ line, words }) => ({ line, command: words.join(' '), words })))('README.md:$line $command', ({ words }) => {
    const [first, second, third, ...rest] = words;
    if (first === 'npm' && (second === 'ci' || second === 'install')) return;
    if (first === 'npm' && (second === 'test' || second === 'run')) {
      const script = second === 'test' ? 'test' : (third ?? '');
      const workspace = second === 'run' ? rest[rest.indexOf('-w') + 1] : undefined;
      const scripts = (rest.includes('-w') ? byName.get(workspace ?? '')?.scripts : rootJson.scripts) ?? {};
      expect(Object.keys(scripts), `no \`${script}\` script in ${workspace ?? 'the root package.json'}`).toContain(script);
      return;
    }
    if (first === 'npx' && second === 'nx' && third === 'run') {
      const [project_ = '', target = ''] = (rest[0] ?? '').split(':');
      const scripts = (byName.get(project_) ?? byName.get(`@drove/${project_}`))?.scripts ?? {};
      expect(Object.keys(scripts), `nx project ${project_} has no \`${target}\` target`).toContain(target);
      return;
    }
    if (first === 'npx' && second !== undefined) {
      expect(existsSync(join(root, 'node_modules', '.bin', second)), `npx ${second}: no such binary in the workspace`).toBe(true);
      return;
    }
    expect.fail(`the docs test does not know how to check \`${words.join(' ')}\``);
  });
});
