import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '@drove/test-support';
import { fixture, waitFor } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const config = fileURLToPath(fixture('fleet.config.mjs'));
const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(removeTempDirs);

/** Starts a process and collects its stdout lines. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; lines: () => string[]; exited: Promise<number | null> } {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, lines: () => out.split('\n').filter(Boolean), exited };
}

describe('systemd notify (Type=notify, WatchdogSec=)', () => {
  it('says READY=1 with a status once the fleet runs, pings the watchdog, and says STOPPING=1 on SIGTERM', async () => {
    // The test is systemd: it owns the datagram socket NOTIFY_SOCKET names.
    const socket = join(makeTempDir('drove-notify-'), 'notify.sock');
    const receiver = run('python3', [fileURLToPath(fixture('notify-receiver.py')), socket]);
    expect(await waitFor(() => receiver.lines().includes('listening'))).toBe(true);

    const master = run(process.execPath, [cli, config], { DROVE_TEST_FLEET: 'ok', NOTIFY_SOCKET: socket, WATCHDOG_USEC: '200000' });
    const messages = (): string[] => receiver.lines().filter((line) => line !== 'listening' && line !== 'BARRIER=1');
    expect(await waitFor(() => messages().length > 0)).toBe(true);
    expect(messages()[0]).toBe(`READY=1|STATUS=3 of 3 children running|MAINPID=${master.child.pid}`);
    // WatchdogSec=200ms: a ping every 100 ms while the master runs.
    expect(await waitFor(() => messages().filter((line) => line === 'WATCHDOG=1').length >= 3)).toBe(true);

    master.child.kill('SIGTERM');
    expect(await master.exited).toBe(0);
    expect(messages()).toContain('STOPPING=1');
  });

  it('says nothing outside a Type=notify service (no NOTIFY_SOCKET)', async () => {
    const master = run(process.execPath, [cli, config], { DROVE_TEST_FLEET: 'ok', NOTIFY_SOCKET: '' });
    const stderr: string[] = [];
    master.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    expect(await waitFor(() => stderr.join('').split(' ready in ').length === 4)).toBe(true);
    master.child.kill('SIGTERM');
    expect(await master.exited).toBe(0);
    expect(stderr.join('')).not.toMatch(/systemd|error/);
  });
});
