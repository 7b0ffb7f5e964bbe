import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Supervisor } from '@drove/supervisor';
import { isAlive, makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { fixture, killAll, neverReady, nextEvent, pidOf, readyChild, record, startMaster, supervise, waitFor } from './helpers.js';

afterEach(killAll);
afterAll(removeTempDirs);

const tempDir = (): string => makeTempDir('drove-supervisor-');
const stateOf = (supervisor: Supervisor, name: string) => supervisor.whichChildren().find((child) => child.name === name)?.state;

describe('readiness', () => {
  it.each(['process', 'thread'] as const)('stops a %s child that never says ready: readiness-timeout', async (kind) => {
    const clock = new ManualClock();
    const supervisor = supervise({
      clock,
      shutdownTimeoutMs: 200,
      children: [{ name: 'mute', kind, entry: neverReady, readinessTimeoutMs: 5_000 }],
    });
    const exited = nextEvent(supervisor, 'exit');
    const started = supervisor.start();
    expect(await waitFor(() => stateOf(supervisor, 'mute') === 'starting')).toBe(true);
    clock.advance(4_999);
    expect(stateOf(supervisor, 'mute')).toBe('starting');
    clock.advance(1);
    // The stop's grace runs on the same clock: a thread that never said ready
    // does not hear the shutdown envelope and is terminated once it passes.
    clock.advance(200);
    const exit = await exited;
    expect(exit).toMatchObject({ name: 'mute', reason: 'readiness-timeout', willRestart: true });
    await started;
    expect(stateOf(supervisor, 'mute')).toBe('restarting');
  });

  it('reports a child that dies before it is ready as exited-before-ready, with its exit code', async () => {
    const supervisor = supervise({ children: [{ name: 'crash', kind: 'process', entry: fixture('crash-child.mjs'), restart: 'transient' }] });
    const exited = nextEvent(supervisor, 'exit');
    await supervisor.start();
    expect(await exited).toMatchObject({ name: 'crash', reason: 'exited-before-ready', exitCode: 3, willRestart: true });
  });
});

describe('what a child died of', () => {
  it.each(['process', 'thread'] as const)("carries a %s child's uncaught error, class and code, to the exit event", async (kind) => {
    const supervisor = supervise({ children: [{ name: 'thrower', kind, entry: fixture('throw-child.mjs'), restart: 'temporary' }] });
    const exited = nextEvent(supervisor, 'exit');
    await supervisor.start();
    const exit = await exited;
    expect(exit).toMatchObject({ name: 'thrower', reason: 'exited-before-ready', exitCode: 1 });
    expect(exit.error).toBeInstanceOf(RangeError);
    expect(exit.error).toMatchObject({ message: 'the config is broken', code: 'E_BROKEN_CONFIG' });
    expect(exit.error!.stack).toContain('throw-child.mjs');
  });
});

describe('liveness: heartbeat', () => {
  it.each(['process', 'thread'] as const)('kills a hung %s child timeoutMs after its last pong, and restarts it', async (kind) => {
    const clock = new ManualClock();
    const trigger = join(tempDir(), 'hang');
    const supervisor = supervise({
      clock,
      children: [
        {
          name: 'hb',
          kind,
          entry: readyChild,
          args: [`--hang-when=${trigger}`],
          heartbeat: { intervalMs: 1_000, timeoutMs: 3_000 },
          stableAfterMs: 2_000,
        },
      ],
    });
    await supervisor.start();
    const first = supervisor.whichChildren()[0]!;
    const lastPongAt = () => supervisor.stats().children[0]!.lastPong?.at;
    // A healthy child answers every ping and is never killed.
    for (let i = 0; i < 4; i++) {
      clock.advance(1_000);
      expect(await waitFor(() => lastPongAt() === clock.now())).toBe(true);
    }
    expect(supervisor.stats().children[0]!.lastPong!.telemetry.heapUsedBytes).toBeGreaterThan(0);
    const answeredAt = clock.now();
    writeFileSync(trigger, '');
    expect(await waitFor(() => existsSync(`${trigger}.hung`))).toBe(true);
    const exited = nextEvent(supervisor, 'exit');
    const ready = nextEvent(supervisor, 'ready');
    let killed = false;
    supervisor.once('exit', () => (killed = true));
    clock.advanceTo(answeredAt + 2_999);
    await sleep(50);
    expect(killed).toBe(false);
    clock.advance(1);
    const exit = await exited;
    expect(exit).toMatchObject({ name: 'hb', reason: 'heartbeat-timeout', willRestart: true });
    if (kind === 'process') expect(exit.signal).toBe('SIGKILL');
    // It had been up past stableAfterMs: restarted at once, with no more fake time.
    const again = await ready;
    expect(again.name).toBe('hb');
    if (kind === 'process') {
      expect(pidExists(first.pid!)).toBe(false);
      expect(again.pid).not.toBe(first.pid);
    } else {
      expect(again.threadId).not.toBe(first.threadId);
    }
  });
});

describe('memory limit', () => {
  it('recycles a process child whose RSS passes maxRssBytes', async () => {
    const clock = new ManualClock();
    const supervisor = supervise({
      clock,
      stableAfterMs: 0,
      shutdownTimeoutMs: 1_000,
      children: [{ name: 'hog', kind: 'process', entry: readyChild, args: ['--hog=300'], maxRssBytes: 200 * 2 ** 20 }],
    });
    const exited = nextEvent(supervisor, 'exit');
    await supervisor.start();
    const pid = pidOf(supervisor, 'hog');
    let exit: Awaited<typeof exited> | undefined;
    void exited.then((event) => (exit = event));
    // Tick the memory check until the allocation has shown up in /proc.
    for (let i = 0; i < 200 && !exit; i++) {
      clock.advance(1_000);
      await sleep(50);
    }
    expect(exit).toMatchObject({ name: 'hog', reason: 'memory-limit', willRestart: true });
    expect(exit!.rssBytes).toBeGreaterThan(200 * 2 ** 20);
    expect(pidExists(pid)).toBe(false);
  });
});

describe('graceful shutdown', () => {
  it('stops 8 children that ignore SIGTERM: each killed after its grace, every pid dead when stop() resolves', async () => {
    const supervisor = supervise({
      shutdownTimeoutMs: 300,
      children: Array.from({ length: 8 }, (_, i) => ({ name: `stubborn${i}`, kind: 'process' as const, entry: readyChild, args: ['--ignore-term'] })),
    });
    await supervisor.start();
    const pids = supervisor.whichChildren().map((child) => child.pid!);
    expect(pids.every(pidExists)).toBe(true);
    const events = record(supervisor);
    await supervisor.stop();
    expect(pids.filter(pidExists)).toEqual([]);
    const exits = events.filter(([name]) => name === 'exit').map(([, event]) => event);
    expect(exits.map((exit) => exit.name)).toEqual(Array.from({ length: 8 }, (_, i) => `stubborn${7 - i}`));
    for (const exit of exits) expect(exit).toMatchObject({ reason: 'shutdown', signal: 'SIGKILL', willRestart: false });
    expect(supervisor.countChildren()).toMatchObject({ active: 0, stopped: 8 });
  });

  it("runs a stop's grace on the supervisor's clock", async () => {
    const clock = new ManualClock();
    const supervisor = supervise({
      clock,
      shutdownTimeoutMs: 60_000,
      children: [{ name: 'stubborn', kind: 'process', entry: readyChild, args: ['--ignore-term'] }],
    });
    await supervisor.start();
    const pid = pidOf(supervisor, 'stubborn');
    const exited = nextEvent(supervisor, 'exit');
    let stopped = false;
    const stopping = supervisor.stop().then(() => (stopped = true));
    expect(clock.nextDueAt()).toBe(clock.now() + 60_000);
    await sleep(100);
    expect(stopped).toBe(false);
    expect(pidExists(pid)).toBe(true);
    clock.advance(60_000);
    await stopping;
    expect(await exited).toMatchObject({ name: 'stubborn', reason: 'shutdown', signal: 'SIGKILL' });
    expect(pidExists(pid)).toBe(false);
  });

  it('kill() ends children at once, even during a graceful stop', async () => {
    const supervisor = supervise({
      shutdownTimeoutMs: 60_000,
      children: [
        { name: 'a', kind: 'process', entry: readyChild, args: ['--ignore-term'] },
        { name: 'b', kind: 'process', entry: readyChild, args: ['--ignore-term'] },
      ],
    });
    await supervisor.start();
    const pids = supervisor.whichChildren().map((child) => child.pid!);
    const stopping = supervisor.stop();
    await supervisor.kill();
    await stopping;
    expect(pids.filter(pidExists)).toEqual([]);
  });

  it('lets a thread child stop on the shutdown envelope', async () => {
    const supervisor = supervise({ children: [{ name: 't', kind: 'thread', entry: readyChild }] });
    await supervisor.start();
    const exited = nextEvent(supervisor, 'exit');
    await supervisor.stop();
    expect(await exited).toMatchObject({ name: 't', reason: 'shutdown', exitCode: 0 });
  });
});

describe('no orphans', () => {
  it('stops the whole process group of a child with processGroup: true, its grandchildren too', async () => {
    const dir = tempDir();
    const file = join(dir, 'grandchild.pid');
    const supervisor = supervise({
      children: [{ name: 'shell', kind: 'command', argv: ['sh', '-c', `sleep 1000 & echo $! > ${file}; wait`], processGroup: true, restart: 'temporary' }],
    });
    await supervisor.start();
    expect(await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').endsWith('\n'))).toBe(true);
    const grandchild = Number(readFileSync(file, 'utf8').trim());
    expect(isAlive(grandchild)).toBe(true);
    await supervisor.terminateChild('shell');
    expect(await waitFor(() => !isAlive(grandchild), 1000)).toBe(true);
  });

  it('every child exits by itself when the master is SIGKILLed', async () => {
    const { master, line } = await startMaster('orphan-master.mjs');
    const pids = JSON.parse(line) as number[];
    expect(pids).toHaveLength(4);
    expect(pids[3]).toBe(master.pid); // the thread child lives in the master's process
    expect(pids.every(pidExists)).toBe(true);
    master.kill('SIGKILL');
    expect(await waitFor(() => pids.every((pid) => !pidExists(pid)))).toBe(true);
  });
});
