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
  it('prints its usage with --help, and exits 2 on bad usage', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: drove-export --renderer');
    const bad = await run(['--renderer', 'x.mjs', '--paths', 'p.txt']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--out is required');
    const badShard = await run(['-r', 'x.mjs', '-p', 'p.txt', '-o', 'out', '--shard', '9/4']);
    expect(badShard.code).toBe(2);
    expect(badShard.stderr).toContain('Expected `shard` to be `index/count`');
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

  it('exits 1 with the setup error and its stack when setup fails', async () => {
    const result = await run(['-r', fixturePath('setup-fails.mjs'), '-p', pathsFile(['/']), '-o', tempDir(), '-w', '1', '--options', '{"config":"site.json"}']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERR_EXPORT_SETUP_FAILED');
    expect(result.stderr).toContain('caused by: Error: config not found: site.json');
    expect(result.stderr).toContain('setup-fails.mjs');
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
