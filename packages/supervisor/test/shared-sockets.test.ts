import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, ready, isSupervised, childName } from '@drove/supervisor/child';
import { makeTempDir, removeTempDirs } from '@drove/test-support';
import { fixture, httpChild, killAll, nextEvent, pidOf, supervise } from './helpers.js';

afterEach(killAll);

interface Outcome {
  ok: boolean;
  body?: string;
  code?: string;
}

/** One GET on a fresh connection, bounded by a timeout. */
function get(port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ ok: res.statusCode === 200, body }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? error.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? error.message }));
    req.end();
  });
}

describe('shared listening sockets', () => {
  it('keeps an HTTP child on a supervisor-owned socket answering across crashes: none refused', async () => {
    const supervisor = supervise({
      stableAfterMs: 0,
      sockets: { http: { port: 0 } },
      children: [{ name: 'web', kind: 'process', entry: httpChild, args: ['--shared'] }],
    });
    await supervisor.start();
    const port = supervisor.address('http')!.port;
    expect(port).toBeGreaterThan(0);

    const outcomes: Outcome[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) outcomes.push(await get(port));
    })();

    const duringRestart: Array<Promise<Outcome>> = [];
    const restartedPids: number[] = [];
    for (let crash = 0; crash < 3; crash++) {
      const exited = nextEvent(supervisor, 'exit');
      const readyAgain = nextEvent(supervisor, 'ready');
      // Requests sent while no child is ready: the supervisor holds them for the next one.
      supervisor.once('exit', () => {
        for (let i = 0; i < 3; i++) duringRestart.push(get(port));
      });
      process.kill(pidOf(supervisor, 'web'), 'SIGKILL');
      expect(await exited).toMatchObject({ name: 'web', reason: 'crashed', signal: 'SIGKILL' });
      restartedPids.push((await readyAgain).pid!);
      // Let the load loop send some requests to the new child.
      const served = outcomes.length;
      while (outcomes.length < served + 5) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stop = true;
    await load;
    const restartOutcomes = await Promise.all(duringRestart);

    const all = [...outcomes, ...restartOutcomes];
    expect(all.filter((outcome) => outcome.code === 'ECONNREFUSED')).toEqual([]);
    expect(restartOutcomes.filter((outcome) => outcome.ok).length).toBeGreaterThanOrEqual(1);
    for (const outcome of restartOutcomes.filter((o) => o.ok)) expect(restartedPids).toContain(Number(outcome.body));
    expect(outcomes.filter((outcome) => outcome.ok).length).toBeGreaterThan(10);
  });

  it('accepts a listening net.Server the caller owns', async () => {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const supervisor = supervise({ sockets: { http: server }, children: [{ name: 'web', kind: 'process', entry: httpChild, args: ['--shared'] }] });
      await supervisor.start();
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => get(port)));
      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      await supervisor.stop();
      // The caller's server is the caller's to close, and closes (with its callback) once its children are gone.
      expect(server.listening).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses to start when a shared socket cannot listen', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const supervisor = supervise({ sockets: { http: { port } }, children: [{ name: 'web', kind: 'process', entry: httpChild, args: ['--shared'] }] });
      await expect(supervisor.start()).rejects.toMatchObject({ code: 'ERR_SUPERVISOR_SOCKET' });
      await expect(supervisor.onStopped()).rejects.toMatchObject({ code: 'ERR_SUPERVISOR_SOCKET' });
      expect(supervisor.whichChildren()[0]!.state).toBe('stopped');
    } finally {
      taken.close();
    }
  });
});

describe('the child helper in a supervised process', () => {
  it("rejects listen() for a socket the supervisor lacks with @drove/pool's own PoolError", async () => {
    const dir = makeTempDir('drove-listen-');
    const result = join(dir, 'result.json');
    try {
      const supervisor = supervise({
        sockets: { http: { port: 0 } },
        children: [{ name: 'web', kind: 'process', entry: fixture('listen-unknown.mjs'), env: { RESULT_FILE: result } }],
      });
      await supervisor.start();
      expect(JSON.parse(readFileSync(result, 'utf8'))).toEqual({ rejected: true, poolError: true, name: 'PoolError', code: 'ERR_POOL_SOCKET' });
    } finally {
      removeTempDirs();
    }
  });
});

describe('the child helper outside a supervisor', () => {
  it('does nothing and says so', async () => {
    expect(isSupervised()).toBe(false);
    expect(childName()).toBeUndefined();
    expect(ready()).toBe(false);
    await expect(listen(createServer(), 'http')).rejects.toMatchObject({ code: 'ERR_POOL_NO_PARENT' });
  });
});
