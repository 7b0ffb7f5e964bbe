// No orphan at any point of a child's life (src/internal/parent-death.ts, src/entry/orphan-watch.ts):
// the parent runs as a separate Node process and is SIGKILLed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '@drove/test-support';
import { spawnEndpoint } from '@drove/pool/transport';
import { allGone, killParent, startTree, sweep } from './orphans.js';

const leftovers: number[] = [];
afterEach(() => sweep(leftovers.splice(0)));

const orphanWatch = fileURLToPath(new URL('../dist/entry/orphan-watch.cjs', import.meta.url));

describe('a child whose parent is SIGKILLed exits by itself within 1 s', () => {
  it('while idle, with its event loop blocked, as a command, and as a Node command with IPC', async () => {
    const tree = await startTree([
      { kind: 'process', entry: './idle-child.mjs' },
      { kind: 'process', entry: './blocked-child.mjs' },
      { kind: 'process', entry: './blocked-child.mjs', serialization: 'json' },
      { kind: 'command', command: 'sh', args: ['-c', 'echo $$; exec sleep 1000'] },
      { kind: 'command', command: process.execPath, args: [fileURLToPath(new URL('./fixtures/blocked-child.mjs', import.meta.url))], ipc: true },
    ]);
    leftovers.push(...tree.children);
    // Each child printed its own pid: setpriv and the parent check exec in place, so the endpoint's pid is the program's.
    expect(tree.lines).toEqual(tree.children);
    expect(tree.children.every(isAlive)).toBe(true);
    await killParent(tree);
    expect(await allGone(tree.children)).toBe(true);
  });

  it('without a parent-death signal (DROVE_SETPRIV=""), an idle Node child still leaves once its parent is gone', async () => {
    const tree = await startTree([{ kind: 'process', entry: './idle-child.mjs' }], { ...process.env, DROVE_SETPRIV: '' });
    leftovers.push(...tree.children);
    await killParent(tree);
    expect(await allGone(tree.children)).toBe(true);
  });

  it('a child spawned from a worker thread dies with its parent process', async () => {
    const parent = spawn(process.execPath, [new URL('./fixtures/thread-spawner-parent.mjs', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const pid = Number(line.toString().trim());
    leftovers.push(pid, parent.pid as number);
    expect(isAlive(pid)).toBe(true);
    const exited = once(parent, 'exit');
    parent.kill('SIGKILL');
    await exited;
    expect(await allGone([pid], 5000)).toBe(true);
  });

  it("leaves a command's environment as it was given (the guard's sh adds no PWD)", async () => {
    const read = async (env: NodeJS.ProcessEnv): Promise<string[]> => {
      const endpoint = spawnEndpoint({ kind: 'command', command: 'env', env, cwd: '/', stdio: 'pipe' });
      let out = '';
      endpoint.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await endpoint.closed;
      return out.trim().split('\n').sort();
    };
    expect(await read({ PATH: '/usr/bin:/bin', ADDED: 'yes' })).toEqual(['ADDED=yes', 'PATH=/usr/bin:/bin']);
    expect(await read({ PATH: '/usr/bin:/bin', PWD: '/given' })).toEqual(['PATH=/usr/bin:/bin', 'PWD=/given']);
  });

  it('a Node child whose parent died before the preload ran never reaches its first line', async () => {
    // As if the parent had died between the fork and setpriv's prctl: the child's ppid is not the one it was told.
    const child = spawn(process.execPath, ['--require', orphanWatch, '-e', 'console.log("first line ran")'], {
      env: { ...process.env, DROVE_PARENT: '1:pdeathsig' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [exitCode, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ exitCode, signal, output }).toEqual({ exitCode: null, signal: 'SIGKILL', output: '' });
  });

  it("the preload leaves nothing for the child's own forks to inherit (no environment value, no execArgv entry)", async () => {
    const endpoint = spawnEndpoint({ kind: 'process', entry: new URL('./fixtures/reports-argv.mjs', import.meta.url), execArgv: ['--no-warnings'] });
    const message = await new Promise((resolve) => endpoint.once('message', resolve));
    await endpoint.exited;
    expect(message).toEqual({ execArgv: ['--no-warnings'], parent: null });
  });
});
