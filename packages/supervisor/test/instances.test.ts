import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { connect, InvalidSpecError, Supervisor, type ChildSpec, type ExitEvent } from '@drove/supervisor';
import { fixture, killAll, readyChild, supervise } from './helpers.js';

afterEach(killAll);
afterAll(removeTempDirs);

const web = (instances: number | 'max'): ChildSpec => ({ name: 'web', kind: 'process', entry: fixture('instance-child.mjs'), instances });

async function get(url: string): Promise<string> {
  return (await fetch(url)).text();
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('instances', () => {
  it('runs N copies named web#0…, numbered in their environment, all accepting on the shared socket', async () => {
    const dir = makeTempDir('drove-instances-');
    const supervisor = supervise({ logs: { dir }, sockets: { http: { port: 0 } }, children: [web(3), { name: 'jobs', kind: 'process', entry: readyChild }] });
    await supervisor.start();
    expect(supervisor.whichChildren().map((child) => [child.name, child.state])).toEqual([
      ['web#0', 'running'],
      ['web#1', 'running'],
      ['web#2', 'running'],
      ['jobs', 'running'],
    ]);
    expect(supervisor.stats().children.map((child) => [child.group, child.instance])).toEqual([
      ['web', 0],
      ['web', 1],
      ['web', 2],
      [undefined, undefined],
    ]);
    const answer = await get(`http://127.0.0.1:${supervisor.address('http')!.port}/`);
    expect(answer).toMatch(/^web#(\d) (\d) (\d) \d+$/);
    await supervisor.stop();
    for (const index of [0, 1, 2]) {
      expect(readFileSync(join(dir, `web#${index}.log`), 'utf8')).toMatch(new RegExp(`out web#${index} listening as instance ${index} \\(NODE_APP_INSTANCE ${index}\\)\\n`));
    }
  });

  it("takes 'max': one copy per core this machine offers", () => {
    const supervisor = new Supervisor({ children: [web('max')] });
    expect(supervisor.whichChildren()).toHaveLength(availableParallelism());
  });

  it('scales up with the lowest free numbers and down newest first, each stopped copy gone for good', async () => {
    const supervisor = supervise({ sockets: { http: { port: 0 } }, children: [web(2)] });
    await supervisor.start();
    const up = await supervisor.scale('web', 4);
    expect(up.map((child) => [child.name, child.state])).toEqual([
      ['web#0', 'running'],
      ['web#1', 'running'],
      ['web#2', 'running'],
      ['web#3', 'running'],
    ]);
    const pids = new Map(up.map((child) => [child.name, child.pid!]));
    const exits: ExitEvent[] = [];
    supervisor.on('exit', (event) => exits.push(event));
    const down = await supervisor.scale('web', 1);
    expect(down.map((child) => child.name)).toEqual(['web#0']);
    expect(exits.map((exit) => [exit.name, exit.reason, exit.willRestart])).toEqual([
      ['web#3', 'shutdown', false],
      ['web#2', 'shutdown', false],
      ['web#1', 'shutdown', false],
    ]);
    for (const name of ['web#1', 'web#2', 'web#3']) expect(pidExists(pids.get(name)!)).toBe(false);
    expect(supervisor.whichChildren().map((child) => child.name)).toEqual(['web#0']);
    expect(pidExists(pids.get('web#0')!)).toBe(true);

    expect((await supervisor.scale('web', 2)).map((child) => child.name)).toEqual(['web#0', 'web#1']);
    expect(await supervisor.scale('web', 0)).toEqual([]);
    expect(supervisor.whichChildren()).toEqual([]);
    expect((await supervisor.scale('web', 1)).map((child) => [child.name, child.state])).toEqual([['web#0', 'running']]);
  });

  it('runs scales one after the other', async () => {
    const supervisor = supervise({ sockets: { http: { port: 0 } }, children: [web(1)] });
    await supervisor.start();
    const [first, second] = await Promise.all([supervisor.scale('web', 3), supervisor.scale('web', 2)]);
    expect(first.map((child) => child.name)).toEqual(['web#0', 'web#1', 'web#2']);
    expect(second.map((child) => child.name)).toEqual(['web#0', 'web#1']);
  });

  it('refuses what it cannot do, with codes', async () => {
    const supervisor = supervise({ sockets: { http: { port: 0 } }, children: [web(1), { name: 'jobs', kind: 'process', entry: readyChild }] });
    await supervisor.start();
    expect(await rejection(supervisor.scale('jobs', 2))).toMatchObject({ code: 'ERR_SUPERVISOR_UNKNOWN_CHILD', message: 'No group of instances named `jobs` (groups: `web`)' });
    expect(await rejection(supervisor.scale('web', -1))).toMatchObject({ code: 'ERR_SUPERVISOR_INVALID_SPEC' });
    expect(await rejection(supervisor.scale('web', 1.5))).toBeInstanceOf(InvalidSpecError);
    expect(await rejection(supervisor.startChild(web(2)))).toMatchObject({ code: 'ERR_SUPERVISOR_INVALID_SPEC' });
    await supervisor.stop();
    expect(await rejection(supervisor.scale('web', 2))).toMatchObject({ code: 'ERR_SUPERVISOR_STOPPED' });
  });

  it('validates instances and the copies names', () => {
    const problems = (children: ChildSpec[]): readonly string[] => {
      try {
        new Supervisor({ children });
      } catch (error) {
        return (error as InvalidSpecError).problems;
      }
      return [];
    };
    expect(problems([web(0)])).toEqual([expect.stringMatching(/^Expected `children\[0\]\.instances` to be an integer >= 1.*, got `0` \(number\)$/)]);
    expect(problems([{ ...web(2), name: 'web#a' }])).toEqual(['Expected `children[0].name` to have no `#` with `instances` (its copies are named `web#a#0` …), got `"web#a"`']);
    expect(problems([{ name: 'web#1', kind: 'process', entry: readyChild }, web(2)])).toEqual(["Expected `children[1]`'s copy `web#1` to have a name of its own, got it a second time"]);
  });

  it('scales through the control socket, and status numbers the copies', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, sockets: { http: { port: 0 } }, children: [web(1)] });
    await supervisor.start();
    const client = await connect(runFolder);
    try {
      const scaled = await client.scale('web', 3);
      expect(scaled.group).toBe('web');
      expect(scaled.children.map((child) => [child.name, child.state])).toEqual([
        ['web#0', 'running'],
        ['web#1', 'running'],
        ['web#2', 'running'],
      ]);
      expect((await client.status()).children.map((child) => [child.name, child.group, child.instance])).toEqual([
        ['web#0', 'web', 0],
        ['web#1', 'web', 1],
        ['web#2', 'web', 2],
      ]);
      expect((await client.scale('web', 1)).children.map((child) => child.name)).toEqual(['web#0']);
      expect(await rejection(client.scale('nope', 1))).toMatchObject({ code: 'ERR_SUPERVISOR_UNKNOWN_CHILD' });
    } finally {
      client.close();
    }
  });
});

describe('scale, aborted', () => {
  it('ends before its next copy: the copy being started finishes, none after it starts', async () => {
    const supervisor = supervise({ sockets: { http: { port: 0 } }, children: [web(1)] });
    await supervisor.start();
    const abort = new AbortController();
    supervisor.once('ready', () => abort.abort());
    const error = await rejection(supervisor.scale('web', 4, { signal: abort.signal }));
    expect(error).toMatchObject({ code: 'ABORT_ERR' });
    // web#1 was starting when the abort came: it finished; web#2 and web#3 never started.
    expect(supervisor.whichChildren().map((child) => [child.name, child.state])).toEqual([
      ['web#0', 'running'],
      ['web#1', 'running'],
    ]);
  });
});

describe('a group named through the control socket', () => {
  it('restarts its copies one at a time, stops them newest first, starts them again, and merges their logs', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, logs: {}, sockets: { http: { port: 0 } }, children: [web(3)] });
    await supervisor.start();
    const client = await connect(runFolder);
    try {
      const before = supervisor.whichChildren().map((child) => child.pid);
      const order: string[] = [];
      supervisor.on('exit', ({ name }) => order.push(`${name} exit`));
      supervisor.on('ready', ({ name }) => order.push(`${name} ready`));
      const restarted = await client.restart('web');
      expect(restarted.map((child) => [child.name, child.state])).toEqual([
        ['web#0', 'running'],
        ['web#1', 'running'],
        ['web#2', 'running'],
      ]);
      expect(restarted.every((child) => !before.includes(child.pid ?? undefined))).toBe(true);
      // One at a time: each new copy ready before the next old one stops.
      expect(order).toEqual(['web#0 exit', 'web#0 ready', 'web#1 exit', 'web#1 ready', 'web#2 exit', 'web#2 ready']);

      order.length = 0;
      expect((await client.stop('web')).map((child) => child.state)).toEqual(['stopped', 'stopped', 'stopped']);
      expect(order).toEqual(['web#2 exit', 'web#1 exit', 'web#0 exit']);
      expect((await client.start('web')).map((child) => child.state)).toEqual(['running', 'running', 'running']);

      // Each copy said it listens at each start: 2 lines each in its own file, 6 in the group's.
      const lines = await client.logs('web', { lines: 100 });
      expect(lines).toHaveLength(9);
      for (const index of [0, 1, 2]) {
        expect(lines.filter((line) => line.startsWith(`web#${index} | `))).toHaveLength(3);
      }
      const times = lines.map((line) => line.split(' | ')[1]!.slice(0, 24));
      expect(times).toEqual([...times].sort());
      expect(await client.logs('web#1', { lines: 1 })).toEqual([expect.stringMatching(/^\S+Z out web#1 listening as instance 1 /)]);
    } finally {
      client.close();
    }
  });
});
