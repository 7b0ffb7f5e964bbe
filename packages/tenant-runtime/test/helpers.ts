import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { createRuntime, type RuntimeTransitionEvent, type TenantRuntime, type TenantRuntimeOptions } from '@drove/tenant-runtime';
import { makeTempDir, waitFor as waitWithin, type Condition } from '@drove/test-support';

/** A clock that moves only when told to. */
export { ManualClock } from '@drove/pool/clock';

export const tenantScript = new URL('./fixtures/tenant.mjs', import.meta.url);
export const tinyTenantScript = new URL('./fixtures/tiny-tenant.mjs', import.meta.url);

/** Behaviour of a fixture tenant at start (read by fixtures/tenant.mjs from its directory). */
export interface Behaviour {
  start?: 'crash' | 'exit-clean' | 'never-ready' | 'ignore-sigterm';
  exitCode?: number;
  stderr?: string;
}

/** A temporary tenants root with a directory per key (and its behaviour), removed by `removeTempDirs` from @drove/test-support. */
export function tenantsRoot(tenants: Record<string, Behaviour> | string[] = []): string {
  const root = realpathSync(makeTempDir('drove-tenants-'));
  const entries = Array.isArray(tenants) ? Object.fromEntries(tenants.map((key) => [key, {}])) : tenants;
  for (const [key, behaviour] of Object.entries(entries)) addTenant(root, key, behaviour);
  return root;
}

export function addTenant(root: string, key: string, behaviour: Behaviour = {}): void {
  mkdirSync(join(root, key), { recursive: true });
  writeFileSync(join(root, key, 'behaviour.json'), JSON.stringify(behaviour));
}

/** Runtimes made in a test, disposed after it whatever happened. */
const runtimes: TenantRuntime[] = [];

export interface Recorded {
  runtime: TenantRuntime;
  transitions: RuntimeTransitionEvent[];
}

/** A runtime over `root` running the fixture tenant, recording its transitions. */
export function runtime(root: string, options: Partial<TenantRuntimeOptions> = {}): Recorded {
  const transitions: RuntimeTransitionEvent[] = [];
  const created = createRuntime({
    source: { kind: 'directory', root },
    entry: tenantScript,
    stopGraceMs: 2000,
    ...options,
    onTransition: (event) => {
      transitions.push(event);
      options.onTransition?.(event);
    },
  });
  runtimes.push(created);
  return { runtime: created, transitions };
}

export async function disposeAll(): Promise<void> {
  await Promise.all(runtimes.splice(0).map((created) => created.dispose()));
}

/** Transitions of one type. */
export function ofType<T extends RuntimeTransitionEvent['type']>(
  events: RuntimeTransitionEvent[],
  type: T,
): Extract<RuntimeTransitionEvent, { type: T }>[] {
  return events.filter((event): event is Extract<RuntimeTransitionEvent, { type: T }> => event.type === type);
}

/** `waitFor` from @drove/test-support with this package's bound and pace: 15 s unless told, polled every 10 ms (a bound on waiting, not a timing assertion). */
export function waitFor(condition: Condition, deadlineMs = 15_000): Promise<boolean> {
  return waitWithin(condition, { deadlineMs, intervalMs: 10 });
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on 127.0.0.1 (no keep-alive), body collected. */
export function httpGet(
  port: number,
  path = '/',
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
      response.on('aborted', () => reject(new Error('response aborted')));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export async function getJson<T>(port: number, path = '/'): Promise<T> {
  const answer = await httpGet(port, path);
  return JSON.parse(answer.body) as T;
}
