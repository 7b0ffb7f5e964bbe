import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { makeTempDir, removeTempDirs } from '@drove/test-support';

export const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = promisify(execFile);

afterAll(removeTempDirs);

/** A temporary folder removed after the test file. */
export function tempDir(prefix = 'drove-blog-'): string {
  return makeTempDir(prefix);
}

/** Writes a site from a map of relative paths to contents; a config is added unless given or already there. */
export function writeSite(files: Record<string, string>, dir = tempDir()): string {
  const all: Record<string, string> = {
    ...(existsSync(join(dir, 'site.config.json')) ? {} : { 'site.config.json': JSON.stringify({ title: 'Test Site', baseUrl: 'https://example.com/' }) }),
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A post's text from front-matter lines and a body. */
export function post(frontMatter: Record<string, string>, body = 'Some text.\n'): string {
  return `---\n${Object.entries(frontMatter).map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\n${body}`;
}

/** Every file under a folder, relative path → SHA-1 of its bytes (the staging folder excluded). */
export function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(relative(dir, full), createHash('sha1').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(dir);
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Every folder under a folder (to see that removals leave no empty folders behind). */
export function folders(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      found.push(relative(dir, join(folder, entry.name)));
      walk(join(folder, entry.name));
    }
  };
  walk(dir);
  return found.sort();
}

/** Modification times of every file, to prove a build wrote nothing. */
export function mtimes(dir: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const path of tree(dir).keys()) times.set(path, statSync(join(dir, path)).mtimeMs);
  return times;
}

export function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), 'utf8');
}

/** Runs the CLI; resolves with its exit code and output whatever the code. */
export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string; signal?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: `${failed.stderr ?? ''}${failed.signal ? `\n[signal ${failed.signal}]` : ''}` };
  }
}

/** Spawns the CLI and resolves with how it ended (an exit code or a signal). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ReturnType<typeof spawn>; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, ended };
}
