import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidSpecError, resolveChildSpec, type NodeChildSpec, type Supervisor } from '@drove/supervisor';
import { makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { fixture, killAll, nextEvent, pidOf, readyChild, record, startMaster, supervise, waitFor } from './helpers.js';

const spareChild = fixture('spare-child.mjs');

interface RunLine {
  pid: number;
  argv1: string;
  args: string[];
  execArgv: string[];
  mark: string | undefined;
  name: string | undefined;
  preloaded: number | null;
  cwd: string;
}

let dir: string;
let runsFile: string;
beforeEach(() => {
  dir = makeTempDir('drove-spare-');
  runsFile = join(dir, 'runs.jsonl');
});
afterEach(async () => {
  await killAll();
  removeTempDirs();
});

function runs(): RunLine[] {
  try {
    return readFileSync(runsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RunLine);
  } catch {
    return [];
  }
}

function spec(extra: Partial<NodeChildSpec> = {}): NodeChildSpec {
  return {
    name: 'web',
    kind: 'process',
    entry: spareChild,
    args: ['--flag', 'value'],
    execArgv: ['--max-old-space-size=96'],
    env: { RUNS_FILE: runsFile, MARK: 'from-the-spec' },
    spare: true,
    ...extra,
  };
}

function spareOf(supervisor: Supervisor, name = 'web'): { pid: number | undefined; state: string } | undefined {
  return supervisor.stats().children.find((child) => child.name === name)?.spare;
}

async function warmSpare(supervisor: Supervisor, name = 'web'): Promise<number> {
  expect(await waitFor(() => spareOf(supervisor, name)?.state === 'warm')).toBe(true);
  const pid = spareOf(supervisor, name)?.pid;
  if (pid === undefined) throw new Error('the spare has no pid');
  return pid;
}

describe('warm spare', () => {
  it('restarts a crashed child in its spare: the spare becomes the child, its entry runs once, with the spec env, args and execArgv', async () => {
    const supervisor = supervise({
      stableAfterMs: 0,
      children: [spec({ preload: [fixture('spare-preload.mjs'), 'node:http'] })],
    });
    await supervisor.start();
    const first = pidOf(supervisor, 'web');
    const sparePid = await warmSpare(supervisor);
    expect(sparePid).not.toBe(first);
    // Waiting, the spare has not run the entry.
    expect(runs().map((run) => run.pid)).toEqual([first]);

    const ready = nextEvent(supervisor, 'ready');
    process.kill(first, 'SIGKILL');
    expect((await ready).pid).toBe(sparePid);
    expect(pidOf(supervisor, 'web')).toBe(sparePid);

    // A new spare is started once the child is ready; it does not run the entry either.
    const nextSpare = await warmSpare(supervisor);
    expect(nextSpare).not.toBe(sparePid);
    const lines = runs();
    expect(lines.map((run) => run.pid)).toEqual([first, sparePid]);
    const [cold, warm] = lines as [RunLine, RunLine];
    expect(warm).toEqual({ ...cold, pid: sparePid, preloaded: 1 });
    expect(cold.preloaded).toBeNull();
    expect(warm.argv1).toBe(fileURLToPath(spareChild));
    expect(warm.args).toEqual(['--flag', 'value']);
    expect(warm.execArgv).toEqual(['--max-old-space-size=96']);
    expect(warm.mark).toBe('from-the-spec');
    expect(warm.name).toBe('web');
  });

  it('is no child: whichChildren() and countChildren() leave it out, stats() shows it', async () => {
    const supervisor = supervise({ children: [spec(), { name: 'plain', kind: 'process', entry: readyChild }] });
    await supervisor.start();
    const sparePid = await warmSpare(supervisor);
    const listed = supervisor.whichChildren();
    expect(listed.map((child) => child.name)).toEqual(['web', 'plain']);
    expect(listed.map((child) => child.pid)).not.toContain(sparePid);
    expect(supervisor.countChildren()).toMatchObject({ specs: 2, active: 2, running: 2 });
    expect(spareOf(supervisor, 'plain')).toBeUndefined();
    expect(JSON.parse(JSON.stringify(supervisor.stats())).children[0].spare).toEqual({ pid: sparePid, state: 'warm' });
  });

  it('restarts cold when the spare died while it waited, and that is no failure of the child', async () => {
    const supervisor = supervise({ stableAfterMs: 0, children: [spec()] });
    const events = record(supervisor);
    await supervisor.start();
    const first = pidOf(supervisor, 'web');
    const sparePid = await warmSpare(supervisor);
    process.kill(sparePid, 'SIGKILL');
    expect(await waitFor(() => spareOf(supervisor) === undefined && !pidExists(sparePid))).toBe(true);
    expect(supervisor.whichChildren()[0]).toMatchObject({ state: 'running', pid: first });

    const ready = nextEvent(supervisor, 'ready');
    process.kill(first, 'SIGKILL');
    const second = (await ready).pid;
    expect(second).not.toBe(first);
    expect(second).not.toBe(sparePid);
    expect(runs().map((run) => run.pid)).toEqual([first, second]);
    // Only the child's own exit was reported, and it was restarted once.
    expect(events.filter(([name]) => name === 'exit').map(([, event]) => event.pid)).toEqual([first]);
    expect(supervisor.stats().children[0]).toMatchObject({ restarts: 1, consecutiveFailures: 0 });
    // The cold start brings a new spare.
    expect(await warmSpare(supervisor)).not.toBe(sparePid);
  });

  it('restarts cold while the spare still boots, and keeps that spare for the next restart', async () => {
    const gate = join(dir, 'gate');
    const supervisor = supervise({
      stableAfterMs: 0,
      children: [spec({ env: { RUNS_FILE: runsFile, GATE_FILE: gate }, preload: [fixture('spare-preload-gate.mjs')] })],
    });
    await supervisor.start();
    const first = pidOf(supervisor, 'web');
    expect(await waitFor(() => spareOf(supervisor)?.state === 'booting')).toBe(true);
    const booting = spareOf(supervisor)!.pid!;

    let ready = nextEvent(supervisor, 'ready');
    process.kill(first, 'SIGKILL');
    const second = (await ready).pid!;
    expect(second).not.toBe(booting);
    expect(spareOf(supervisor)).toEqual({ pid: booting, state: 'booting' });

    writeFileSync(gate, '');
    expect(await warmSpare(supervisor)).toBe(booting);
    ready = nextEvent(supervisor, 'ready');
    process.kill(second, 'SIGKILL');
    expect((await ready).pid).toBe(booting);
    expect(runs().map((run) => run.pid)).toEqual([first, second, booting]);
  });

  it('restarts cold and reports ERR_SUPERVISOR_SPARE when a preload fails', async () => {
    const supervisor = supervise({ stableAfterMs: 0, children: [spec({ preload: [fixture('spare-preload-throws.mjs')] })] });
    const errors: Error[] = [];
    supervisor.on('error', ({ error }) => errors.push(error));
    await supervisor.start();
    expect(await waitFor(() => errors.length > 0)).toBe(true);
    expect(errors[0]).toMatchObject({ code: 'ERR_SUPERVISOR_SPARE', name: 'SupervisorError' });
    expect((errors[0]!.cause as Error).message).toBe('this preload always fails');
    expect(await waitFor(() => spareOf(supervisor) === undefined)).toBe(true);

    const first = pidOf(supervisor, 'web');
    const ready = nextEvent(supervisor, 'ready');
    process.kill(first, 'SIGKILL');
    const second = (await ready).pid;
    expect(runs().map((run) => run.pid)).toEqual([first, second]);
    expect(supervisor.whichChildren()[0]).toMatchObject({ state: 'running' });
  });

  it('stop() and kill() end the spares too, before they resolve', async () => {
    const stopped = supervise({ children: [spec()] });
    await stopped.start();
    const sparePid = await warmSpare(stopped);
    await stopped.stop();
    expect(pidExists(sparePid)).toBe(false);
    expect(spareOf(stopped)).toBeUndefined();

    const killed = supervise({ children: [spec({ name: 'other' })] });
    await killed.start();
    const otherSpare = await warmSpare(killed, 'other');
    await killed.kill();
    expect(pidExists(otherSpare)).toBe(false);
  });

  it('terminateChild() ends the spare; restartChild() brings a new one', async () => {
    const supervisor = supervise({ children: [spec()] });
    await supervisor.start();
    const sparePid = await warmSpare(supervisor);
    await supervisor.terminateChild('web');
    expect(pidExists(sparePid)).toBe(false);
    expect(spareOf(supervisor)).toBeUndefined();
    await supervisor.restartChild('web');
    expect(await warmSpare(supervisor)).not.toBe(sparePid);
  });

  it('leaves no spare behind when the master is SIGKILLed', async () => {
    const { master, line } = await startMaster('spare-master.mjs');
    const { children, spares } = JSON.parse(line) as { children: number[]; spares: number[] };
    expect(spares).toHaveLength(2);
    const pids = [...children, ...spares];
    expect(pids.every(pidExists)).toBe(true);
    master.kill('SIGKILL');
    expect(await waitFor(() => pids.every((pid) => !pidExists(pid)))).toBe(true);
  });

  it('is refused for threads and commands, and preload needs spare and usable modules', () => {
    const attempt = (extra: Record<string, unknown>): string[] => {
      try {
        resolveChildSpec({ ...spec(), ...extra } as NodeChildSpec);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidSpecError);
        return [...(error as InvalidSpecError).problems];
      }
    };
    expect(attempt({ kind: 'thread' })).toEqual([
      'Expected `spec.spare` to be unset for a thread or a command (a warm spare is a Node process), got `true` (boolean)',
    ]);
    expect(attempt({ spare: 'yes' })).toEqual(['Expected `spec.spare` to be a boolean, got `"yes"` (string)']);
    expect(attempt({ spare: false, preload: ['node:http'] })).toEqual([
      'Expected `spec.preload` to come with `spec.spare: true` (only a warm spare preloads)',
    ]);
    const [bare, missing] = attempt({ preload: ['fastify', './no-such-file.mjs'] });
    expect(bare).toContain('Expected `spec.preload[0]` to be a `node:` name, a file: URL or a path');
    expect(missing).toContain('Expected `spec.preload[1]` to name an existing file');
    expect(resolveChildSpec(spec({ preload: ['node:http', fixture('spare-preload.mjs')] })).preload).toEqual([
      'node:http',
      fixture('spare-preload.mjs').href,
    ]);
  });
});
