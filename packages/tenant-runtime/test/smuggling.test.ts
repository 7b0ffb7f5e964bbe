/**
 * Request smuggling through the front door (issue 16): raw requests from
 * test/fixtures/smuggling-cases.ts, sent on a raw socket to a front door over
 * real tenants (`alpha`, `beta`) that log every request they parse, in proxy
 * mode and in handoff mode. For each case: the statuses answered, whether the
 * connection was closed, every request each tenant parsed, and two victims
 * (one per tenant, each on a connection of its own, sent after the attack)
 * that must get their own answer and reach their tenant alone and intact.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantProxy, keyFromHost, keyFromPathPrefix, type RuntimeLogEvent, type TenantProxyOptions, type TenantRuntime } from '@drove/tenant-runtime';
import { removeTempDirs } from '@drove/test-support';
import { smugglingCases, type Outcome, type ParsedRequest, type SmugglingCase, type TenantKey } from './fixtures/smuggling-cases.js';
import { disposeAll, runtime, tenantsRoot, waitFor } from './helpers.js';
import { head, RawConnection, type RawResponse } from './raw-http.js';

const loggingTenantScript = new URL('./fixtures/logging-tenant.mjs', import.meta.url);
const TENANTS: readonly TenantKey[] = ['alpha', 'beta'];
/** The bound on every wait for the other side (answers, a close, log lines): a bound, never a timing assertion. */
const WAIT_MS = 5000;

/** `trustProxy` of the strict front door (issue 16); typed here until `TenantProxyOptions` has it. */
type TrustProxy = boolean | string[] | ((address: string) => boolean);
type StrictProxyOptions = TenantProxyOptions & { trustProxy?: TrustProxy };

/** One line of fixtures/logging-tenant.mjs. */
interface LoggedRequest {
  key: string;
  pid: number;
  n: number | null;
  complete: boolean;
  method: string;
  url: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  rawTrailers: string[];
  body: string;
  remotePort: number;
}

interface Door {
  port: number;
  runtime: TenantRuntime;
  /** Every request the tenants logged, in the order the lines arrived (each tenant's own in its order). */
  logs: LoggedRequest[];
}

const servers: Server[] = [];

async function listenOn(rt: TenantRuntime, options: StrictProxyOptions): Promise<number> {
  const server = createTenantProxy(rt, options);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function openDoor(options: Omit<StrictProxyOptions, 'resolveKey'>): Promise<Door> {
  const logs: LoggedRequest[] = [];
  const onLog = (event: RuntimeLogEvent) => {
    if (event.stream === 'stdout' && event.line.startsWith('request ')) logs.push(JSON.parse(event.line.slice('request '.length)) as LoggedRequest);
  };
  const { runtime: rt } = runtime(tenantsRoot([...TENANTS]), { entry: loggingTenantScript, maxLogLineLength: 1 << 20, onLog });
  await Promise.all(TENANTS.map((key) => rt.ensure(key)));
  const port = await listenOn(rt, { resolveKey: keyFromHost(), ...options });
  return { port, runtime: rt, logs };
}

async function closeAll(): Promise<void> {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
  await disposeAll();
}

afterAll(removeTempDirs);

interface Victim {
  key: TenantKey;
  request: ParsedRequest;
  response: RawResponse | undefined;
}

/** A client that comes after the attack, on its own connection: its request holds a secret the attacker must never see. */
async function sendVictim(port: number, key: TenantKey, id: string): Promise<Victim> {
  const url = `/victim/${id}/${key}`;
  const body = `secret=${id}-${key}`;
  const cookie = `session=${id}-${key}`;
  const connection = await RawConnection.open(port);
  connection.write(
    head(`POST ${url} HTTP/1.1`, `Host: ${key}.localhost`, `Cookie: ${cookie}`, 'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${body.length}`, 'Connection: close') + body,
  );
  const { responses } = await connection.responses(1, { untilClosed: true, deadlineMs: WAIT_MS });
  connection.destroy();
  return { key, request: { method: 'POST', url, body, headers: { cookie } }, response: responses[0] };
}

/** Headers the tenant of a proxied request must see whatever the client sent (no `trustProxy`). */
const PROXIED = { 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', forwarded: null, 'x-real-ip': null };

function pick(headers: LoggedRequest['headers'], names: string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((name) => [name, typeof headers[name] === 'string' ? headers[name] : (headers[name]?.join(', ') ?? null)]));
}

/** A tenant received a body its own parser framed the same way: a length that matches, or chunked. */
function framed(entry: LoggedRequest): boolean {
  const length = entry.headers['content-length'];
  const coding = entry.headers['transfer-encoding'];
  return (
    entry.body === '' ||
    (typeof length === 'string' && /^\d+$/.test(length) && Number(length) === Buffer.byteLength(entry.body, 'latin1')) ||
    (typeof coding === 'string' && coding.trim().toLowerCase() === 'chunked')
  );
}

/** What a tenant parsed, in the shape of the expectation it is compared with. */
function seen(entry: LoggedRequest, wanted: ParsedRequest | undefined, proxied: boolean): Record<string, unknown> {
  return {
    method: entry.method,
    url: entry.url,
    body: entry.body,
    framed: framed(entry),
    headers: pick(entry.headers, Object.keys(wanted?.headers ?? {})),
    ...(proxied ? { forwarding: pick(entry.headers, Object.keys(PROXIED)) } : {}),
  };
}

function wanted(request: ParsedRequest, proxied: boolean): Record<string, unknown> {
  return {
    method: request.method,
    url: typeof request.url === 'string' ? request.url : expect.stringMatching(request.url),
    body: request.body ?? '',
    framed: true,
    headers: request.headers ?? {},
    ...(proxied ? { forwarding: PROXIED } : {}),
  };
}

/** Requests that only exist inside the bodies of the corpus: no tenant may ever parse one unless the case says so. */
const SMUGGLED_URLS = new Set(['/smuggled', '/capture']);

async function runCase(door: Door, mode: 'proxy' | 'handoff', index: number, c: SmugglingCase): Promise<void> {
  const expected: Outcome = { ...c, ...(mode === 'handoff' ? c.handoff : {}) };
  const proxied = mode === 'proxy';
  const mark = door.logs.length;
  const noBody = (i: number) => c.noBody?.includes(i) ?? false;

  const attack = await RawConnection.open(door.port);
  const writes = typeof c.send === 'string' ? [c.send] : c.send;
  for (const [i, bytes] of writes.entries()) {
    attack.write(bytes);
    if (i < writes.length - 1) await attack.responses(i + 1, { noBody, deadlineMs: WAIT_MS });
  }
  const fewest = Math.min(expected.status.length, expected.orStatus?.length ?? Infinity);
  const { responses } = await attack.responses(fewest, { untilClosed: expected.closed === true, noBody, deadlineMs: WAIT_MS });
  const closed = attack.closed;
  const statuses = responses.map((response) => response.status);
  const alternatives = [expected.status, ...(expected.orStatus ? [expected.orStatus] : [])];
  const wantedStatus = alternatives.find((list) => list.length === statuses.length && list.every((status, i) => status === statuses[i])) ?? expected.status;

  const id = `${mode}-${index}`;
  const victims = await Promise.all(TENANTS.map((key) => sendVictim(door.port, key, id)));
  attack.destroy();
  // Each tenant logs in order: once its victim is in, everything it parsed before is too.
  await waitFor(() => victims.every((victim) => door.logs.slice(mark).some((entry) => entry.url === victim.request.url)), WAIT_MS);
  const window = door.logs.slice(mark);

  const actualTenants: Record<string, Record<string, unknown>[]> = {};
  const expectedTenants: Record<string, Record<string, unknown>[]> = {};
  for (const victim of victims) {
    const wantedRequests = [...(expected.tenants?.[victim.key] ?? []), victim.request];
    const complete = window.filter((entry) => entry.key === victim.key && entry.complete);
    actualTenants[victim.key] = complete.map((entry, i) => seen(entry, wantedRequests[i], proxied));
    expectedTenants[victim.key] = wantedRequests.map((request) => wanted(request, proxied));
  }
  const truncated = window.filter((entry) => !entry.complete).map((entry) => `${entry.key}: ${entry.method} ${entry.url}`);

  // The bytes answered, in the failure message: a refusal whose body does not match its Content-Length shows here.
  const answered = `bytes answered: ${JSON.stringify(attack.bytes.toString('latin1').slice(0, 600))}`;
  expect({
    status: statuses,
    closed: expected.closed === undefined ? 'not asserted' : closed,
    tenants: actualTenants,
    truncatedSmuggled: truncated.filter((line) => SMUGGLED_URLS.has(line.split(' ')[2] ?? '')),
    truncated: expected.mayTruncate ? 'allowed' : truncated,
  }, answered).toEqual({
    status: wantedStatus,
    closed: expected.closed === undefined ? 'not asserted' : expected.closed,
    tenants: expectedTenants,
    truncatedSmuggled: [],
    truncated: expected.mayTruncate ? 'allowed' : [],
  });

  // Each victim got its own answer, from its own tenant, about its own request.
  for (const victim of victims) {
    const logged = window.find((entry) => entry.url === victim.request.url);
    expect(victim.response?.status, `victim of ${victim.key}`).toBe(200);
    expect(JSON.parse(victim.response?.body ?? '{}')).toEqual({ key: victim.key, n: logged?.n, method: 'POST', url: victim.request.url });
  }
  // No other request anywhere holds a victim's bytes.
  const secrets = victims.map((victim) => `${id}-${victim.key}`);
  const holders = window.filter((entry) => !entry.url.startsWith('/victim/') && secrets.some((secret) => entry.body.includes(secret) || JSON.stringify(entry.headers).includes(secret)));
  expect(holders.map((entry) => `${entry.key}: ${entry.method} ${entry.url}`)).toEqual([]);
}

for (const mode of ['proxy', 'handoff'] as const) {
  describe(`front door smuggling corpus (${mode})`, () => {
    let door: Door;
    beforeAll(async () => {
      door = await openDoor({ handoff: mode === 'handoff' });
    });
    afterAll(closeAll);

    it('serves a plain request on a raw connection, and tells the tenant who the client is', async () => {
      const connection = await RawConnection.open(door.port);
      const mark = door.logs.length;
      connection.write(head('GET /plain HTTP/1.1', 'Host: alpha.localhost'));
      const { responses } = await connection.responses(1, { deadlineMs: WAIT_MS });
      expect(responses.map((response) => response.status)).toEqual([200]);
      expect(JSON.parse(responses[0]?.body ?? '{}')).toMatchObject({ key: 'alpha', method: 'GET', url: '/plain' });
      await waitFor(() => door.logs.length > mark, WAIT_MS);
      const entry = door.logs[mark];
      // Handed over, the tenant's socket is the client's own; proxied, it is the front door's.
      if (mode === 'handoff') expect(entry?.remotePort).toBe(connection.localPort);
      else expect(entry?.remotePort).not.toBe(connection.localPort);
      expect(connection.closed).toBe(false);
      connection.destroy();
    });

    const corpus = smugglingCases.map((c, index) => ({ c, index })).filter(({ c }) => c.only === undefined || c.only === mode);
    it.each(corpus.map(({ c, index }) => [`${c.group}: ${c.name} (${c.source})`, index, c] as const))('%s', (_name, index, c) => runCase(door, mode, index, c));
  });
}

describe('front door handoff rules', () => {
  afterAll(closeAll);

  it('answers 421 and closes when a handed-over connection asks for another tenant, which never sees it', async () => {
    const door = await openDoor({ handoff: true });
    const mark = door.logs.length;
    const connection = await RawConnection.open(door.port);
    connection.write(head('GET /mine HTTP/1.1', 'Host: alpha.localhost'));
    await connection.responses(1, { deadlineMs: WAIT_MS });
    connection.write(head('GET /theirs HTTP/1.1', 'Host: beta.localhost', 'Cookie: session=other-client'));
    const { responses } = await connection.responses(2, { untilClosed: true, deadlineMs: WAIT_MS });
    expect(responses.map((response) => [response.status, response.headers.connection])).toEqual([
      [200, 'keep-alive'],
      [421, 'close'],
    ]);
    expect(connection.closed).toBe(true);
    const victim = await sendVictim(door.port, 'beta', 'handoff-421');
    expect(victim.response?.status).toBe(200);
    await waitFor(() => door.logs.slice(mark).some((entry) => entry.url === victim.request.url), WAIT_MS);
    expect(door.logs.slice(mark).map((entry) => `${entry.key} ${entry.method} ${entry.url}`)).toEqual(['alpha GET /mine', `beta POST ${victim.request.url}`]);
  });

  it('accepts only keyFromHost routes with handoff: true', async () => {
    const door = await openDoor({});
    for (const resolveKey of [keyFromPathPrefix(), () => 'alpha']) {
      expect(() => createTenantProxy(door.runtime, { resolveKey, handoff: true })).toThrow(expect.objectContaining({ code: 'ERR_TENANT_INVALID_OPTION' }));
    }
    expect(() => createTenantProxy(door.runtime, { resolveKey: keyFromHost({ suffix: '.localhost' }), handoff: true })).not.toThrow();
  });
});

describe('front door trustProxy', () => {
  let door: Door;
  beforeAll(async () => {
    door = await openDoor({});
  });
  afterAll(closeAll);

  const SPOOFED = head(
    'GET /t HTTP/1.1',
    'Host: alpha.localhost',
    'X-Forwarded-For: 203.0.113.7',
    'X-Forwarded-Host: beta.localhost',
    'X-Forwarded-Proto: https',
    'Forwarded: for=203.0.113.7;proto=https',
    'X-Real-IP: 203.0.113.7',
  );
  const FORWARDING = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-real-ip'];
  const kept = { 'x-forwarded-for': '203.0.113.7, 127.0.0.1', 'x-forwarded-host': 'beta.localhost', 'x-forwarded-proto': 'https', forwarded: 'for=203.0.113.7;proto=https', 'x-real-ip': '203.0.113.7' };
  const replaced = { 'x-forwarded-for': '127.0.0.1', 'x-forwarded-host': 'alpha.localhost', 'x-forwarded-proto': 'http', forwarded: null, 'x-real-ip': null };

  /** Sends the spoofed request through a front door with these options; returns what alpha saw and whether the connection was handed to it. */
  async function through(options: Omit<StrictProxyOptions, 'resolveKey'>): Promise<{ headers: Record<string, string | null>; handedOver: boolean }> {
    const port = await listenOn(door.runtime, { resolveKey: keyFromHost(), ...options });
    const mark = door.logs.length;
    const connection = await RawConnection.open(port);
    connection.write(SPOOFED);
    const { responses } = await connection.responses(1, { deadlineMs: WAIT_MS });
    expect(responses.map((response) => response.status)).toEqual([200]);
    await waitFor(() => door.logs.length > mark, WAIT_MS);
    const { localPort } = connection;
    connection.destroy();
    const entry = door.logs.slice(mark).find((logged) => logged.url === '/t');
    return { headers: pick(entry?.headers ?? {}, FORWARDING), handedOver: entry?.remotePort === localPort };
  }

  const trusted: [string, TrustProxy][] = [
    ['true', true],
    ["['loopback']", ['loopback']],
    ["['127.0.0.0/8']", ['127.0.0.0/8']],
    ["['127.0.0.1']", ['127.0.0.1']],
    ['a function saying yes', (address) => address === '127.0.0.1'],
  ];
  const untrusted: [string, TrustProxy][] = [
    ['false', false],
    ["['10.0.0.0/8']", ['10.0.0.0/8']],
    ['a function saying no', () => false],
  ];

  it.each(trusted)('keeps and appends to forwarding headers from a trusted peer (trustProxy: %s)', async (_name, trustProxy) => {
    expect(await through({ trustProxy })).toEqual({ headers: kept, handedOver: false });
  });

  it.each(untrusted)('replaces forwarding headers from a peer it does not trust (trustProxy: %s)', async (_name, trustProxy) => {
    expect(await through({ trustProxy })).toEqual({ headers: replaced, handedOver: false });
  });

  it('proxies, never hands over, the connections of a trusted peer in handoff mode', async () => {
    expect(await through({ handoff: true, trustProxy: ['loopback'] })).toEqual({ headers: kept, handedOver: false });
    // An untrusted peer is handed over: the tenant reads the client's own bytes.
    expect((await through({ handoff: true, trustProxy: ['10.0.0.0/8'] })).handedOver).toBe(true);
  });
});
