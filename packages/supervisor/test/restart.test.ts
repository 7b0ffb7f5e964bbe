import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Supervisor } from '@drove/supervisor';
import { pidExists } from '@drove/test-support';
import { crashChild, killAll, nextEvent, pidOf, readyChild, record, supervise, waitFor } from './helpers.js';

afterEach(killAll);

function stateOf(supervisor: Supervisor, name: string): string | undefined {
  return supervisor.whichChildren().find((child) => child.name === name)?.state;
}

/** Waits (real time) until `name` waits for its back-off, then returns when that back-off is due. */
async function backoffDue(supervisor: Supervisor, clock: ManualClock, name: string): Promise<number> {
  expect(await waitFor(() => stateOf(supervisor, name) === 'restarting')).toBe(true);
  const due = clock.nextDueAt();
  expect(due).toBeDefined();
  return due!;
}

describe('restart back-off (our addition to OTP)', () => {
  it('spawns a child that always crashes at most 7 times in 60 s of fake time, with the default back-off', async () => {
    const clock = new ManualClock();
    const supervisor = supervise({ clock, children: [{ name: 'crash', kind: 'process', entry: crashChild }] });
    let spawns = 0;
    const delays: number[] = [];
    supervisor.on('spawn', () => spawns++);
    supervisor.on('backoff', ({ delayMs }) => delays.push(delayMs));
    await supervisor.start();
    for (;;) {
      const due = await backoffDue(supervisor, clock, 'crash');
      if (due > 60_000) break;
      clock.advanceTo(due);
    }
    expect(spawns).toBeLessThanOrEqual(7);
    expect(spawns).toBeGreaterThanOrEqual(6);
    // 1 s, doubling, capped at 30 s, each within ±20 % jitter (and never past the cap).
    delays.forEach((delay, i) => {
      const nominal = Math.min(30_000, 1000 * 2 ** i);
      expect(delay).toBeGreaterThanOrEqual(nominal * 0.8);
      expect(delay).toBeLessThanOrEqual(Math.min(30_000, nominal * 1.2));
    });
    const [child] = supervisor.stats().children;
    expect(child).toMatchObject({ name: 'crash', state: 'restarting', restarts: spawns - 1, consecutiveFailures: spawns });
    expect(child!.lastExit).toMatchObject({ reason: 'exited-before-ready', exitCode: 3 });
  });

  it("never delays another child's restart: a stable child killed during a 30 s back-off restarts at once", async () => {
    const clock = new ManualClock();
    const supervisor = supervise({
      clock,
      children: [
        { name: 'crash', kind: 'process', entry: crashChild },
        { name: 'steady', kind: 'process', entry: readyChild, stableAfterMs: 10_000 },
      ],
    });
    const delays: number[] = [];
    supervisor.on('backoff', ({ name, delayMs }) => name === 'crash' && delays.push(delayMs));
    await supervisor.start();
    // Drive `crash` into its capped back-off (the sixth failure: 30 s less jitter).
    for (;;) {
      const due = await backoffDue(supervisor, clock, 'crash');
      if (delays.some((delay) => delay >= 24_000)) break;
      clock.advanceTo(due);
    }
    const crashSpawns = supervisor.stats().children[0]!.restarts;
    const before = pidOf(supervisor, 'steady');
    const again = nextEvent(supervisor, 'ready', (event) => event.name === 'steady');
    process.kill(before, 'SIGKILL');
    // No fake time passes: the restart happens now, not after anyone's back-off.
    const ready = await again;
    expect(ready.pid).not.toBe(before);
    expect(stateOf(supervisor, 'steady')).toBe('running');
    expect(stateOf(supervisor, 'crash')).toBe('restarting');
    expect(supervisor.stats().children[0]!.restarts).toBe(crashSpawns);
    expect(supervisor.stats().children[1]).toMatchObject({ restarts: 1, consecutiveFailures: 0 });
  });

  it('backs off a child that failed before it was stable, independently of the others', async () => {
    const clock = new ManualClock();
    const supervisor = supervise({
      clock,
      children: [
        { name: 'a', kind: 'process', entry: readyChild },
        { name: 'b', kind: 'process', entry: readyChild },
      ],
    });
    await supervisor.start();
    const backoff = nextEvent(supervisor, 'backoff');
    process.kill(pidOf(supervisor, 'a'), 'SIGKILL');
    const { name, delayMs, consecutiveFailures } = await backoff;
    expect({ name, consecutiveFailures }).toEqual({ name: 'a', consecutiveFailures: 1 });
    expect(delayMs).toBeGreaterThanOrEqual(800);
    expect(delayMs).toBeLessThanOrEqual(1200);
    expect(stateOf(supervisor, 'a')).toBe('restarting');
    expect(stateOf(supervisor, 'b')).toBe('running');
    clock.advance(delayMs - 1);
    expect(stateOf(supervisor, 'a')).toBe('restarting');
    const ready = nextEvent(supervisor, 'ready', (event) => event.name === 'a');
    clock.advance(1);
    expect(stateOf(supervisor, 'a')).toBe('starting');
    await ready;
    // Up for stableAfterMs: the back-off starts over.
    clock.advance(30_000);
    const exit = nextEvent(supervisor, 'exit');
    const restarted = nextEvent(supervisor, 'restart');
    process.kill(pidOf(supervisor, 'a'), 'SIGKILL');
    expect(await exit).toMatchObject({ name: 'a', reason: 'crashed', willRestart: true });
    expect(await restarted).toMatchObject({ name: 'a', cause: 'crashed', restarts: 2 });
    expect(supervisor.stats().children[0]!.consecutiveFailures).toBe(0);
  });
});

describe('restart types (OTP)', () => {
  it('transient: restarted after a crash, not after a normal exit', async () => {
    const clock = new ManualClock();
    const supervisor = supervise({
      clock,
      children: [
        { name: 'fine', kind: 'process', entry: readyChild, args: ['--exit-after-ready=0'], restart: 'transient' },
        { name: 'bad', kind: 'thread', entry: readyChild, args: ['--exit-after-ready=1'], restart: 'transient' },
      ],
    });
    const exits = record(supervisor);
    await supervisor.start();
    expect(await waitFor(() => stateOf(supervisor, 'fine') === 'stopped' && stateOf(supervisor, 'bad') === 'restarting')).toBe(true);
    const exitOf = (name: string) => exits.find(([event, payload]) => event === 'exit' && payload.name === name)?.[1];
    expect(exitOf('fine')).toMatchObject({ reason: 'normal', exitCode: 0, willRestart: false });
    expect(exitOf('bad')).toMatchObject({ reason: 'crashed', exitCode: 1, willRestart: true });
    // The stopped transient child keeps its spec.
    expect(supervisor.countChildren()).toMatchObject({ specs: 2, stopped: 1, restarting: 1 });
    const respawn = nextEvent(supervisor, 'spawn', (event) => event.name === 'bad');
    clock.advance(1200);
    expect(await respawn).toMatchObject({ name: 'bad', kind: 'thread', restarts: 1 });
  });

  it('permanent: restarted even after a normal exit', async () => {
    const supervisor = supervise({
      stableAfterMs: 0,
      children: [{ name: 'p', kind: 'process', entry: readyChild, args: ['--exit-after-ready=0'] }],
    });
    const second = nextEvent(supervisor, 'restart');
    await supervisor.start();
    expect(await second).toMatchObject({ name: 'p', cause: 'normal', restarts: 1 });
  });

  it('temporary: never restarted, its spec removed when it ends', async () => {
    const supervisor = supervise({
      children: [
        { name: 'once', kind: 'process', entry: readyChild, restart: 'temporary' },
        { name: 'keep', kind: 'process', entry: readyChild },
      ],
    });
    await supervisor.start();
    const exit = nextEvent(supervisor, 'exit');
    process.kill(pidOf(supervisor, 'once'), 'SIGKILL');
    expect(await exit).toMatchObject({ name: 'once', reason: 'crashed', signal: 'SIGKILL', willRestart: false });
    expect(supervisor.whichChildren().map((child) => child.name)).toEqual(['keep']);
  });
});

describe('restart strategies (OTP)', () => {
  const specs = (extra: object = {}) => [
    { name: 'a', kind: 'process' as const, entry: readyChild, ...extra },
    { name: 'b', kind: 'process' as const, entry: readyChild, ...extra },
    { name: 'c', kind: 'thread' as const, entry: readyChild, ...extra },
    { name: 'd', kind: 'process' as const, entry: readyChild, ...extra },
  ];

  it('one-for-all: stops the others in reverse order, then starts all in order', async () => {
    const supervisor = supervise({
      strategy: 'one-for-all',
      stableAfterMs: 0,
      children: [...specs(), { name: 'temp', kind: 'process', entry: readyChild, restart: 'temporary' }],
    });
    await supervisor.start();
    const before = supervisor.whichChildren();
    const events = record(supervisor);
    const done = nextEvent(supervisor, 'ready', (event) => event.name === 'd');
    process.kill(pidOf(supervisor, 'b'), 'SIGKILL');
    await done;
    const seen = events.map(([name, event]) => `${name}:${event.name}${name === 'exit' ? `:${event.reason}` : ''}${name === 'restart' ? `:${event.cause}` : ''}`);
    expect(seen.filter((entry) => !entry.startsWith('spawn'))).toEqual([
      'exit:b:crashed',
      'exit:temp:shutdown',
      'exit:d:shutdown',
      'exit:c:shutdown',
      'exit:a:shutdown',
      'restart:a:sibling',
      'ready:a',
      'restart:b:crashed',
      'ready:b',
      'restart:c:sibling',
      'ready:c',
      'restart:d:sibling',
      'ready:d',
    ]);
    const willRestart = events.filter(([name]) => name === 'exit').map(([, event]) => [event.name, event.willRestart]);
    expect(willRestart).toEqual([
      ['b', true],
      ['temp', false],
      ['d', true],
      ['c', true],
      ['a', true],
    ]);
    const after = supervisor.whichChildren();
    expect(after.map((child) => child.name)).toEqual(['a', 'b', 'c', 'd']);
    for (const name of ['a', 'b', 'd']) {
      expect(after.find((child) => child.name === name)!.pid).not.toBe(before.find((child) => child.name === name)!.pid);
    }
    for (const child of before) if (child.kind === 'process') expect(pidExists(child.pid!)).toBe(false);
  });

  it('rest-for-one: restarts the failed child and those started after it', async () => {
    const supervisor = supervise({ strategy: 'rest-for-one', stableAfterMs: 0, children: specs() });
    await supervisor.start();
    const before = Object.fromEntries(supervisor.whichChildren().map((child) => [child.name, child.pid]));
    const events = record(supervisor);
    const done = nextEvent(supervisor, 'ready', (event) => event.name === 'd');
    process.kill(pidOf(supervisor, 'b'), 'SIGKILL');
    await done;
    const seen = events
      .filter(([name]) => name === 'exit' || name === 'ready')
      .map(([name, event]) => `${name}:${event.name}`);
    expect(seen).toEqual(['exit:b', 'exit:d', 'exit:c', 'ready:b', 'ready:c', 'ready:d']);
    expect(pidOf(supervisor, 'a')).toBe(before.a);
    expect(pidOf(supervisor, 'b')).not.toBe(before.b);
    expect(pidOf(supervisor, 'd')).not.toBe(before.d);
    expect(supervisor.stats().children.map((child) => child.restarts)).toEqual([0, 1, 1, 1]);
  });

  it('rest-for-one: the group waits for the failed child back-off', async () => {
    const clock = new ManualClock();
    const supervisor = supervise({ strategy: 'rest-for-one', clock, children: specs() });
    await supervisor.start();
    const backoff = nextEvent(supervisor, 'backoff');
    process.kill(pidOf(supervisor, 'b'), 'SIGKILL');
    const { delayMs } = await backoff;
    expect(await waitFor(() => stateOf(supervisor, 'c') === 'restarting')).toBe(true);
    expect(supervisor.whichChildren().map((child) => child.state)).toEqual(['running', 'restarting', 'restarting', 'restarting']);
    const done = nextEvent(supervisor, 'ready', (event) => event.name === 'd');
    clock.advance(delayMs);
    await done;
    expect(supervisor.whichChildren().map((child) => child.state)).toEqual(['running', 'running', 'running', 'running']);
  });
});

describe('restart intensity (OTP)', () => {
  it('gives up past maxRestarts within periodMs: giveUp, every child stopped, onStopped rejects', async () => {
    const clock = new ManualClock();
    const supervisor = supervise({
      clock,
      maxRestarts: 2,
      periodMs: 10_000,
      children: [
        { name: 'steady', kind: 'process', entry: readyChild },
        { name: 'crash', kind: 'process', entry: crashChild },
      ],
    });
    const events = record(supervisor);
    const stopped = supervisor.onStopped().catch((error: unknown) => error);
    await supervisor.start();
    const steady = pidOf(supervisor, 'steady');
    clock.advanceTo(await backoffDue(supervisor, clock, 'crash'));
    clock.advanceTo(await backoffDue(supervisor, clock, 'crash'));
    const error = await stopped;
    expect(error).toMatchObject({ name: 'GaveUpError', code: 'ERR_SUPERVISOR_GAVE_UP', child: 'crash', maxRestarts: 2, periodMs: 10_000 });
    expect((error as Error).message).toMatch(/more than 2 restarts within 10000 ms/);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'ERR_SUPERVISOR_GAVE_UP', child: 'crash' });
    expect(pidExists(steady)).toBe(false);
    expect(supervisor.state).toBe('stopped');
    const names = events.map(([name]) => name);
    expect(names.indexOf('giveUp')).toBeLessThan(names.indexOf('shutdown'));
    expect(events.find(([name]) => name === 'shutdown')![1]).toEqual({ reason: 'give-up', signal: undefined });
    expect(supervisor.stats().children.map((child) => child.state)).toEqual(['stopped', 'stopped']);
  });

  it('forgets restarts older than periodMs', async () => {
    const clock = new ManualClock();
    const supervisor = supervise({
      clock,
      maxRestarts: 1,
      periodMs: 5_000,
      stableAfterMs: 0,
      children: [{ name: 'p', kind: 'process', entry: readyChild }],
    });
    await supervisor.start();
    for (let i = 0; i < 3; i++) {
      const ready = nextEvent(supervisor, 'ready');
      process.kill(pidOf(supervisor, 'p'), 'SIGKILL');
      await ready;
      expect(supervisor.stats().recentRestarts).toBe(1);
      clock.advance(5_000);
    }
    expect(supervisor.state).toBe('running');
    expect(supervisor.stats().restarts).toBe(3);
  });
});
