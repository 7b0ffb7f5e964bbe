import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnEndpoint, type Endpoint, type ExitInfo, type SpawnSpec } from '@drove/pool/transport';

const stubborn = new URL('./fixtures/sigterm-ignoring-child.mjs', import.meta.url);
const cooperative = new URL('./fixtures/sigterm-child.mjs', import.meta.url);
const threadEcho = new URL('./fixtures/echo-thread.mjs', import.meta.url);
const threadThrows = new URL('./fixtures/throwing-thread.mjs', import.meta.url);

const started: Endpoint[] = [];

/** Spawns an endpoint that afterEach kills if the test left it running. */
function spawn(spec: SpawnSpec): Endpoint {
  const endpoint = spawnEndpoint(spec);
  started.push(endpoint);
  return endpoint;
}

afterEach(async () => {
  for (const endpoint of started.splice(0)) {
    if (endpoint.alive) endpoint.kill();
    await endpoint.exited;
  }
});

function nextMessage(endpoint: Endpoint): Promise<unknown> {
  return new Promise((resolve) => endpoint.once('message', resolve));
}

function readAll(stream: Readable | null): Promise<string> {
  if (!stream) return Promise.reject(new Error('no stream'));
  stream.setEncoding('utf8');
  let text = '';
  stream.on('data', (chunk: string) => {
    text += chunk;
  });
  return new Promise((resolve, reject) => {
    stream.once('end', () => resolve(text));
    stream.once('error', reject);
  });
}

/** Counts the endpoint's 'exit' events. */
function countExits(endpoint: Endpoint): () => number {
  let count = 0;
  endpoint.on('exit', () => count++);
  return () => count;
}

describe('spawnEndpoint: process', () => {
  it('kills a child that ignores SIGTERM with SIGKILL once the grace is over', async () => {
    const child = spawn({ kind: 'process', entry: stubborn, stdio: 'ignore' });
    const exits = countExits(child);
    expect(child.kind).toBe('process');
    expect(child.pid).toBeGreaterThan(0);
    expect(child.threadId).toBe(0);
    // Wait until its SIGTERM handler is installed.
    expect(await nextMessage(child)).toBe('ready');
    expect(child.alive).toBe(true);

    const exit = await child.stop({ graceMs: 300 });
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.exitCode).toBeNull();
    expect(child.alive).toBe(false);
    expect(child.exitInfo).toEqual(exit);
    expect(await child.exited).toBe(exit);
    // A second stop() is safe and reports the same exit.
    expect(await child.stop({ graceMs: 300 })).toBe(exit);
    expect(exits()).toBe(1);
  });

  it('lets a cooperative child end on SIGTERM', async () => {
    const child = spawn({ kind: 'process', entry: cooperative, stdio: 'ignore' });
    expect(await nextMessage(child)).toBe('ready');
    const exit = await child.stop({ graceMs: 20_000 });
    expect(exit.signal === 'SIGTERM' || exit.exitCode === 0).toBe(true);
    expect(exit.signal).not.toBe('SIGKILL');
    expect(child.alive).toBe(false);
  });

  it('carries messages over IPC with advanced serialization', async () => {
    const child = spawn({ kind: 'process', entry: cooperative, stdio: 'ignore' });
    expect(await nextMessage(child)).toBe('ready');
    const reply = nextMessage(child);
    const message = { big: 10n ** 20n, map: new Map([['k', new Set([1, 2])]]), when: new Date(7), bytes: new Uint8Array([1, 2, 3]) };
    child.send(message);
    expect(await reply).toEqual({ echo: message, pid: child.pid });
  });

  it('throws synchronously when sending a value that cannot be cloned', async () => {
    const child = spawn({ kind: 'process', entry: cooperative, stdio: 'ignore' });
    expect(await nextMessage(child)).toBe('ready');
    expect(() => child.send({ fn: () => 1 })).toThrow();
    // The channel still works afterwards.
    const reply = nextMessage(child);
    child.send('still here');
    expect(await reply).toEqual({ echo: 'still here', pid: child.pid });
  });

  it('pipes a forked child stdout with stdio: pipe', async () => {
    const child = spawn({ kind: 'process', entry: cooperative, args: ['--print'], stdio: 'pipe' });
    expect(child.stdout).not.toBeNull();
    const firstChunk = new Promise<string>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8'))));
    expect(await firstChunk).toBe('child says hello\n');
    await child.stop({ graceMs: 20_000 });
    expect(child.alive).toBe(false);
  });

  it('refuses to send once the child has exited', async () => {
    const child = spawn({ kind: 'process', entry: cooperative, stdio: 'ignore' });
    expect(await nextMessage(child)).toBe('ready');
    child.kill();
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(() => child.send('too late')).toThrow(expect.objectContaining({ code: 'ERR_IPC_CHANNEL_CLOSED' }));
  });
});

describe('spawnEndpoint: thread', () => {
  it('round-trips messages with a worker thread', async () => {
    const thread = spawn({ kind: 'thread', entry: threadEcho, workerData: { role: 'echo' } });
    const exits = countExits(thread);
    expect(thread.kind).toBe('thread');
    expect(thread.pid).toBe(process.pid);
    expect(thread.threadId).toBeGreaterThan(0);
    const reply = nextMessage(thread);
    thread.send({ n: 1, list: [1, 2, 3] });
    expect(await reply).toEqual({ echo: { n: 1, list: [1, 2, 3] }, threadId: thread.threadId, workerData: { role: 'echo' } });

    // Transferred buffers move to the thread.
    const buffer = new ArrayBuffer(8);
    const second = nextMessage(thread);
    thread.send({ buffer }, { transfer: [buffer] });
    expect(buffer.byteLength).toBe(0);
    expect(((await second) as { echo: { buffer: ArrayBuffer } }).echo.buffer.byteLength).toBe(8);

    expect(thread.alive).toBe(true);
    const exit = await thread.stop({ graceMs: 1000 });
    expect(thread.alive).toBe(false);
    expect(exit.signal).toBeNull();
    expect(typeof exit.exitCode).toBe('number');
    expect(await thread.exited).toBe(exit);
    expect(exits()).toBe(1);
  });

  it('reports the uncaught error a thread died of', async () => {
    const thread = spawn({ kind: 'thread', entry: threadThrows });
    const exit: ExitInfo = await thread.exited;
    expect(exit.exitCode).toBe(1);
    expect(exit.error).toBeInstanceOf(RangeError);
    expect(exit.error?.message).toBe('thread broke');
    expect(thread.alive).toBe(false);
  });
});

describe('spawnEndpoint: command', () => {
  it('captures stdout and stderr with stdio: pipe and reports the exit code', async () => {
    const command = spawn({
      kind: 'command',
      command: process.execPath,
      args: ['-e', 'process.stdout.write("out: " + process.argv[1]); process.stderr.write("err!"); process.exitCode = 3', 'hello'],
      stdio: 'pipe',
    });
    const exits = countExits(command);
    expect(command.kind).toBe('command');
    const [stdout, stderr, exit] = await Promise.all([readAll(command.stdout), readAll(command.stderr), command.exited]);
    expect(stdout).toBe('out: hello');
    expect(stderr).toBe('err!');
    expect(exit.exitCode).toBe(3);
    expect(exit.signal).toBeNull();
    expect(command.alive).toBe(false);
    expect(command.exitInfo).toEqual(exit);
    // exited resolves once, to the same exit, however often it is awaited.
    expect(await command.exited).toBe(exit);
    expect(await command.exited).toBe(exit);
    expect(exits()).toBe(1);
  });

  it('passes the environment it is given', async () => {
    const command = spawn({
      kind: 'command',
      command: process.execPath,
      args: ['-e', 'process.stdout.write(String(process.env.DROVE_H_VALUE))'],
      env: { ...process.env, DROVE_H_VALUE: 'from-the-parent' },
      stdio: 'pipe',
    });
    const [stdout] = await Promise.all([readAll(command.stdout), command.exited]);
    expect(stdout).toBe('from-the-parent');
  });

  it('has no streams with stdio: ignore', async () => {
    const command = spawn({ kind: 'command', command: process.execPath, args: ['-e', 'console.log("dropped")'], stdio: 'ignore' });
    expect(command.stdout).toBeNull();
    expect(command.stderr).toBeNull();
    expect((await command.exited).exitCode).toBe(0);
  });

  it('carries IPC messages to a Node command with ipc: true', async () => {
    const command = spawn({
      kind: 'command',
      command: process.execPath,
      args: ['-e', 'process.on("message", (m) => { process.send({ got: m }); process.disconnect(); })'],
      ipc: true,
      stdio: 'ignore',
    });
    const reply = nextMessage(command);
    command.send({ hi: 1 });
    expect(await reply).toEqual({ got: { hi: 1 } });
    expect((await command.exited).exitCode).toBe(0);
  });

  it('reports a command that cannot be spawned through exited, with the error', async () => {
    const command = spawn({ kind: 'command', command: '/nonexistent/drove-h-command', stdio: 'ignore' });
    const exit = await command.exited;
    expect(exit.exitCode).toBeNull();
    expect((exit.error as NodeJS.ErrnoException | undefined)?.code).toBe('ENOENT');
    expect(command.alive).toBe(false);
  });

  it('stops a long-running command with SIGTERM', async () => {
    const command = spawn({
      kind: 'command',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000); process.stdout.write("up")'],
      stdio: 'pipe',
    });
    await new Promise((resolve) => command.stdout!.once('data', resolve));
    const exit = await command.stop({ graceMs: 20_000 });
    expect(exit.signal).toBe('SIGTERM');
    expect(command.alive).toBe(false);
  });
});

describe('spawnEndpoint: spec', () => {
  it('refuses an unknown kind', () => {
    expect(() => spawnEndpoint({ kind: 'fiber' } as unknown as SpawnSpec)).toThrow(TypeError);
    expect(() => spawnEndpoint({ kind: 'fiber' } as unknown as SpawnSpec)).toThrow('Unknown spawn kind: fiber');
  });
});
