import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { ChildStartError, type ChildSpec } from '@drove/supervisor';
import { fixture, killAll, supervise } from './helpers.js';

afterEach(killAll);
afterAll(removeTempDirs);

const surgeChild = (args: string[] = []): ChildSpec => ({ name: 'web', kind: 'process', entry: fixture('surge-child.mjs'), args, reload: 'surge', instances: 2 });

describe("reload: 'surge'", () => {
  it('starts each successor beside the running child and stops the old one only once the new one is ready', async () => {
    const supervisor = supervise({ sockets: { http: { port: 0 } }, children: [surgeChild()] });
    await supervisor.start();
    const before = supervisor.whichChildren().map((child) => child.pid!);
    const order: string[] = [];
    const name = (pid: number | undefined): string => (before.includes(pid!) ? 'old' : 'new');
    supervisor.on('spawn', (event) => order.push(`${event.name} spawn ${name(event.pid)}`));
    supervisor.on('ready', (event) => order.push(`${event.name} ready ${name(event.pid)}`));
    supervisor.on('exit', (event) => order.push(`${event.name} exit ${name(event.pid)} ${event.reason} ${event.willRestart}`));
    await supervisor.rollingRestart();
    expect(order).toEqual([
      'web#0 spawn new',
      'web#0 ready new',
      'web#0 exit old shutdown false',
      'web#1 spawn new',
      'web#1 ready new',
      'web#1 exit old shutdown false',
    ]);
    const after = supervisor.whichChildren();
    expect(after.map((child) => child.state)).toEqual(['running', 'running']);
    expect(before.filter(pidExists)).toEqual([]);
    expect(supervisor.stats().children.map((child) => child.restarts)).toEqual([1, 1]);
  });

  it('answers every request during a full reload under load: none refused, none failed', async () => {
    const supervisor = supervise({ sockets: { http: { port: 0 } }, children: [surgeChild(['--delay=20'])] });
    await supervisor.start();
    const url = `http://127.0.0.1:${supervisor.address('http')!.port}/`;
    let reloading = true;
    const answered = new Set<string>();
    const failures: string[] = [];
    let ok = 0;
    const client = async (): Promise<void> => {
      while (reloading) {
        try {
          const response = await fetch(url);
          const body = await response.text();
          if (response.status === 200) {
            ok += 1;
            answered.add(body);
          } else failures.push(`status ${response.status}`);
        } catch (error) {
          failures.push(String((error as Error & { cause?: Error }).cause?.message ?? error));
        }
      }
    };
    const clients = [client(), client(), client(), client()];
    // Two full reloads, four clients asking throughout.
    await supervisor.rollingRestart();
    await supervisor.rollingRestart();
    reloading = false;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    // Old and new children answered: the requests spanned the reloads.
    expect(answered.size).toBeGreaterThan(2);
  });

  it('fails no request of keep-alive clients during full reloads when the child drains with drain()', async () => {
    const supervisor = supervise({
      sockets: { http: { port: 0 } },
      children: [{ name: 'web', kind: 'process', entry: fixture('drain-child.mjs'), reload: 'surge', instances: 2 }],
    });
    await supervisor.start();
    const port = supervisor.address('http')!.port;
    // Node's own keep-alive agent (no retry of a reset request) and fetch's.
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const viaAgent = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}`))));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    const viaFetch = async (): Promise<string> => {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      const body = await response.text();
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      return body;
    };
    let reloading = true;
    const answered = new Set<string>();
    const failures: string[] = [];
    const client = async (ask: () => Promise<string>): Promise<void> => {
      while (reloading) {
        try {
          answered.add(await ask());
        } catch (error) {
          failures.push(String((error as Error & { code?: string; cause?: Error }).code ?? (error as Error & { cause?: Error }).cause?.message ?? error));
        }
      }
    };
    const clients = [client(viaAgent), client(viaAgent), client(viaFetch), client(viaFetch)];
    await supervisor.rollingRestart();
    await supervisor.rollingRestart();
    reloading = false;
    await Promise.all(clients);
    agent.destroy();
    expect(failures).toEqual([]);
    // Two generations of successors answered besides the first copies: the clients moved on to them.
    expect(answered.size).toBeGreaterThan(2);
  });

  it('keeps the running child when its successor cannot start, and says so', async () => {
    const flag = join(makeTempDir('drove-surge-'), 'fail');
    const supervisor = supervise({
      sockets: { http: { port: 0 } },
      readinessTimeoutMs: 5000,
      children: [{ ...surgeChild([`--fail-start-when=${flag}`]), instances: 1 }],
    });
    await supervisor.start();
    const [running] = supervisor.whichChildren();
    writeFileSync(flag, '');
    const error = await supervisor.rollingRestart().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ChildStartError);
    expect(error).toMatchObject({ code: 'ERR_SUPERVISOR_START_FAILED', reason: 'exited-before-ready' });
    expect(supervisor.whichChildren()).toEqual([{ ...running, state: 'running' }]);
    expect(pidExists(running!.pid!)).toBe(true);
    const answer = await (await fetch(`http://127.0.0.1:${supervisor.address('http')!.port}/`)).text();
    expect(answer).toBe(String(running!.pid));
  });
});
