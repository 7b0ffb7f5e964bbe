import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.js';

/** The built CLI: runs are real processes, killed as a user's machine kills them. */
export const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Processes of the run's group still alive 10 s after it ended, killed then. */
  stragglers: number;
}

export interface CliRunOptions {
  /** Extra environment (for example `DROVE_EXPORT_CRASH_AT`). */
  env?: Record<string, string>;
  /** SIGKILL the coordinator this long after it started. */
  killAfterMs?: number;
  /** SIGKILL one render child this long after the coordinator started. */
  killChildAfterMs?: number;
}

/** A file of paths, one a line. */
export function pathsFile(paths: Iterable<string>): string {
  const file = join(tempDir(), 'paths.txt');
  writeFileSync(file, `${[...paths].join('\n')}\n`);
  return file;
}

/**
 * Runs `drove-export` in a process group of its own, and returns once every
 * process of the group is gone, so the next run never races a render child
 * that outlived a killed coordinator.
 */
export async function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  const timers: NodeJS.Timeout[] = [];
  if (options.killAfterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGKILL'), options.killAfterMs));
  if (options.killChildAfterMs !== undefined) {
    timers.push(
      setTimeout(() => {
        const [first] = groupMembers(child.pid!).filter((pid) => pid !== child.pid);
        if (first !== undefined) killQuietly(first);
      }, options.killChildAfterMs),
    );
  }
  const [code, signal] = await exited;
  timers.forEach(clearTimeout);
  let stragglers = 0;
  for (let waited = 0; groupMembers(child.pid!).length > 0; waited += 20) {
    if (waited >= 10_000) {
      stragglers = groupMembers(child.pid!).length;
      killQuietly(-child.pid!);
      await sleep(100);
      break;
    }
    await sleep(20);
  }
  return { code, signal, stdout, stderr, stragglers };
}

/** Live processes (zombies left out) whose process group is `group`. */
function groupMembers(group: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === group) members.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return members;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
