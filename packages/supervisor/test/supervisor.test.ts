import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Supervisor } from '@drove/supervisor';
import { pidExists } from '@drove/test-support';
import { fixture, killAll, nextEvent, pidOf, readyChild, record, supervise, waitFor } from './helpers.js';

afterEach(killAll);

describe('Supervisor: lifecycle', () => {
  it('starts children in order, each ready before the next, and stops them in reverse order', async () => {
    const supervisor = supervise({
      children: [
        { name: 'a', kind: 'process', entry: readyChild },
        { name: 'b', kind: 'thread', entry: readyChild },
        { name: 'c', kind: 'process', entry: readyChild },
      ],
    });
    const events = record(supervisor);
    expect(supervisor.state).toBe('idle');
    await supervisor.start();
    expect(supervisor.state).toBe('running');
    const order = events.filter(([name]) => name === 'spawn' || name === 'ready').map(([name, event]) => `${name}:${event.name}`);
    expect(order).toEqual(['spawn:a', 'ready:a', 'spawn:b', 'ready:b', 'spawn:c', 'ready:c']);
    const children = supervisor.whichChildren();
    expect(children.map(({ name, kind, state, restart }) => ({ name, kind, state, restart }))).toEqual([
      { name: 'a', kind: 'process', state: 'running', restart: 'permanent' },
      { name: 'b', kind: 'thread', state: 'running', restart: 'permanent' },
      { name: 'c', kind: 'process', state: 'running', restart: 'permanent' },
    ]);
    expect(children[1]!.pid).toBe(process.pid);
    expect(children[1]!.threadId).toBeGreaterThan(0);
    expect(children[0]!.pid).not.toBe(process.pid);
    expect(supervisor.countChildren()).toEqual({ specs: 3, active: 3, starting: 0, running: 3, restarting: 0, stopping: 0, stopped: 0 });
    const pids = [pidOf(supervisor, 'a'), pidOf(supervisor, 'c')];

    events.length = 0;
    await supervisor.stop();
    expect(supervisor.state).toBe('stopped');
    const exits = events.filter(([name]) => name === 'exit').map(([, event]) => [event.name, event.reason, event.willRestart]);
    expect(exits).toEqual([
      ['c', 'shutdown', false],
      ['b', 'shutdown', false],
      ['a', 'shutdown', false],
    ]);
    expect(events[0]).toEqual(['shutdown', { reason: 'stop', signal: undefined }]);
    for (const pid of pids) expect(pidExists(pid)).toBe(false);
    expect(supervisor.countChildren()).toMatchObject({ specs: 3, active: 0, stopped: 3 });
    await expect(supervisor.onStopped()).resolves.toBeUndefined();
    await expect(supervisor.start()).resolves.toBeUndefined(); // the same start promise
    await expect(supervisor.startChild({ name: 'late', kind: 'process', entry: readyChild })).rejects.toMatchObject({
      code: 'ERR_SUPERVISOR_STOPPED',
    });
  });

  it('reports stats with restart counts per child', async () => {
    const supervisor = supervise({
      stableAfterMs: 0,
      children: [
        { name: 'a', kind: 'process', entry: readyChild },
        { name: 'b', kind: 'process', entry: readyChild },
      ],
    });
    await supervisor.start();
    const restarted = nextEvent(supervisor, 'ready', (event) => event.name === 'a');
    process.kill(pidOf(supervisor, 'a'), 'SIGKILL');
    await restarted;
    const stats = supervisor.stats();
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    expect(stats).toMatchObject({ state: 'running', strategy: 'one-for-one', restarts: 1, maxRestarts: null });
    expect(stats.children.map((child) => [child.name, child.restarts, child.state])).toEqual([
      ['a', 1, 'running'],
      ['b', 0, 'running'],
    ]);
    expect(stats.children[0]!.lastExit).toMatchObject({ reason: 'crashed', signal: 'SIGKILL', exitCode: null });
    expect(stats.children[0]!.uptimeMs).toBeGreaterThanOrEqual(0);
  });

  it('runs a command with a clean environment: PATH plus what the spec adds', async () => {
    const out = `${process.env.TMPDIR ?? '/tmp'}/drove-supervisor-env-${process.pid}.json`;
    process.env.DROVE_SHOULD_NOT_LEAK = 'leaked';
    try {
      const supervisor = supervise({
        children: [
          {
            name: 'env',
            kind: 'command',
            restart: 'transient',
            argv: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`],
            env: { ADDED: 'yes' },
          },
        ],
      });
      const exited = nextEvent(supervisor, 'exit');
      await supervisor.start();
      expect(await exited).toMatchObject({ name: 'env', reason: 'normal', exitCode: 0, willRestart: false });
      const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
      expect(env.ADDED).toBe('yes');
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.DROVE_SHOULD_NOT_LEAK).toBeUndefined();
      // Node adds nothing but what it always sets on its own.
      expect(Object.keys(env).filter((key) => !['ADDED', 'PATH'].includes(key))).toEqual([]);
      expect(supervisor.whichChildren()[0]!.state).toBe('stopped');
    } finally {
      delete process.env.DROVE_SHOULD_NOT_LEAK;
    }
  });

  it('gives Node children the supervisor environment plus their own', async () => {
    const supervisor = supervise({
      output: 'ignore',
      children: [{ name: 'p', kind: 'process', entry: readyChild, env: { EXTRA: '1' } }],
    });
    await supervisor.start();
    const environ = readFileSync(`/proc/${pidOf(supervisor, 'p')}/environ`, 'utf8').split('\0');
    expect(environ).toContain('EXTRA=1');
    expect(environ).toContain('DROVE_SUPERVISOR_CHILD=p');
    expect(environ).toContain(`PATH=${process.env.PATH}`);
  });

  it('treats a command as running once spawned, or once its TCP port accepts', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    probe.close();
    const script = `setTimeout(() => require('net').createServer().listen(${port}, '127.0.0.1'), 200); setInterval(() => {}, 1000)`;
    const supervisor = supervise({
      children: [
        { name: 'sleeper', kind: 'command', argv: ['sleep', '30'] },
        { name: 'server', kind: 'command', argv: [process.execPath, '-e', script], readiness: { tcp: { port } } },
        {
          name: 'probed',
          kind: 'command',
          argv: ['sleep', '30'],
          readiness: { probe: async ({ name, pid }) => name === 'probed' && typeof pid === 'number' && pidExists(pid) },
        },
      ],
    });
    await supervisor.start();
    expect(supervisor.whichChildren().map((child) => child.state)).toEqual(['running', 'running', 'running']);
  });

  it('reports a command that cannot be spawned as exited-before-ready', async () => {
    const supervisor = supervise({ children: [{ name: 'missing', kind: 'command', argv: ['/nonexistent/drove-x'], restart: 'temporary' }] });
    const exited = nextEvent(supervisor, 'exit');
    await supervisor.start();
    const exit = await exited;
    expect(exit).toMatchObject({ name: 'missing', reason: 'exited-before-ready', willRestart: false });
    expect((exit.error as NodeJS.ErrnoException).code).toBe('ENOENT');
    // A temporary child's spec is removed when it ends.
    expect(supervisor.whichChildren()).toEqual([]);
  });
});

describe('Supervisor: dynamic children (OTP)', () => {
  it('startChild, terminateChild, restartChild, deleteChild', async () => {
    const supervisor = supervise({ children: [{ name: 'a', kind: 'process', entry: readyChild }] });
    await supervisor.start();
    const info = await supervisor.startChild({ name: 'b', kind: 'thread', entry: readyChild });
    expect(info).toMatchObject({ name: 'b', kind: 'thread', state: 'running' });
    expect(supervisor.whichChildren().map((child) => child.name)).toEqual(['a', 'b']);
    await expect(supervisor.startChild({ name: 'b', kind: 'process', entry: readyChild })).rejects.toMatchObject({
      code: 'ERR_SUPERVISOR_DUPLICATE_CHILD',
    });
    await expect(supervisor.restartChild('a')).rejects.toMatchObject({ code: 'ERR_SUPERVISOR_CHILD_RUNNING' });
    expect(() => supervisor.deleteChild('a')).toThrow(expect.objectContaining({ code: 'ERR_SUPERVISOR_CHILD_RUNNING' }));

    const pid = pidOf(supervisor, 'a');
    await supervisor.terminateChild('a');
    expect(pidExists(pid)).toBe(false);
    expect(supervisor.whichChildren()[0]).toMatchObject({ name: 'a', state: 'stopped', pid: undefined });
    expect(supervisor.countChildren()).toMatchObject({ specs: 2, active: 1, stopped: 1, running: 1 });

    const again = await supervisor.restartChild('a');
    expect(again).toMatchObject({ name: 'a', state: 'running' });
    expect(again.pid).not.toBe(pid);

    await supervisor.terminateChild('a');
    supervisor.deleteChild('a');
    expect(supervisor.whichChildren().map((child) => child.name)).toEqual(['b']);
    await expect(supervisor.terminateChild('a')).rejects.toMatchObject({ code: 'ERR_SUPERVISOR_UNKNOWN_CHILD' });
    expect(() => supervisor.deleteChild('nope')).toThrow(/No child named `nope` \(known: `b`\)/);
  });

  it('rejects startChild with ERR_SUPERVISOR_START_FAILED when the child never gets ready', async () => {
    const supervisor = supervise({ children: [] });
    await supervisor.start();
    const error = await supervisor
      .startChild({ name: 'broken', kind: 'process', entry: fixture('crash-child.mjs'), restart: 'temporary' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ChildStartError', code: 'ERR_SUPERVISOR_START_FAILED', reason: 'exited-before-ready' });
    expect(supervisor.whichChildren()).toEqual([]);
  });

  it('waits for every pid before stop() resolves', async () => {
    const supervisor = supervise({
      children: Array.from({ length: 4 }, (_, i) => ({ name: `c${i}`, kind: 'process' as const, entry: readyChild })),
    });
    await supervisor.start();
    const pids = supervisor.whichChildren().map((child) => child.pid!);
    await supervisor.stop();
    expect(pids.filter(pidExists)).toEqual([]);
  });

  it('can be created without children and disposed with await using', async () => {
    let pid: number | undefined;
    {
      await using supervisor = new Supervisor({ output: 'ignore' });
      await supervisor.start();
      await supervisor.startChild({ name: 'x', kind: 'process', entry: readyChild });
      pid = pidOf(supervisor, 'x');
    }
    expect(await waitFor(() => !pidExists(pid!), 1000)).toBe(true);
  });
});
