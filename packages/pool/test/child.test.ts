import { request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { envelope, isEnvelope, type Envelope } from '@drove/pool/envelope';
import { spawnEndpoint, type Endpoint } from '@drove/pool/transport';

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

  it('refuses listen() when the parent has no such socket', async () => {
    const child = spawnChild('server-child.mjs');
    child.on('message', (message) => {
      if (isEnvelope(message) && message.type === 'listen') child.send(envelope('listen-handle', { name: message.name, error: 'no socket `web` here' }));
    });
    const exit = await child.exited;
    expect(exit.exitCode).toBe(1);
  });
});
