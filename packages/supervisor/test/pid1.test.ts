import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pidExists } from '@drove/test-support';
import { fixture, waitFor } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const config = fileURLToPath(fixture('fleet.config.mjs'));
const killed: number[] = [];
afterEach(() => {
  for (const pid of killed.splice(0)) if (pidExists(pid)) process.kill(pid, 'SIGKILL');
});

/** The pids of a process's children, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
}

describe('drove-supervise as PID 1', () => {
  // A PID namespace needs root (or a user namespace); the CI machine runs the tests as root.
  const root = process.getuid?.() === 0;

  it('runs its fleet in a PID namespace of its own as PID 1, says what it cannot do there, and stops on SIGTERM', async () => {
    expect(root, 'this test makes a PID namespace with unshare, which needs root').toBe(true);
    const unshare = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, cli, config], {
      env: { ...process.env, DROVE_TEST_FLEET: 'ok' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killed.push(unshare.pid!);
    let stderr = '';
    unshare.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    unshare.stdout.resume();
    const exited = new Promise<number | null>((resolve) => unshare.once('close', (code) => resolve(code)));
    expect(await waitFor(() => (stderr.match(/ ready in /g) ?? []).length === 3)).toBe(true);
    expect(stderr).toContain('supervisor | running as PID 1: orphaned grandchildren are not reaped;');
    // The master, PID 1 inside, is unshare's child outside: the kernel gives PID 1 no default
    // handling of SIGTERM, so stopping on it is the supervisor's own doing.
    const [master] = childrenOf(unshare.pid!);
    expect(master).toBeGreaterThan(1);
    killed.push(master!);
    process.kill(master!, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('supervisor | stopping (SIGTERM)');
    expect(stderr).toContain('supervisor | stopped');
  });
});
