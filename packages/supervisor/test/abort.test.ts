import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, InvalidSpecError, type ChildSpec } from '@drove/supervisor';
import { pidExists } from '@drove/test-support';
import { killAll, neverReady, nextEvent, pidOf, readyChild, supervise, waitFor } from './helpers.js';

afterEach(killAll);

/** A process child that is ready only while `gate.open` is true (a readiness probe the test controls). */
function gated(name: string, gate: { open: boolean }): ChildSpec {
  return { name, kind: 'process', entry: readyChild, readiness: { probe: () => gate.open }, probeIntervalMs: 10 };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function expectAbort(error: unknown, reason: unknown): void {
  expect(error).toBeInstanceOf(AbortError);
  expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
  expect((error as Error).cause).toBe(reason);
}

describe('signal', () => {
  it('start(): an abort stops what was started and rejects with ABORT_ERR', async () => {
    const supervisor = supervise({ children: [{ name: 'first', kind: 'process', entry: readyChild }, { name: 'stuck', kind: 'process', entry: neverReady }] });
    const controller = new AbortController();
    const firstReady = nextEvent(supervisor, 'ready', (event) => event.name === 'first');
    const stuckSpawned = nextEvent(supervisor, 'spawn', (event) => event.name === 'stuck');
    const starting = supervisor.start({ signal: controller.signal });
    const first = (await firstReady).pid!;
    const stuck = (await stuckSpawned).pid!;
    const reason = new Error('the caller gave up');
    controller.abort(reason);
    expectAbort(await rejection(starting), reason);
    // Nothing it started outlives the rejection.
    expect(pidExists(first)).toBe(false);
    expect(pidExists(stuck)).toBe(false);
    expect(supervisor.state).toBe('stopped');
    expect(supervisor.countChildren().active).toBe(0);
    expectAbort(await rejection(supervisor.onStopped()), reason);
  });

  it('start(): an already aborted signal starts nothing', async () => {
    const supervisor = supervise({ children: [{ name: 'first', kind: 'process', entry: readyChild }] });
    let spawned = 0;
    supervisor.on('spawn', () => spawned++);
    expect(await rejection(supervisor.start({ signal: AbortSignal.abort() }))).toMatchObject({ code: 'ABORT_ERR' });
    expect(spawned).toBe(0);
    expect(supervisor.state).toBe('idle');
    // The supervisor can still be started.
    await supervisor.start();
    expect(supervisor.whichChildren()[0]!.state).toBe('running');
  });

  it('startChild(): an abort stops the child and removes its spec', async () => {
    const supervisor = supervise({ children: [] });
    await supervisor.start();
    const controller = new AbortController();
    const spawned = nextEvent(supervisor, 'spawn');
    const starting = supervisor.startChild({ name: 'stuck', kind: 'process', entry: neverReady }, { signal: controller.signal });
    const pid = (await spawned).pid!;
    controller.abort();
    expect(await rejection(starting)).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect(pidExists(pid)).toBe(false);
    expect(supervisor.whichChildren()).toEqual([]);
    // A finished start is not undone by a later abort.
    const late = new AbortController();
    const info = await supervisor.startChild({ name: 'fine', kind: 'process', entry: readyChild }, { signal: late.signal });
    late.abort();
    expect(supervisor.whichChildren()).toEqual([expect.objectContaining({ name: 'fine', state: 'running', pid: info.pid })]);
    expect(pidExists(info.pid!)).toBe(true);
  });

  it('restartChild(): an abort stops the child again and keeps its spec', async () => {
    const gate = { open: true };
    const supervisor = supervise({ children: [gated('web', gate)] });
    await supervisor.start();
    await supervisor.terminateChild('web');
    gate.open = false;
    const controller = new AbortController();
    const spawned = nextEvent(supervisor, 'spawn');
    const restarting = supervisor.restartChild('web', { signal: controller.signal });
    const pid = (await spawned).pid!;
    controller.abort();
    expect(await rejection(restarting)).toMatchObject({ code: 'ABORT_ERR' });
    expect(pidExists(pid)).toBe(false);
    expect(supervisor.whichChildren()).toEqual([expect.objectContaining({ name: 'web', state: 'stopped', pid: undefined })]);
    gate.open = true;
    await supervisor.restartChild('web');
    expect(supervisor.whichChildren()[0]!.state).toBe('running');
  });

  it('rollingRestart(): an abort ends the roll before its next child, leaving none down', async () => {
    const gate = { open: true };
    const supervisor = supervise({ children: [gated('a', gate), gated('b', gate)] });
    await supervisor.start();
    const b = pidOf(supervisor, 'b');
    gate.open = false;
    const controller = new AbortController();
    const respawned = nextEvent(supervisor, 'spawn', (event) => event.name === 'a');
    const rolling = supervisor.rollingRestart({ signal: controller.signal });
    const newA = (await respawned).pid!;
    controller.abort();
    gate.open = true;
    expect(await rejection(rolling)).toMatchObject({ code: 'ABORT_ERR' });
    // `a` finished its restart; `b` was never rolled.
    expect(supervisor.whichChildren()).toEqual([
      expect.objectContaining({ name: 'a', state: 'running', pid: newA }),
      expect.objectContaining({ name: 'b', state: 'running', pid: b }),
    ]);
  });

  it('stop(): an abort turns the graceful stop into a kill', async () => {
    const supervisor = supervise({
      shutdownTimeoutMs: 600_000,
      children: [{ name: 'stubborn', kind: 'process', entry: readyChild, args: ['--ignore-term'] }],
    });
    await supervisor.start();
    const pid = pidOf(supervisor, 'stubborn');
    const controller = new AbortController();
    const stopping = supervisor.stop({ signal: controller.signal });
    // It ignores SIGTERM: without the abort, the stop would wait for its grace of ten minutes.
    expect(await waitFor(() => supervisor.whichChildren()[0]!.state === 'stopping')).toBe(true);
    controller.abort();
    await stopping;
    expect(pidExists(pid)).toBe(false);
    expect(supervisor.state).toBe('stopped');
  });

  it('refuses a signal that is no AbortSignal', async () => {
    const supervisor = supervise({ children: [] });
    const error = await rejection(supervisor.start({ signal: 'soon' as unknown as AbortSignal }));
    expect(error).toBeInstanceOf(InvalidSpecError);
    expect((error as InvalidSpecError).problems).toEqual(['Expected `signal` to be an AbortSignal, got `"soon"` (string)']);
  });
});
