// processGroup: true (src/internal/group-reaper.ts and the process endpoint): the whole group is
// signalled, stopped after its leader's exit, and killed when the parent dies however it dies.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { describeProcess, isAlive, processesMarked, waitFor } from '@drove/test-support';
import { spawnEndpoint, type Endpoint } from '@drove/pool/transport';
import { allGone, killParent, startTree, sweep } from './orphans.js';

const forksGrandchild = new URL('./fixtures/forks-grandchild.mjs', import.meta.url);
const leftovers: number[] = [];
const started: Endpoint[] = [];

afterEach(async () => {
  for (const endpoint of started.splice(0)) await endpoint.stop({ graceMs: 0 });
  sweep(leftovers.splice(0));
});

/** A group leader with a `sleep 1000` grandchild; resolves with both pids. */
async function groupWithGrandchild(kind: 'process' | 'command'): Promise<{ endpoint: Endpoint; leader: number; grandchild: number }> {
  const endpoint =
    kind === 'process'
      ? spawnEndpoint({ kind, entry: forksGrandchild, stdio: 'pipe', processGroup: true })
      : spawnEndpoint({ kind, command: 'sh', args: ['-c', 'sleep 1000 & echo $!; wait'], stdio: 'pipe', processGroup: true });
  started.push(endpoint);
  const [line] = (await once(endpoint.stdout!, 'data')) as [Buffer];
  const grandchild = Number(line.toString().trim());
  leftovers.push(endpoint.pid!, grandchild);
  return { endpoint, leader: endpoint.pid!, grandchild };
}

describe('processGroup', () => {
  for (const kind of ['process', 'command'] as const) {
    it(`kill() signals every process of a ${kind} child's group`, async () => {
      const { endpoint, leader, grandchild } = await groupWithGrandchild(kind);
      expect(isAlive(grandchild)).toBe(true);
      endpoint.kill('SIGTERM');
      expect(await endpoint.exited).toMatchObject({ signal: 'SIGTERM' });
      expect(await allGone([leader, grandchild])).toBe(true);
    });

    it(`stop() leaves no process of a ${kind} child's group`, async () => {
      const { endpoint, leader, grandchild } = await groupWithGrandchild(kind);
      await endpoint.stop({ graceMs: 2000 });
      expect(isAlive(leader)).toBe(false);
      expect(await allGone([grandchild])).toBe(true);
    });
  }

  it('stop() kills what is left of the group after its leader exited by itself', async () => {
    const endpoint = spawnEndpoint({ kind: 'command', command: 'sh', args: ['-c', 'sleep 1000 & echo $!'], stdio: 'pipe', processGroup: true });
    started.push(endpoint);
    const [line] = (await once(endpoint.stdout!, 'data')) as [Buffer];
    const grandchild = Number(line.toString().trim());
    leftovers.push(grandchild);
    expect(await endpoint.exited).toMatchObject({ exitCode: 0 });
    expect(isAlive(grandchild)).toBe(true);
    await endpoint.stop({ graceMs: 2000 });
    expect(await allGone([grandchild])).toBe(true);
  });

  it('stop() of a group escalates to SIGKILL for a member that ignores SIGTERM', async () => {
    const endpoint = spawnEndpoint({
      kind: 'command',
      command: 'sh',
      args: ['-c', `${process.execPath} -e "process.on('SIGTERM', () => {}); console.log(process.pid); setInterval(() => {}, 1000)" & wait`],
      stdio: 'pipe',
      processGroup: true,
    });
    started.push(endpoint);
    const [line] = (await once(endpoint.stdout!, 'data')) as [Buffer];
    const stubborn = Number(line.toString().trim());
    leftovers.push(endpoint.pid!, stubborn);
    await endpoint.stop({ graceMs: 300 });
    expect(await allGone([endpoint.pid!, stubborn])).toBe(true);
  });

  it('kill() of a child without processGroup leaves its grandchild (only the group option reaches it)', async () => {
    const endpoint = spawnEndpoint({ kind: 'command', command: 'sh', args: ['-c', 'sleep 1000 & echo $!; wait'], stdio: 'pipe' });
    started.push(endpoint);
    const [line] = (await once(endpoint.stdout!, 'data')) as [Buffer];
    const grandchild = Number(line.toString().trim());
    leftovers.push(grandchild);
    endpoint.kill();
    await endpoint.exited;
    expect(isAlive(grandchild)).toBe(true);
  });

  it('kills every process of every group within 1 s of the parent being SIGKILLed', async () => {
    const tree = await startTree([
      { kind: 'process', entry: './forks-grandchild.mjs', processGroup: true },
      { kind: 'command', command: 'sh', args: ['-c', 'sleep 1000 & echo $!; wait'], processGroup: true },
      { kind: 'command', command: 'sh', args: ['-c', 'sleep 1000 & echo $!'], processGroup: true },
    ]);
    const pids = [...tree.children, ...tree.lines];
    leftovers.push(...pids);
    expect(tree.lines.every(isAlive)).toBe(true);
    await killParent(tree);
    expect(await allGone(pids)).toBe(true);
  });

  it('a grandchild that leaves the group (setsid) escapes it, as documented', async () => {
    // The grandchild prints its pid only once it has left the group.
    const tree = await startTree([{ kind: 'command', command: 'sh', args: ['-c', "setsid sh -c 'echo $$; exec sleep 1000' & wait"], processGroup: true }]);
    leftovers.push(...tree.children, ...tree.lines);
    await killParent(tree);
    expect(await allGone(tree.children)).toBe(true);
    expect(isAlive(tree.lines[0]!)).toBe(true);
  });

  // The parent dies inside spawnEndpoint, after the leader's spawn() returned and before the transport's
  // next line, once the leader has gone as far as it can by itself: a leader that ran on unlisted would
  // have started its grandchildren by then, and the watcher, never told of the group, would leave them.
  for (const setpriv of ['setpriv', 'no setpriv'] as const) {
    for (const spec of [
      { kind: 'command', command: 'sh', args: ['-c', 'sleep 1000 & sleep 1000 & wait'] },
      { kind: 'process', entry: './forks-grandchild.mjs' },
    ] as const) {
      it(`a ${spec.kind} leader whose parent dies right after its spawn, before the group is listed, leaves nothing (${setpriv})`, async () => {
        const marker = `drove-pool-unlisted-group-${process.pid}-${spec.kind}-${setpriv.replace(' ', '-')}`;
        const parent = spawn(process.execPath, [new URL('./fixtures/dies-after-group-spawn.mjs', import.meta.url).pathname, JSON.stringify({ ...spec, processGroup: true })], {
          stdio: 'ignore',
          env: { ...process.env, DROVE_TEST_MARK: marker, ...(setpriv === 'setpriv' ? {} : { DROVE_SETPRIV: '' }) },
        });
        const [, signal] = (await once(parent, 'exit')) as [number | null, NodeJS.Signals | null];
        // Killed by itself at the hook, not exited: the hook found the leader's spawn.
        expect(signal).toBe('SIGKILL');
        const gone = await waitFor(() => processesMarked(marker).length === 0, { deadlineMs: 1000 });
        const left = gone ? [] : processesMarked(marker);
        leftovers.push(...left);
        expect(left.map(describeProcess)).toEqual([]);
      });
    }
  }

  for (const ipc of [false, true]) {
    it(`a group leader's command gets the descriptors a lone command gets: its gate is closed before it runs (ipc: ${ipc})`, async () => {
      const fds = async (processGroup: boolean): Promise<string> => {
        const endpoint = spawnEndpoint({ kind: 'command', command: 'sh', args: ['-c', 'ls /proc/$$/fd'], stdio: 'pipe', ipc, processGroup });
        started.push(endpoint);
        let out = '';
        endpoint.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
        await endpoint.closed;
        return out;
      };
      const lone = await fds(false);
      expect(lone.split('\n')).toContain(ipc ? '3' : '2');
      expect(await fds(true)).toBe(lone);
    });
  }
});
