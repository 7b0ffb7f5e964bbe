import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pidExists } from '@drove/test-support';
import { fixture, waitFor } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const config = fileURLToPath(fixture('fleet.config.mjs'));

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Child pids from the "spawned (pid N)" lines, by name. */
  pids: () => Map<string, number[]>;
}

const runs: Run[] = [];

function supervise(fleet: string, args: string[] = [config]): Run {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, DROVE_TEST_FLEET: fleet } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const run: Run = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    pids: () => {
      const pids = new Map<string, number[]>();
      for (const [, name, pid] of stderr.matchAll(/supervisor \| (\S+) spawned \(pid (\d+)/g)) {
        pids.set(name!, [...(pids.get(name!) ?? []), Number(pid)]);
      }
      return pids;
    },
  };
  runs.push(run);
  return run;
}

afterEach(async () => {
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await run.exited;
  }
});

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('drove-supervise', () => {
  it("runs a fleet, prefixes each child's lines with its name, rolls a restart on SIGHUP and stops on SIGTERM", async () => {
    const run = supervise('ok');
    expect(await waitFor(() => (run.stderr().match(/ ready in /g) ?? []).length === 3)).toBe(true);
    expect(await waitFor(() => run.stdout().includes('echo | echo says hi'))).toBe(true);
    expect(lines(run.stdout())).toEqual(
      expect.arrayContaining([expect.stringMatching(/^alpha \| hello from alpha \(pid \d+\)$/), expect.stringMatching(/^beta \| hello from beta \(thread \d+\)$/)]),
    );
    const before = run.pids();
    const mark = run.stderr().length;

    run.child.kill('SIGHUP');
    expect(await waitFor(() => (run.stderr().slice(mark).match(/ ready in /g) ?? []).length === 3)).toBe(true);
    const roll = lines(run.stderr().slice(mark))
      .map((line) => /supervisor \| (\S+) (exited: \S+|ready)/.exec(line))
      .filter((match) => match)
      .map((match) => `${match![1]} ${match![2]}`);
    // One at a time, in start order: each new one ready before the next old one stops.
    expect(roll).toEqual(['alpha exited: shutdown', 'alpha ready', 'beta exited: shutdown', 'beta ready', 'echo exited: shutdown', 'echo ready']);
    expect(pidExists(before.get('alpha')![0]!)).toBe(false);

    const after = run.pids();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('supervisor | stopping (SIGTERM)');
    expect(run.stderr()).toContain('supervisor | stopped');
    for (const name of ['alpha', 'echo']) expect(pidExists(after.get(name)!.at(-1)!)).toBe(false);
  });

  it('kills at once on a second SIGTERM', async () => {
    const run = supervise('stubborn');
    expect(await waitFor(() => (run.stderr().match(/ ready in /g) ?? []).length === 2)).toBe(true);
    const pids = [...run.pids().values()].flat();
    run.child.kill('SIGTERM');
    expect(await waitFor(() => run.stderr().includes('stopping (SIGTERM)'))).toBe(true);
    expect(pids.every(pidExists)).toBe(true); // they ignore SIGTERM, with two minutes of grace
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(pids.filter(pidExists)).toEqual([]);
  });

  it('acts on SIGTERM during a back-off: no restart is left pending', async () => {
    const run = supervise('in-backoff');
    expect(await waitFor(() => run.stderr().includes('broken restarts in'))).toBe(true);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.pids().get('broken')).toHaveLength(1);
  });

  it('acts on SIGTERM during a spawn: the child that was starting is stopped', async () => {
    const run = supervise('in-spawn');
    expect(await waitFor(() => run.stderr().includes('mute spawned'))).toBe(true);
    const [pid] = run.pids().get('mute')!;
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(pidExists(pid!)).toBe(false);
    expect(run.stderr()).toMatch(/mute exited: shutdown/);
  });

  it('exits non-zero when the supervisor gives up', async () => {
    const run = supervise('give-up');
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/Gave up: more than 2 restarts within 60000 ms \(the last one for child `broken`\)/);
    const steady = run.pids().get('steady')!;
    expect(steady.filter(pidExists)).toEqual([]);
  });

  it('refuses an invalid config with every problem, exit code 2', async () => {
    const run = supervise('invalid');
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('Invalid supervisor spec (3 problems)');
    expect(run.stderr()).toContain('Expected `strategy` to be one of `one-for-one`, `one-for-all`, `rest-for-one`, got `"one-for-some"` (string)');
    expect(run.stderr()).toContain('Expected `children[0].restart` to be one of `permanent`, `transient`, `temporary`, got `"sometimes"` (string)');
    expect(run.stderr()).toMatch(/Expected `children\[0\]\.entry` to name an existing file, got `.*missing\.mjs` \(missing\)/);
  });

  it('prints its usage without a config', async () => {
    const run = supervise('ok', []);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('Usage: drove-supervise <fleet.config.mjs>');
  });
});
