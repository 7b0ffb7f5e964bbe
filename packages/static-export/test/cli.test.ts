import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest, type ExportSummary } from '@drove/static-export';
import { pidExists, removeTempDirs, waitFor } from '@drove/test-support';
import { filesUnder, fixturePath, leftovers, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

function pathsFile(lines: string[]): string {
  const file = join(tempDir(), 'paths.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}

describe('drove-export', () => {
  it('prints its help on stdout with --help or -h, whatever else is on the line; exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['--kind', 'nope', '-h'], ['--bogus', '--help']]) {
      const help = await run(args);
      expect({ args, code: help.code, stderr: help.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(help.stdout).toContain('Usage: drove-export --renderer');
      expect(help.stdout).toContain('--verbose');
    }
  });

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('exits 2 on bad usage with one line naming the problem, then the usage', async () => {
    const usage = 'Usage: drove-export --renderer <module> --paths <file|-> --out <dir> [options]\nRun drove-export --help for the options.\n';
    const cases: [string[], string][] = [
      [['--renderer', 'x.mjs', '--paths', 'p.txt'], 'drove-export: --out is required'],
      [['-r', 'x.mjs', '-p', 'p.txt', '-o', 'out', '--shard', '9/4'], 'drove-export: Expected `shard` to be `index/count`'],
      [['-r', 'x.mjs', '-p', 'p.txt', '-o', 'out', '--frobnicate'], "drove-export: Unknown option '--frobnicate'"],
      [['-r', 'x.mjs', '-p', 'p.txt', '-o', 'out', '--workers', 'many'], 'drove-export: --workers must be auto or an integer >= 1, got many'],
    ];
    for (const [args, line] of cases) {
      const bad = await run(args);
      expect(bad.code, line).toBe(2);
      expect(bad.stdout).toBe('');
      const [first, ...rest] = bad.stderr.split('\n');
      expect(first).toContain(line);
      expect(`${rest.join('\n')}`).toBe(usage);
    }
  });

  it('names a missing renderer module or paths file in one line with the fix, no stack; exit 1', async () => {
    const dir = tempDir();
    const missingRenderer = await run(['-r', join(dir, 'render.mjs'), '-p', pathsFile(['/']), '-o', join(dir, 'out')]);
    expect(missingRenderer.code).toBe(1);
    expect(missingRenderer.stderr).toBe(`drove-export: no renderer module at ${join(dir, 'render.mjs')}; check --renderer: a path from the current folder to a module that exports render(path, ctx)\n`);
    const missingPaths = await run(['-r', fixturePath('site-renderer.mjs'), '-p', join(dir, 'paths.txt'), '-o', join(dir, 'out')]);
    expect(missingPaths.code).toBe(1);
    expect(missingPaths.stderr).toBe(`drove-export: no paths file at ${join(dir, 'paths.txt')}; check --paths: a file of paths, one a line, or - to read them from standard input\n`);
  });

  it("shows the renderer's ctx.log() warnings and errors, and its info lines with --verbose", async () => {
    const args = ['-r', fixturePath('logging-renderer.mjs'), '-p', pathsFile(['/a', '/b']), '-o', tempDir(), '-w', '1', '--kind', 'thread'];
    const plain = await run(args);
    expect(plain.code).toBe(0);
    for (const path of ['/a', '/b']) {
      expect(plain.stderr).toContain(`warn ${path}: a warning about ${path}\n`);
      expect(plain.stderr).toContain(`error ${path}: an error about ${path}\n`);
    }
    expect(plain.stderr).not.toContain('info');
    const verbose = await run([...args, '--verbose']);
    expect(verbose.stderr).toContain('info /a: info about /a\n');
    expect(verbose.stderr).toContain('warn /b: a warning about /b\n');
    // Not a terminal: plain lines, never a line redrawn in place.
    expect(verbose.stderr).not.toContain('\r');
  });

  it('exports a paths file, skipping blank lines and comments, and prints a summary; exit 0', async () => {
    const out = tempDir();
    const paths = pathsFile(['# the site', '/', '', '/about', '/blog/1/with-assets', '  /feed.xml  ']);
    const result = await run(['--renderer', fixturePath('site-renderer.mjs'), '--paths', paths, '--out', out, '--workers', '2', '--options', '{"title":"CLI"}']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ 4 paths finished: 4 rendered, 0 failed/);
    expect(result.stdout).toContain('6 files written');
    expect(result.stdout).toContain(`manifest: ${join(out, '.drove-manifest.jsonl')}`);
    expect(readFileSync(join(out, 'about/index.html'), 'utf8')).toContain('<title>CLI</title>');
  });

  it('reads paths from standard input with -, and exits 1 listing the failures', async () => {
    const out = tempDir();
    const result = await run(['-r', fixturePath('flaky-renderer.mjs'), '-p', '-', '-o', out, '--kind', 'thread', '-w', '2', '--json'], '/ok\n/throw\n/fine\n');
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as ExportSummary;
    expect(summary).toMatchObject({ rendered: 2, failed: 1, kind: 'thread', failures: [{ path: '/throw', code: 'ERR_EXPORT_RENDER_FAILED' }] });
    // Not a terminal: failures are plain lines on stderr as they happen.
    expect(result.stderr).toContain('✗ /throw: ERR_EXPORT_RENDER_FAILED Could not render /throw: no page for /throw');
  });

  it('exports one shard, incrementally', async () => {
    const out = tempDir();
    const paths = pathsFile(Array.from({ length: 40 }, (_, i) => `/p/${i}`));
    const args = ['-r', fixturePath('site-renderer.mjs'), '-p', paths, '-o', out, '--shard', '2/3', '--kind', 'inline', '--json'];
    const first = JSON.parse((await run(args)).stdout) as ExportSummary;
    expect(first.paths + first.otherShards).toBe(40);
    expect(first.shard).toEqual({ index: 2, count: 3 });
    expect(first.manifestFile).toBe(join(out, '.drove-manifest.2-of-3.jsonl'));
    const again = JSON.parse((await run([...args, '--incremental'])).stdout) as ExportSummary;
    expect(again).toMatchObject({ rendered: first.rendered, artifacts: 0, unchanged: first.rendered });
  });

  it('exits 1 with the setup error in one line, and its stack only with --verbose', async () => {
    const args = ['-r', fixturePath('setup-fails.mjs'), '-p', pathsFile(['/']), '-o', tempDir(), '-w', '1', '--options', '{"config":"site.json"}'];
    const result = await run(args);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('ERR_EXPORT_SETUP_FAILED');
    expect(result.stderr).toContain('config not found: site.json');
    expect(result.stderr).toContain('(--verbose shows the stack)');
    const verbose = await run([...args, '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toContain('caused by: Error: config not found: site.json');
    expect(verbose.stderr).toMatch(/at .*setup-fails\.mjs:\d+/);
  });

  it('on SIGINT to its process group stops dispatching, lets the children finish and stop, leaves no partial file, prints what finished and exits 130', async () => {
    const out = tempDir();
    const paths = pathsFile(Array.from({ length: 2000 }, (_, i) => `/slow/${i}`));
    // A process group of its own, signalled as a terminal's Ctrl-C signals the foreground group: children included.
    const child = spawn(process.execPath, [cli, '-r', fixturePath('slow-renderer.mjs'), '-p', paths, '-o', out, '-w', '2'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    const pageCount = () => filesUnder(out).filter((file) => file.endsWith('index.html')).length;
    const deadline = Date.now() + 30_000;
    while (pageCount() < 6 && Date.now() < deadline) await sleep(20);
    const renderChildren = childrenOf(child.pid!);
    expect(renderChildren.length).toBeGreaterThanOrEqual(2);
    process.kill(-child.pid!, 'SIGINT');
    const [code] = (await exited) as [number | null];

    expect({ code, stderr: stderr.includes('SIGINT: no new paths') }).toEqual({ code: 130, stderr: true });
    const finished = /^interrupted: (\d+) paths finished: (\d+) rendered, 0 failed/.exec(stdout);
    expect(finished, stdout).not.toBeNull();
    const rendered = Number(finished![2]);
    expect(rendered).toBeGreaterThanOrEqual(6);
    expect(rendered).toBeLessThan(2000);
    // Every page on disk is whole, none is half-written, no temporary file is left, and the manifest lists exactly them.
    const pages = filesUnder(out).filter((file) => file.endsWith('index.html'));
    expect(pages).toHaveLength(rendered);
    for (const page of pages) expect(statSync(join(out, page)).size).toBe(Buffer.byteLength(`<p>/${page.slice(0, -'/index.html'.length)}</p>`) + 256 * 1024);
    expect(leftovers(out)).toEqual([]);
    const listed: string[] = [];
    for await (const entry of readManifest(join(out, '.drove-manifest.jsonl'))) listed.push(...entry.files.map((file) => file.file));
    expect(listed.sort()).toEqual(pages);
    // The render children stopped.
    await waitFor(() => renderChildren.every((pid) => !pidExists(pid)), { deadlineMs: 10_000 });
    expect(renderChildren.filter(pidExists)).toEqual([]);
  }, 90_000);
});
