import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findExecutable, makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { fixture, waitFor } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const config = fileURLToPath(fixture('fleet.config.mjs'));
const killed: number[] = [];
afterEach(() => {
  // SIGKILL to a namespace's PID 1 kills every process in it.
  for (const pid of killed.splice(0)) if (pidExists(pid)) process.kill(pid, 'SIGKILL');
});
afterAll(removeTempDirs);

/** The pids of a process's children (zombies too: they stay on the list until reaped), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return []; // it has just been reaped
  }
}

interface NamespaceProcess {
  pid: number;
  /** Its pid inside the namespace. */
  nsPid: number;
  /** `/proc/<pid>/stat`'s state: R, S, D, Z... */
  state: string;
  comm: string;
}

/** Every process in the PID namespace whose PID 1 is `init` (a host pid): init and its descendants. */
function namespaceProcesses(init: number): NamespaceProcess[] {
  const found: NamespaceProcess[] = [];
  const visit = (pid: number): void => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const nsPid = /^NSpid:\t(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.split('\t').at(-1);
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      found.push({ pid, nsPid: Number(nsPid), state: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3), comm });
    } catch {
      return; // gone meanwhile
    }
    for (const child of childrenOf(pid)) visit(child);
  };
  visit(init);
  return found;
}

/** Starts the CLI as PID 1 of a PID namespace of its own, with `env` added to this process's. */
async function startAsPid1(env: NodeJS.ProcessEnv, fleet: string) {
  const unshare = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, cli, config], {
    env: { ...process.env, ...env, DROVE_TEST_FLEET: fleet },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killed.push(unshare.pid!);
  let stderr = '';
  unshare.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  unshare.stdout.resume();
  const exited = new Promise<number | null>((resolve) => unshare.once('close', (code) => resolve(code)));
  // The master, PID 1 inside, is unshare's child outside.
  expect(await waitFor(() => childrenOf(unshare.pid!).length === 1)).toBe(true);
  const [master] = childrenOf(unshare.pid!);
  killed.push(master!);
  return { master: master!, exited, stderr: () => stderr };
}

/** The orphan's pid in the namespace, once it has written it. */
function orphanPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}


describe('drove-supervise as PID 1', () => {
  // A PID namespace needs root (or a user namespace); the CI machine runs the tests as root.
  const root = process.getuid?.() === 0;
  const tini = process.env.DROVE_TINI || '/usr/bin/tini';

  it('runs its fleet under tini, which reaps the orphans a child leaves, and stops on SIGTERM', async () => {
    expect(root, 'this test makes a PID namespace with unshare, which needs root').toBe(true);
    expect(findExecutable({ name: 'tini', path: tini, env: 'DROVE_TINI', debianPackage: 'tini' })).toBe(tini);
    const pidFile = join(makeTempDir('drove-supervisor-pid1-'), 'orphan.pid');
    const run = await startAsPid1({ DROVE_TEST_ORPHAN_PID_FILE: pidFile }, 'orphans');
    expect(await waitFor(() => (run.stderr().match(/ ready in /g) ?? []).length === 2)).toBe(true);
    expect(run.stderr()).toContain(`supervisor | running as PID 1: the fleet runs under ${tini} -s, which reaps the orphans its processes leave;`);
    expect(run.stderr()).not.toContain('without an init');
    expect(namespaceProcesses(run.master).map((proc) => proc.comm)).toContain('tini');
    // The orphan ran (it wrote its pid), exited, and was reaped: no longer a process at all, and
    // nothing in the namespace is left a zombie.
    expect(await waitFor(() => orphanPid(pidFile) !== undefined)).toBe(true);
    const orphan = orphanPid(pidFile);
    expect(await waitFor(() => !namespaceProcesses(run.master).some((proc) => proc.nsPid === orphan))).toBe(true);
    expect(namespaceProcesses(run.master).filter((proc) => proc.state === 'Z')).toEqual([]);
    // PID 1 passes SIGTERM on through tini; the supervisor stops its fleet and PID 1 exits with its code.
    process.kill(run.master, 'SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('supervisor | stopping (SIGTERM)');
    expect(run.stderr()).toContain('parent exited: shutdown (SIGTERM)');
    expect(run.stderr()).toContain('supervisor | stopped');
  });

  it('exits with the code of the supervisor it runs under tini', async () => {
    expect(root, 'this test makes a PID namespace with unshare, which needs root').toBe(true);
    expect(findExecutable({ name: 'tini', path: tini, env: 'DROVE_TINI', debianPackage: 'tini' })).toBe(tini);
    const run = await startAsPid1({}, 'give-up');
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('running as PID 1: the fleet runs under');
    expect(run.stderr()).toContain('supervisor | Gave up: more than 2 restarts');
  });

  it('without tini, warns in one line what to install, leaves the orphan a zombie, and still stops on SIGTERM', async () => {
    expect(root, 'this test makes a PID namespace with unshare, which needs root').toBe(true);
    const pidFile = join(makeTempDir('drove-supervisor-pid1-'), 'orphan.pid');
    const run = await startAsPid1({ DROVE_TEST_ORPHAN_PID_FILE: pidFile, DROVE_TINI: '/nowhere/tini' }, 'orphans');
    expect(await waitFor(() => (run.stderr().match(/ ready in /g) ?? []).length === 2)).toBe(true);
    const warnings = run.stderr().split('\n').filter((line) => line.includes('running as PID 1'));
    expect(warnings).toEqual([
      'supervisor | running as PID 1 without an init (no tini at DROVE_TINI=/nowhere/tini): orphaned grandchildren are not reaped and stay zombies; ' +
        'install one (`apt-get install tini`) or run the container with `docker run --init`',
    ]);
    // Node, as PID 1, inherits the orphan and never waits for it.
    expect(await waitFor(() => orphanPid(pidFile) !== undefined)).toBe(true);
    const orphan = orphanPid(pidFile);
    expect(await waitFor(() => namespaceProcesses(run.master).some((proc) => proc.nsPid === orphan && proc.state === 'Z'))).toBe(true);
    // The kernel gives PID 1 no default handling of SIGTERM: stopping on it is the supervisor's own doing.
    process.kill(run.master, 'SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('supervisor | stopping (SIGTERM)');
    expect(run.stderr()).toContain('supervisor | stopped');
  });
});
