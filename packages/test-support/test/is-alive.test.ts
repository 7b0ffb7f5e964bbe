import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, pidExists, waitFor, waitForThreadsGone } from '@drove/test-support';

const idle = new URL('./fixtures/idle.mjs', import.meta.url);
const started: ChildProcess[] = [];
/** Processes a test started that are not its own children. */
const strays: number[] = [];

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  for (const pid of strays.splice(0)) if (pidExists(pid)) process.kill(pid, 'SIGKILL');
});

/** Starts the idle fixture and resolves once it runs. */
async function startIdle(): Promise<number> {
  const child = spawn(process.execPath, [fileURLToPath(idle)], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  await once(child.stdout, 'data');
  return child.pid!;
}

/** The command a process runs now, as /proc names it (empty once it is gone). */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * A zombie: `sh` starts `sleep` in the background, prints its pid, then becomes
 * `sleep` itself, which never reaps a child. Only then is the background child
 * killed (had it ended earlier, `sh` could have reaped it before becoming `sleep`).
 * Resolves with the zombie's pid.
 */
async function startZombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 600 & echo $!; exec sleep 600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(parent);
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const pid = Number(line.toString().trim());
  strays.push(pid);
  if (!(await waitFor(() => commandOf(parent.pid!) === 'sleep'))) throw new Error('sh never became sleep');
  process.kill(pid, 'SIGKILL');
  if (!(await waitFor(() => !isAlive(pid)))) throw new Error(`process ${pid} never exited`);
  return pid;
}

describe('isAlive', () => {
  it('is true while a process runs, and false once it is killed', async () => {
    const pid = await startIdle();
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    waitForThreadsGone(pid);
    expect(isAlive(pid)).toBe(false);
  });

  it('counts a process that exited but is not reaped as gone, where pidExists still finds it', async () => {
    const zombie = await startZombie();
    expect(isAlive(zombie)).toBe(false);
    expect(pidExists(zombie)).toBe(true);
  });

  it('is false for a pid no process has', () => {
    // Above the kernel's largest pid (pid_max is at most 2^22).
    expect(isAlive(2 ** 22 + 1)).toBe(false);
  });
});

describe('waitForThreadsGone', () => {
  it('throws, naming the process, when a thread still runs at the deadline', async () => {
    const pid = await startIdle();
    expect(() => waitForThreadsGone(pid, 0)).toThrow(`process ${pid} still runs after 0 ms`);
  });
});
