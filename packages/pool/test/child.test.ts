import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { envelope, isEnvelope, type Envelope } from '@drove/pool/envelope';
import { connectionHandle, readConnectionHead, spawnEndpoint, type Endpoint } from '@drove/pool/transport';

const children: Endpoint[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop({ graceMs: 1000 })));
  for (const server of servers.splice(0)) server.close();
});

function spawnChild(fixture: string): Endpoint {
  const child = spawnEndpoint({ kind: 'process', entry: new URL(`./fixtures/${fixture}`, import.meta.url) });
  children.push(child);
  return child;
}

function nextEnvelope<T extends Envelope['type']>(child: Endpoint, type: T): Promise<Extract<Envelope, { type: T }>> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      if (!isEnvelope(message) || message.type !== type) return;
      child.off('message', listener);
      resolve(message as Extract<Envelope, { type: T }>);
    };
    child.on('message', listener);
  });
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

/** A listening socket the parent owns, lent to a child that asks for it by name. */
async function lendSocket(child: Endpoint, name: string): Promise<number> {
  const socket = createServer();
  servers.push(socket);
  await new Promise<void>((resolve) => socket.listen(0, '127.0.0.1', resolve));
  child.on('message', (message) => {
    if (isEnvelope(message) && message.type === 'listen' && message.name === name) {
      child.send(envelope('listen-handle', { name }), { handle: socket });
    }
    // The child accepts now: the parent's copy would otherwise take a share of the connections.
    if (isEnvelope(message) && message.type === 'listening' && message.name === name) socket.close();
  });
  return (socket.address() as AddressInfo).port;
}

describe('@drove/pool/child', () => {
  it('a child accepts on a socket its parent owns, says ready, answers ping, and stops on shutdown', async () => {
    const child = spawnChild('server-child.mjs');
    const port = await lendSocket(child, 'web');
    const listening = nextEnvelope(child, 'listening');
    const ready = nextEnvelope(child, 'ready');
    expect(await listening).toMatchObject({ name: 'web' });
    expect(await ready).toMatchObject({ pid: child.pid });
    expect(await get(port, '/hello')).toBe(`pid ${child.pid} /hello`);

    const pong = nextEnvelope(child, 'pong');
    child.send(envelope('ping', { id: 7 }));
    expect(await pong).toMatchObject({ id: 7, telemetry: { pid: child.pid, threadId: 0 } });
    expect((await pong).telemetry.heapUsedBytes).toBeGreaterThan(0);

    child.send(envelope('shutdown', {}));
    expect(await child.exited).toEqual({ exitCode: 0, signal: null, error: undefined });
  });

  it('reports the port a child chose in its ready envelope', async () => {
    const child = spawnChild('port-child.mjs');
    const { port } = await nextEnvelope(child, 'ready');
    expect(port).toBeGreaterThan(0);
    expect(await get(port!, '/')).toBe('ok');
  });

  it('hands a connection to a child after reading its first request head: the child gets every byte in order, and the requests after it', async () => {
    const child = spawnChild('body-server-child.mjs');
    await lendSocket(child, 'web');
    await nextEnvelope(child, 'ready');
    // The parent's own socket: it reads each connection's head (as a router would), then hands the connection over.
    const front = createServer();
    servers.push(front);
    const handedOver = new Promise<{ headBytes: number }>((resolve) => {
      front.once('connection', (socket) => {
        socket.on('error', () => {});
        void readConnectionHead(socket, { complete: (bytes) => bytes.includes('\r\n\r\n'), maxBytes: 16_384 }).then(async (head) => {
          expect(head.complete).toBe(true);
          const accepted = nextEnvelope(child, 'accepted');
          child.send(envelope('connection', { name: 'web', id: 1, head: head.bytes }), { handle: connectionHandle(socket)!, keepOpen: true });
          expect(await accepted).toMatchObject({ name: 'web', id: 1 });
          socket.destroy(); // the parent's copy only
          resolve({ headBytes: head.bytes.length });
        });
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const port = (front.address() as AddressInfo).port;

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, parts: Buffer[], between?: Promise<unknown>) =>
      new Promise<{ body: string; localPort: number }>((resolve, reject) => {
        const outgoing = request({ host: '127.0.0.1', port, method, path, agent }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ body, localPort: outgoing.socket!.localPort! }));
        });
        outgoing.on('error', reject);
        // A chunked body: the first part arrives with the head (more than one read's worth), the rest once the child has the socket.
        outgoing.write(parts[0]);
        void (between ?? Promise.resolve()).then(() => outgoing.end(parts[1]));
      });
    const upload = await send('POST', '/upload', [Buffer.alloc(150_000, 'a'), Buffer.alloc(50_000, 'b')], handedOver);
    expect((await handedOver).headBytes).toBeGreaterThan(0);
    expect(upload.body).toBe(`pid ${child.pid} POST /upload 200000 bytes from port ${upload.localPort}`);
    // The same connection, now the child's alone.
    const next = await send('GET', '/next', [Buffer.alloc(0), Buffer.alloc(0)]);
    expect(next.body).toBe(`pid ${child.pid} GET /next 0 bytes from port ${upload.localPort}`);
    agent.destroy();
    // The connection was the child's alone: the parent's server closes without waiting on the child, gone or not.
    child.send(envelope('shutdown', {}));
    await child.exited;
    await new Promise((resolve) => front.close(resolve));
  });

  it("counts a handed-over connection as the server's own: server.close() waits for its request to be answered", async () => {
    const child = spawnChild('held-server-child.mjs');
    await lendSocket(child, 'web');
    await nextEnvelope(child, 'ready');
    const front = createServer();
    servers.push(front);
    const accepted = nextEnvelope(child, 'accepted');
    front.once('connection', (socket) => {
      socket.on('error', () => {});
      void readConnectionHead(socket, { complete: (bytes) => bytes.includes('\r\n\r\n'), maxBytes: 16_384 }).then((head) => {
        child.send(envelope('connection', { name: 'web', id: 1, head: head.bytes }), { handle: connectionHandle(socket)!, keepOpen: true });
        void accepted.then(() => socket.destroy()); // the parent's copy only
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const answer = get((front.address() as AddressInfo).port, '/hold');
    await accepted;
    // Shutdown while the request is being served: the child's onShutdown closes its server, which must wait for it.
    child.send(envelope('shutdown', {}));
    expect(await answer).toBe(`held by ${child.pid}`);
    await child.exited;
  });

  it('refuses listen() when the parent has no such socket', async () => {
    const child = spawnChild('server-child.mjs');
    child.on('message', (message) => {
      if (isEnvelope(message) && message.type === 'listen') child.send(envelope('listen-handle', { name: message.name, error: 'no socket `web` here' }));
    });
    const exit = await child.exited;
    expect(exit.exitCode).toBe(1);
  });

  // Node writes a child's stdout to its pipe asynchronously: a burst the pipe cannot take at once waits in the
  // stream, and a process that leaves at once (SIGTERM's default action, process.exit()) would drop it. Each
  // test reads the pipe only once the child has been told to stop, so what waits is more than the pipe holds.
  for (const [mode, args] of [
    ['SIGTERM ends it', []],
    ['onShutdown', ['--on-shutdown']],
  ] as const) {
    it(`a child stopped right after a burst of output writes all of it out first (${mode})`, async () => {
      const child = spawnEndpoint({ kind: 'process', entry: new URL('./fixtures/burst-child.mjs', import.meta.url), args: ['--lines=2000', ...args], stdio: 'pipe' });
      children.push(child);
      await nextEnvelope(child, 'ready');
      const stopped = child.stop({ graceMs: 10_000 });
      const text = await readAll(child.stdout!);
      const exit = await stopped;
      if (args.length === 0) expect(exit.signal).toBe('SIGTERM');
      else expect(exit).toMatchObject({ exitCode: 0, signal: null });
      expect(lineNumbers(text)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    });
  }

  it('a child whose output is not a pipe still ends on SIGTERM at once, its event loop blocked', async () => {
    // Nothing can wait unwritten in a file or /dev/null: SIGTERM keeps its default action, which no blocked loop delays.
    const child = spawnEndpoint({ kind: 'process', entry: new URL('./fixtures/burst-child.mjs', import.meta.url), args: ['--lines=10', '--block'], stdio: 'ignore' });
    children.push(child);
    await nextEnvelope(child, 'ready');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Within the grace a SIGTERM handler could never run on the blocked loop: a kill after it would say SIGKILL.
    expect(await child.stop({ graceMs: 20_000 })).toMatchObject({ signal: 'SIGTERM' });
  });

  it("a pool's process worker closed right after a burst of output writes all of it out first", async () => {
    // The worker prints to the stdout it inherits from the pool's parent, which says when it calls close().
    const parent = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/burst-pool-parent.mjs', import.meta.url)), '3000'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const exited = new Promise<number | null>((resolve) => parent.on('exit', (code) => resolve(code)));
    await new Promise((resolve) => parent.once('message', resolve));
    const text = await readAll(parent.stdout!);
    expect(await exited).toBe(0);
    expect(lineNumbers(text)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });
});

function readAll(stream: Readable): Promise<string> {
  let text = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return new Promise((resolve) => stream.on('end', () => resolve(text)));
}

function lineNumbers(text: string): number[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(/^line (\d+) /.exec(line)?.[1]));
}
