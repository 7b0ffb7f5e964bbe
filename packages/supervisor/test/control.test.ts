import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { connect, SupervisorError, type ChildSpec, type ControlClient } from '@drove/supervisor';
import { fixture, killAll, readyChild, supervise, waitFor } from './helpers.js';

const clients: ControlClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await killAll();
});
afterAll(removeTempDirs);

const ticker = fixture('ticker-child.mjs');
const web: ChildSpec = { name: 'web', kind: 'process', entry: readyChild };
const jobs: ChildSpec = { name: 'jobs', kind: 'thread', entry: readyChild };
const cache: ChildSpec = { name: 'cache', kind: 'command', argv: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] };

async function client(runFolder: string): Promise<ControlClient> {
  const made = await connect(runFolder);
  clients.push(made);
  return made;
}

async function rejection(promise: Promise<unknown>): Promise<SupervisorError> {
  try {
    await promise;
  } catch (error) {
    return error as SupervisorError;
  }
  throw new Error('expected a rejection');
}

describe('the control socket', () => {
  it('listens in the run folder, 0600 in a 0700 folder, and answers status with each child', async () => {
    const runFolder = join(makeTempDir('drove-run-'), 'fleet');
    const supervisor = supervise({ runFolder, logs: {}, children: [web, jobs, cache] });
    await supervisor.start();
    expect(statSync(join(runFolder, 'control.sock')).mode & 0o777).toBe(0o600);
    expect(statSync(runFolder).mode & 0o777).toBe(0o700);
    const control = await client(runFolder);
    expect(control.pid).toBe(process.pid);
    const status = await control.status();
    expect(status).toMatchObject({ pid: process.pid, state: 'running', runFolder, restarts: 0 });
    expect(status.children.map((child) => [child.name, child.kind, child.state])).toEqual([
      ['web', 'process', 'running'],
      ['jobs', 'thread', 'running'],
      ['cache', 'command', 'running'],
    ]);
    const [webStatus, jobsStatus, cacheStatus] = status.children;
    expect(webStatus!.pid).toBe(supervisor.whichChildren()[0]!.pid);
    expect(webStatus!.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(webStatus!.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(webStatus!.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(webStatus).toMatchObject({ restarts: 0, consecutiveFailures: 0, backoffMs: null, droppedLogLines: 0, logFile: join(runFolder, 'logs', 'web.log') });
    // A thread's process is the supervisor: no figures of its own.
    expect(jobsStatus).toMatchObject({ pid: process.pid, cpuPercent: null, rssBytes: null, droppedLogLines: 0 });
    expect(cacheStatus!.rssBytes).toBeGreaterThan(0);
  });

  it('restarts, stops and starts a child by name, and refuses what cannot be done with its code', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, children: [web, cache] });
    await supervisor.start();
    const control = await client(runFolder);
    const first = supervisor.whichChildren()[0]!.pid!;

    const [restarted] = await control.restart('web');
    expect(restarted!.state).toBe('running');
    expect(restarted!.pid).not.toBe(first);
    expect(pidExists(first)).toBe(false);
    expect((await control.status()).children[0]!.restarts).toBe(1);

    expect(await rejection(control.start('web'))).toMatchObject({ code: 'ERR_SUPERVISOR_CHILD_RUNNING' });
    const stopped = await control.stop('web');
    expect(stopped).toEqual([{ name: 'web', state: 'stopped', pid: null }]);
    expect(pidExists(restarted!.pid!)).toBe(false);
    expect(supervisor.whichChildren()[1]!.state).toBe('running'); // the others run on

    const [started] = await control.start('web');
    expect(started!.state).toBe('running');
    expect(pidExists(started!.pid!)).toBe(true);

    const unknown = await rejection(control.restart('nope'));
    expect(unknown).toBeInstanceOf(SupervisorError);
    expect(unknown).toMatchObject({ code: 'ERR_SUPERVISOR_UNKNOWN_CHILD', message: 'No child named `nope` (known: `web`, `cache`)' });
  });

  it('restarts a child waiting out a back-off at once', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, backoff: { baseMs: 120_000, maxMs: 120_000, jitter: 0 }, children: [web] });
    await supervisor.start();
    const control = await client(runFolder);
    process.kill(supervisor.whichChildren()[0]!.pid!, 'SIGKILL');
    expect(await waitFor(() => supervisor.whichChildren()[0]!.state === 'restarting')).toBe(true);
    const waiting = (await control.status()).children[0]!;
    expect(waiting.state).toBe('restarting');
    expect(waiting.backoffMs).toBeGreaterThan(60_000);
    expect(waiting.consecutiveFailures).toBe(1);
    expect((await control.restart('web'))[0]!.state).toBe('running');
  });

  it('reloads: every child is replaced, one at a time', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, children: [web, { ...web, name: 'api' }] });
    await supervisor.start();
    const before = supervisor.whichChildren().map((child) => child.pid!);
    const control = await client(runFolder);
    expect(await control.reload()).toEqual({ children: 2 });
    const after = supervisor.whichChildren();
    expect(after.map((child) => child.state)).toEqual(['running', 'running']);
    for (const pid of before) expect(pidExists(pid)).toBe(false);
    expect(after.every((child) => !before.includes(child.pid!))).toBe(true);
  });

  it('tails a log, and follows it with no line missed or repeated between the tail and the new lines', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, logs: {}, children: [{ name: 'ticker', kind: 'process', entry: ticker, args: ['--every=5'] }] });
    await supervisor.start();
    const control = await client(runFolder);
    expect(await waitFor(() => (supervisor.stats().children[0]!.log?.lines ?? 0) >= 20)).toBe(true);
    const tail = await control.logs('ticker', { lines: 5 });
    expect(tail).toHaveLength(5);
    const numbers = tail.map((line) => Number(/ out tick (\d+)$/.exec(line)![1]));
    expect(numbers).toEqual([numbers[0]!, numbers[0]! + 1, numbers[0]! + 2, numbers[0]! + 3, numbers[0]! + 4]);

    const followed: number[] = [];
    const abort = new AbortController();
    for await (const line of control.followLogs('ticker', { lines: 3, signal: abort.signal })) {
      followed.push(Number(/ out tick (\d+)$/.exec(line)![1]));
      if (followed.length === 60) abort.abort();
    }
    expect(followed).toHaveLength(60);
    expect(followed).toEqual(followed.map((_, i) => followed[0]! + i));
    expect(followed[0]).toBeGreaterThan(numbers[4]! - 3);

    expect(await rejection(control.logs('nope'))).toMatchObject({ code: 'ERR_SUPERVISOR_UNKNOWN_CHILD' });
    expect(await rejection(control.logs('ticker', { lines: -1 }))).toMatchObject({ code: 'ERR_SUPERVISOR_CONTROL' });
  });

  it('ends a follow when the supervisor stops, after the last lines', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, logs: {}, children: [{ name: 'ticker', kind: 'process', entry: ticker }] });
    await supervisor.start();
    const control = await client(runFolder);
    const seen: string[] = [];
    const following = (async () => {
      for await (const line of control.followLogs('ticker', { lines: 0 })) {
        seen.push(line);
        if (seen.length === 5) void supervisor.stop();
      }
    })();
    await following;
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(supervisor.state).toBe('stopped');
  });

  it('refuses logs when the supervisor writes no log files, naming the option', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, children: [web] });
    await supervisor.start();
    const control = await client(runFolder);
    expect((await rejection(control.logs('web'))).message).toMatch(/`logs` option/);
  });

  it('shuts the supervisor down: the answer comes once every child has stopped, then the socket is gone', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, children: [web, cache] });
    await supervisor.start();
    const pids = supervisor.whichChildren().map((child) => child.pid!);
    const control = await client(runFolder);
    await control.shutdown();
    expect(supervisor.state).toBe('stopped');
    expect(pids.filter(pidExists)).toEqual([]);
    expect(existsSync(join(runFolder, 'control.sock'))).toBe(false);
    await supervisor.onStopped();
    const error = await rejection(connect(runFolder));
    expect(error).toMatchObject({ code: 'ERR_SUPERVISOR_NOT_RUNNING' });
    expect(error.message).toBe(`No supervisor is running in ${runFolder} (no control socket ${join(runFolder, 'control.sock')})`);
    expect(await rejection(control.status())).toMatchObject({ code: 'ERR_SUPERVISOR_NOT_RUNNING' });
  });

  it('refuses a run folder where another supervisor runs, and replaces the socket of one that died', async () => {
    const runFolder = makeTempDir('drove-run-');
    const first = supervise({ runFolder, children: [web] });
    await first.start();
    const second = supervise({ runFolder, children: [web] });
    const refused = await rejection(second.start());
    expect(refused).toMatchObject({ code: 'ERR_SUPERVISOR_CONTROL' });
    expect(refused.message).toContain('another supervisor is running in this run folder');
    expect((await client(runFolder)).pid).toBe(process.pid); // the first one still answers

    // A process that listened there and was SIGKILLed leaves its socket file behind.
    const other = makeTempDir('drove-run-');
    const path = join(other, 'control.sock');
    const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(existsSync(path)).toBe(true);
    expect(await rejection(connect(other))).toMatchObject({ code: 'ERR_SUPERVISOR_NOT_RUNNING', message: expect.stringContaining('a stale control socket') });
    const third = supervise({ runFolder: other, children: [web] });
    await third.start();
    expect((await (await client(other)).status()).children).toHaveLength(1);
  });

  it('refuses a run folder others can write to', async () => {
    const runFolder = makeTempDir('drove-run-');
    chmodSync(runFolder, 0o777);
    const supervisor = supervise({ runFolder, children: [web] });
    const refused = await rejection(supervisor.start());
    expect(refused).toMatchObject({ code: 'ERR_SUPERVISOR_CONTROL' });
    expect(refused.message).toContain('others can write to the run folder (mode 777)');
    expect(supervisor.state).toBe('stopped');
  });

  it("lets no other user connect (run as root: a client as uid 65534 is refused)", async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, children: [web] });
    await supervisor.start();
    // Even with the folder open to all, the socket's 0600 refuses another user.
    chmodSync(runFolder, 0o711);
    mkdirSync(join(runFolder, 'unused'), { recursive: true });
    const script = `require('net').connect(${JSON.stringify(join(runFolder, 'control.sock'))}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (error) => { console.log(error.code); process.exit(0); })`;
    const asNobody = process.getuid?.() === 0;
    const probe = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], ...(asNobody ? { uid: 65534, gid: 65534 } : {}) });
    let out = '';
    probe.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => probe.once('close', resolve));
    // Not root: the probe is this user, who may connect; the 0600 mode is checked above.
    expect(out.trim()).toBe(asNobody ? 'EACCES' : 'connected');
  });

  it('works from another process: the client is just the socket', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, children: [web] });
    await supervisor.start();
    const client = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `import(${JSON.stringify(client)}).then(async ({ connect }) => { const c = await connect(${JSON.stringify(runFolder)}); const s = await c.status(); console.log(s.children.map((x) => x.name + ' ' + x.state).join()); c.close(); })`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => child.once('close', resolve));
    expect(out.trim()).toBe('web running');
  });
});
