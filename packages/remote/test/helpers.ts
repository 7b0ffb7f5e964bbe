// Hosts for the tests: real drove-worker processes on this machine, each with its own local pool.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isAlive, waitFor } from '@drove/test-support';

export const bin = fileURLToPath(new URL('../bin/drove-worker.js', import.meta.url));
export const fixture = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));

export interface Host {
  child: ChildProcess;
  pid: number;
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
}

const started: Host[] = [];

/** Starts `drove-worker` on `queue` and resolves once it says it is ready. */
export async function startHost(url: string, queue: string, args: string[] = []): Promise<Host> {
  const child = spawn(process.execPath, [bin, '--connection', url, '--queue', queue, '--threads', '2', ...args, fixture], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout?.resume();
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let gone = false;
  void exited.then(() => (gone = true));
  const host: Host = { child, pid: child.pid ?? 0, stderr: () => stderr, exited };
  started.push(host);
  if (!(await waitFor(() => gone || stderr.includes('drove-worker: ready'), { deadlineMs: 20_000 })) || gone) {
    throw new Error(`drove-worker did not get ready:\n${stderr}`);
  }
  return host;
}

/** Kills every host a test file started that still runs. */
export async function killHosts(): Promise<void> {
  for (const host of started.splice(0)) {
    if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL');
    await host.exited;
    await waitFor(() => !isAlive(host.pid), { deadlineMs: 5000 });
  }
}

/** The marks the fixture's `work` handler wrote: `start k pid`, `done k pid`, `aborted k pid`. */
export function marks(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '));
  } catch {
    return [];
  }
}
