import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@drove/pool/clock';
import { spawnEndpoint } from '@drove/pool/transport';
import { pidExists } from '@drove/test-support';

describe('spawnEndpoint options', () => {
  it("reports the exit when the process exits, even while a grandchild still holds its stdout", async () => {
    const child = spawnEndpoint({ kind: 'process', entry: new URL('./fixtures/grandparent.mjs', import.meta.url), stdio: 'pipe' });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const grandchild = Number(line.toString().trim());
    let closed = false;
    void child.closed.then(() => (closed = true));
    const exit = await child.exited;
    expect(exit.exitCode).toBe(0);
    expect(pidExists(grandchild)).toBe(true);
    expect(closed).toBe(false); // the grandchild still holds the pipe
    process.kill(grandchild, 'SIGKILL');
    await child.closed;
  });

  it("emits 'spawn' with the pid, and gives a stdin pipe only when asked", async () => {
    const child = spawnEndpoint({
      kind: 'command',
      command: process.execPath,
      args: ['-e', 'process.stdin.pipe(process.stdout)'],
      stdio: 'pipe',
      stdin: 'pipe',
    });
    const spawned = await new Promise<{ pid: number | undefined }>((resolve) => child.once('spawn', resolve));
    expect(spawned.pid).toBe(child.pid);
    child.stdin!.end('echoed through stdin');
    const [data] = (await once(child.stdout!, 'data')) as [Buffer];
    expect(data.toString()).toBe('echoed through stdin');
    await child.exited;
    const without = spawnEndpoint({ kind: 'command', command: process.execPath, args: ['-e', ''], stdio: 'pipe' });
    expect(without.stdin).toBeNull();
    await without.exited;
  });

  it('hands a socket to a child, keeps the parent copy open with keepOpen, and says when it was sent', async () => {
    const child = spawnEndpoint({
      kind: 'process',
      entry: new URL('./fixtures/sigterm-child.mjs', import.meta.url),
    });
    let reportSent: (error: Error | null) => void = () => {};
    const sent = new Promise<Error | null>((resolve) => (reportSent = resolve));
    const server = createServer((socket) => {
      child.send({ take: true }, { handle: socket, keepOpen: true, onSent: reportSent });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { createConnection } = await import('node:net');
    const client = createConnection((server.address() as AddressInfo).port, '127.0.0.1');
    expect(await sent).toBeNull();
    client.destroy();
    server.close();
    await child.stop({ graceMs: 1000 });
  });

  it('runs the grace of a stop on the given clock', async () => {
    const clock = new ManualClock();
    const child = spawnEndpoint({ kind: 'process', entry: new URL('./fixtures/sigterm-ignoring-child.mjs', import.meta.url) });
    await new Promise((resolve) => child.once('message', resolve)); // its SIGTERM handler is in place
    let settled = false;
    const stopped = child.stop({ graceMs: 60_000, clock }).then((exit) => {
      settled = true;
      return exit;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    expect(child.alive).toBe(true);
    clock.advance(60_000);
    expect((await stopped).signal).toBe('SIGKILL');
  });

  it('refuses a socket handle for a thread', () => {
    const thread = spawnEndpoint({ kind: 'thread', entry: new URL('./fixtures/echo-thread.mjs', import.meta.url) });
    const server = createServer();
    expect(() => thread.send({}, { handle: server })).toThrow(TypeError);
    return thread.stop();
  });
});
