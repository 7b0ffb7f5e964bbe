import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import { Agent, request, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTenantProxy, keyFromHost, keyFromPathPrefix, type TenantProxyOptions, type TenantRuntime } from '@drove/tenant-runtime';
import { removeTempDirs, waitForThreadsGone } from '@drove/test-support';
import { disposeAll, httpGet, ManualClock, ofType, runtime, tenantsRoot, waitFor } from './helpers.js';

const proxies: Server[] = [];

afterEach(async () => {
  await Promise.all(
    proxies.splice(0).map((proxy) => {
      proxy.closeAllConnections();
      return new Promise((resolve) => proxy.close(resolve));
    }),
  );
  await disposeAll();
});
afterAll(removeTempDirs);

async function frontDoor(rt: TenantRuntime, options: Partial<TenantProxyOptions> = {}): Promise<number> {
  const proxy = createTenantProxy(rt, { resolveKey: keyFromHost({ suffix: '.tenants.test' }), ...options });
  proxies.push(proxy);
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return (proxy.address() as AddressInfo).port;
}

/**
 * Rounds of: SIGKILL to the tenant, and once it is gone (every thread: its
 * socket closed) another request, which a new process must answer. A
 * grandchild holds the tenant's output open, so the runtime sees the exit only
 * once it has read that output (up to 2 s): the request surely finds the
 * runtime still taking the tenant for running, its port closed, and a
 * kept-alive connection to it dead.
 */
async function killAndAskAgain(options: Partial<TenantProxyOptions>): Promise<void> {
  const { runtime: rt } = runtime(tenantsRoot(['acme']));
  const port = await frontDoor(rt, options);
  const host = { host: 'acme.tenants.test' };
  const grandchildren: number[] = [];
  try {
    for (let round = 0; round < 2; round++) {
      grandchildren.push((JSON.parse((await httpGet(port, '/grandchild', { headers: host })).body) as { pid: number }).pid);
      const before = JSON.parse((await httpGet(port, '/peer', { headers: host })).body) as { pid: number };
      process.kill(before.pid, 'SIGKILL');
      waitForThreadsGone(before.pid);
      const after = await httpGet(port, '/peer', { headers: host });
      expect(after.status).toBe(200);
      expect((JSON.parse(after.body) as { pid: number }).pid).not.toBe(before.pid);
    }
    expect(rt.metrics().totalExits.crashed).toBe(2);
  } finally {
    for (const pid of grandchildren) process.kill(pid, 'SIGKILL');
  }
}

describe('createTenantProxy', () => {
  it('routes by host name, starting the tenant on the first request, and touches it', async () => {
    const clock = new ManualClock();
    const { runtime: rt } = runtime(tenantsRoot(['acme', 'globex']), { clock });
    const port = await frontDoor(rt);
    const acme = await httpGet(port, '/hello?x=1', { headers: { host: 'acme.tenants.test:8080' } });
    expect(acme.status).toBe(200);
    expect(JSON.parse(acme.body)).toMatchObject({ key: 'acme', path: '/hello', query: '?x=1' });
    const globex = await httpGet(port, '/', { headers: { host: 'GLOBEX.tenants.test' } });
    expect(JSON.parse(globex.body)).toMatchObject({ key: 'globex' });
    const tenant = await rt.ensure('acme');
    clock.advance(5000);
    await httpGet(port, '/', { headers: { host: 'acme.tenants.test' } });
    expect(tenant.lastTouchedAt).toBe(clock.now());
    expect(rt.metrics().totalSpawns).toBe(2);
  });

  it('routes by path prefix, forwarding the rest of the path', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt, { resolveKey: keyFromPathPrefix() });
    const answer = await httpGet(port, '/acme/orders/7?page=2');
    expect(JSON.parse(answer.body)).toMatchObject({ key: 'acme', path: '/orders/7', query: '?page=2' });
    expect(JSON.parse((await httpGet(port, '/acme')).body)).toMatchObject({ path: '/' });
    expect(JSON.parse((await httpGet(port, '/acme?q=1')).body)).toMatchObject({ path: '/', query: '?q=1' });
  });

  it('streams request and response bodies both ways', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt);
    const body = Buffer.alloc(8 * 1024 * 1024, 'abcdefgh');
    const answer = await httpGet(port, '/echo', {
      method: 'POST',
      headers: { host: 'acme.tenants.test', 'content-type': 'application/x-test' },
      body,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/x-test');
    expect(answer.body.length).toBe(body.length);
    expect(answer.body === body.toString('utf8')).toBe(true);
  });

  it('relays every byte of a large answer to a slow client, in order, whatever the tenant sends meanwhile', async () => {
    // The front door reads answers into one reused buffer: a client that reads slowly must still get each byte as sent.
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt);
    const total = 4 * 1024 * 1024;
    // Each framing the front door relays: a length (written as read), chunks (written re-framed).
    for (const path of [`/pattern?bytes=${total}&piece=700&length`, `/pattern?bytes=${total}&piece=9000&length`, `/pattern?bytes=${total}&piece=700`]) {
      const received = await new Promise<Buffer>((resolve, reject) => {
        const outgoing = request(
          { host: '127.0.0.1', port, path, agent: false, headers: { host: 'acme.tenants.test' } },
          (response) => {
            const chunks: Buffer[] = [];
            let reads = 0;
            response.on('data', (chunk: Buffer) => {
              chunks.push(chunk);
              // Reads in bursts: the front door's writes to this client back up again and again.
              if (++reads % 4 === 0) {
                response.pause();
                setTimeout(() => response.resume(), 1);
              }
            });
            response.on('end', () => resolve(Buffer.concat(chunks)));
            response.on('error', reject);
          },
        );
        outgoing.on('error', reject);
        outgoing.end();
      });
      expect(received.length).toBe(total);
      const wrong = received.findIndex((byte, offset) => byte !== offset % 251);
      expect(wrong).toBe(-1);
    }
  });

  it('answers 400 and closes when a client ends its side before its body did, and no tenant sees a whole request', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt);
    await rt.ensure('acme');
    for (const body of ['Content-Length: 10\r\n\r\nhello', 'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n']) {
      const socket = connect(port, '127.0.0.1');
      socket.end(`POST /echo HTTP/1.1\r\nHost: acme.tenants.test\r\n${body}`);
      const answer: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => answer.push(chunk));
      await once(socket, 'close');
      expect(Buffer.concat(answer).toString('latin1')).toMatch(/^HTTP\/1\.1 400 /);
    }
  });

  it('forwards headers without hop-by-hop ones, and adds x-forwarded-*', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt);
    const answer = await httpGet(port, '/headers', {
      headers: { host: 'acme.tenants.test', 'x-custom': 'kept', connection: 'close, x-secret-hop', 'x-secret-hop': 'dropped' },
    });
    const { headers } = JSON.parse(answer.body) as { headers: Record<string, string> };
    expect(headers).toMatchObject({
      host: 'acme.tenants.test',
      'x-custom': 'kept',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': 'acme.tenants.test',
      'x-forwarded-proto': 'http',
    });
    expect(headers).not.toHaveProperty('x-secret-hop');
  });

  it('answers 404 for an unknown tenant, an invalid key or a key without a directory, and starts nothing', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt);
    expect((await httpGet(port, '/', { headers: { host: 'elsewhere.example' } })).status).toBe(404);
    expect((await httpGet(port, '/', { headers: { host: 'ghost.tenants.test' } })).status).toBe(404);
    const byPath = await frontDoor(rt, { resolveKey: keyFromPathPrefix() });
    expect((await httpGet(byPath, '/%2e%2e/etc')).status).toBe(404);
    expect((await httpGet(byPath, '/a%2F..%2F..%2Fx/')).status).toBe(404);
    expect(transitions).toEqual([]);
  });

  it('hands requests routed to no tenant to fallback, and starts nothing for them', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt, {
      resolveKey: (request) => (request.url?.startsWith('/_host') ? undefined : keyFromPathPrefix()(request)),
      fallback: (request, response) => response.end(`host page for ${request.method} ${request.url}`),
    });
    const own = await httpGet(port, '/_host/status');
    expect(own).toMatchObject({ status: 200, body: 'host page for GET /_host/status' });
    expect(transitions).toEqual([]);
    expect(JSON.parse((await httpGet(port, '/acme/x')).body)).toMatchObject({ key: 'acme', path: '/x' });
    expect(() => createTenantProxy(rt, { resolveKey: () => undefined, fallback: 'nope' as never })).toThrow(
      'Expected `fallback` to be a function',
    );
  });

  it('answers 503 with Retry-After while a tenant backs off after failed starts', async () => {
    const clock = new ManualClock();
    const { runtime: rt } = runtime(tenantsRoot({ broken: { start: 'crash' } }), { clock });
    const port = await frontDoor(rt);
    const host = { host: 'broken.tenants.test' };
    expect((await httpGet(port, '/', { headers: host })).status).toBe(502);
    const backingOff = await httpGet(port, '/', { headers: host });
    expect(backingOff.status).toBe(503);
    expect(backingOff.headers['retry-after']).toBe('1');
    clock.advance(1000);
    await httpGet(port, '/', { headers: host });
    expect((await httpGet(port, '/', { headers: host })).headers['retry-after']).toBe('2');
  });

  it('answers 503 with Retry-After while the runtime drains, and goes on serving running tenants', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme', 'globex']));
    const port = await frontDoor(rt, { drainingRetryAfterSeconds: 30 });
    expect((await httpGet(port, '/', { headers: { host: 'acme.tenants.test' } })).status).toBe(200);
    rt.drain();
    expect((await httpGet(port, '/', { headers: { host: 'acme.tenants.test' } })).status).toBe(200);
    const refused = await httpGet(port, '/', { headers: { host: 'globex.tenants.test' } });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('30');
  });

  it('answers 502 when the tenant dies mid-request, and the next request starts it again', async () => {
    const errors: unknown[] = [];
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt, { onError: (error) => errors.push(error) });
    const host = { host: 'acme.tenants.test' };
    const died = await httpGet(port, '/die', { headers: host });
    expect(died.status).toBe(502);
    expect(errors).toHaveLength(1);
    expect(await waitFor(() => ofType(transitions, 'exit').length === 1)).toBe(true);
    expect((await httpGet(port, '/', { headers: host })).status).toBe(200);
    expect(ofType(transitions, 'spawn')).toHaveLength(2);
  });

  it('sends a request that finds its tenant just killed to a new process, not a 502', async () => {
    await killAndAskAgain({});
  });

  it('breaks the response when the tenant dies after it began answering', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt);
    await expect(httpGet(port, '/die-midway', { headers: { host: 'acme.tenants.test' } })).rejects.toThrow();
  });

  it('answers 500 when resolveKey throws, and refuses invalid options', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const port = await frontDoor(rt, {
      resolveKey: () => {
        throw new Error('router bug');
      },
    });
    expect((await httpGet(port, '/')).status).toBe(500);
    expect(() => createTenantProxy(rt, { resolveKey: 'acme' as never })).toThrow(
      'Expected `resolveKey` to be a function, got `"acme"` (string)',
    );
    expect(() => createTenantProxy(rt, { resolveKey: keyFromHost(), handoff: 'yes' as never })).toThrow('Expected `handoff` to be a boolean');
  });
});

/** Requests over one kept-alive connection, each answer with the client's own port (to compare with what the tenant saw). */
function connection(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (path: string, { host, method = 'GET', body }: { host?: string; method?: string; body?: Buffer } = {}) =>
    new Promise<{ status: number; body: string; localPort: number }>((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, path, method, agent, headers: host === undefined ? {} : { host } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), localPort: outgoing.socket!.localPort! }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  proxiesAgents.push(agent);
  return send;
}
const proxiesAgents: Agent[] = [];
afterEach(() => {
  for (const agent of proxiesAgents.splice(0)) agent.destroy();
});

describe('createTenantProxy with handoff', () => {
  it('hands each connection to its tenant after its first request: the tenant serves the rest itself, bodies included', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme', 'globex']));
    const port = await frontDoor(rt, { handoff: true });
    const acme = connection(port);
    const first = await acme('/peer', { host: 'acme.tenants.test' });
    const peer = JSON.parse(first.body) as { key: string; remotePort: number; pid: number };
    // The tenant's socket is the client's own connection: no proxy in between.
    expect(peer).toMatchObject({ key: 'acme', remotePort: first.localPort });
    const body = Buffer.alloc(4 * 1024 * 1024, 'abcdefgh');
    const echoed = await acme('/echo', { host: 'acme.tenants.test', method: 'POST', body });
    expect(echoed.localPort).toBe(first.localPort);
    expect(echoed.body.length).toBe(body.length);
    expect(echoed.body === body.toString('utf8')).toBe(true);
    const again = JSON.parse((await acme('/peer', { host: 'acme.tenants.test' })).body) as { pid: number; remotePort: number };
    expect(again).toEqual({ key: 'acme', pid: peer.pid, remotePort: first.localPort, path: '/peer' });
    // The connection is acme's now: a later request naming another host is refused by acme's helper (421), never served.
    const misdirected = await acme('/peer', { host: 'globex.tenants.test' });
    expect(misdirected.status).toBe(421);
    expect(misdirected.body).not.toContain('"key"');

    const globex = connection(port);
    const other = await globex('/peer', { host: 'globex.tenants.test' });
    expect(JSON.parse(other.body)).toMatchObject({ key: 'globex', remotePort: other.localPort });
    expect(rt.metrics().totalSpawns).toBe(2);
  });

  it('keeps a tenant that serves handed-over connections from looking idle', async () => {
    const clock = new ManualClock();
    const { runtime: rt } = runtime(tenantsRoot(['acme']), { clock });
    const port = await frontDoor(rt, { handoff: true });
    const acme = connection(port);
    await acme('/peer', { host: 'acme.tenants.test' });
    const tenant = await rt.ensure('acme');
    clock.advance(60_000);
    // The tenant reports at most once a second; this request is past that.
    await sleep(1100);
    await acme('/peer', { host: 'acme.tenants.test' });
    expect(await waitFor(() => tenant.lastTouchedAt === clock.now())).toBe(true);
  });

  it('proxies the connections it cannot hand over: an unknown tenant, a tenant that listens on a port of its own; refuses handoff for routes not by Host', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    // A handed-over connection is routed by its first request alone: only a route by Host can hold for the later ones.
    expect(() => createTenantProxy(rt, { handoff: true, resolveKey: keyFromPathPrefix() })).toThrow(
      expect.objectContaining({ code: 'ERR_TENANT_INVALID_OPTION', message: expect.stringContaining('keyFromHost') }),
    );
    expect(() => createTenantProxy(rt, { handoff: true, resolveKey: () => 'acme' })).toThrow(expect.objectContaining({ code: 'ERR_TENANT_INVALID_OPTION' }));

    const byHost = await frontDoor(rt, { handoff: true });
    expect((await connection(byHost)('/peer', { host: 'nobody.tenants.test' })).status).toBe(404);

    const { runtime: reporting } = runtime(tenantsRoot(['acme']), { listen: 'report' });
    const reportingDoor = await frontDoor(reporting, { handoff: true });
    const answer = await connection(reportingDoor)('/peer', { host: 'acme.tenants.test' });
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { remotePort: number }).remotePort).not.toBe(answer.localPort);
  });

  it('answers a connection whose tenant cannot start as the proxy does, starting it once: 502, then 503 while it backs off', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot({ broken: { start: 'crash' } }), { clock: new ManualClock() });
    const port = await frontDoor(rt, { handoff: true });
    const host = { host: 'broken.tenants.test' };
    expect((await httpGet(port, '/', { headers: host })).status).toBe(502);
    expect(ofType(transitions, 'spawn')).toHaveLength(1);
    const backingOff = await httpGet(port, '/', { headers: host });
    expect(backingOff.status).toBe(503);
    expect(backingOff.headers['retry-after']).toBe('1');
    expect(ofType(transitions, 'backoff')).toHaveLength(1);
    expect(ofType(transitions, 'spawn')).toHaveLength(1);
  });

  it('serves a connection whose tenant was just killed with a new process', async () => {
    await killAndAskAgain({ handoff: true });
  });
});
