import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { connect } from '@drove/supervisor';
import { fixture, waitFor } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const config = fileURLToPath(fixture('fleet.config.mjs'));

/** Daemons a test started, killed after it whatever happened (with their children, by their pdeathsig). */
const daemons: number[] = [];
afterEach(() => {
  for (const pid of daemons.splice(0)) if (pidExists(pid)) process.kill(pid, 'SIGKILL');
});
afterAll(removeTempDirs);

function command(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('drove-supervise start --daemon', () => {
  it('returns once the fleet runs in the background, with a pid file and a log, until shutdown', async () => {
    const runFolder = join(makeTempDir('drove-daemon-'), 'run');
    const env = { DROVE_TEST_FLEET: 'controlled', DROVE_TEST_RUN_FOLDER: runFolder };
    const started = await command(['start', '--daemon', config], env);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const match = /^supervisor pid (\d+) running in (\S+) \(2 children\); drove-supervise status --run-folder (\S+)\n$/.exec(started.stdout);
    expect(match).not.toBeNull();
    const pid = Number(match![1]);
    daemons.push(pid);
    expect(match![2]).toBe(runFolder);
    // The command has exited; the daemon runs on, in a session of its own.
    expect(pidExists(pid)).toBe(true);
    expect(readFileSync(join(runFolder, 'supervisor.pid'), 'utf8')).toBe(`${pid}\n`);
    expect(readFileSync(join(runFolder, 'supervisor.log'), 'utf8')).toMatch(/^supervisor \| alpha ready in \d+ ms$/m);

    const client = await connect(runFolder);
    const status = await client.status();
    client.close();
    expect(status.pid).toBe(pid);
    expect(status.children.map((child) => [child.name, child.state])).toEqual([
      ['alpha', 'running'],
      ['ticker', 'running'],
    ]);
    // Its children's lines go to their log files (the daemon has no terminal).
    expect(await waitFor(async () => (await command(['logs', 'ticker', '-r', runFolder], {})).stdout.includes(' out tick '))).toBe(true);

    const again = await command(['start', '--daemon', config], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^drove-supervise: the supervisor exited \(code 1\) before its fleet had started: .*another supervisor is running in this run folder.*; its log is /);

    const children = status.children.map((child) => child.pid!);
    expect((await command(['shutdown', '-r', runFolder], {})).code).toBe(0);
    expect(await waitFor(() => !pidExists(pid))).toBe(true);
    expect(children.filter(pidExists)).toEqual([]);
    expect(existsSync(join(runFolder, 'supervisor.pid'))).toBe(false);
    expect(readFileSync(join(runFolder, 'supervisor.log'), 'utf8')).toMatch(/^supervisor \| stopped$/m);
  });

  it('needs a runFolder in the config', async () => {
    const result = await command(['start', '--daemon', config], { DROVE_TEST_FLEET: 'ok' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `drove-supervise: ${config} names no runFolder, and a daemon needs one (its pid file, its log, its control socket); add \`runFolder: './run'\` (or any folder of yours) to the config\n`,
    );
  });

  it('reports a fleet that could not start, from the daemon log, exit 1', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const runFolder = join(makeTempDir('drove-daemon-'), 'run');
      const port = (busy.address() as AddressInfo).port;
      const result = await command(['start', '--daemon', config], { DROVE_TEST_FLEET: 'busy-port', DROVE_TEST_RUN_FOLDER: runFolder, DROVE_TEST_PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('drove-supervise: the supervisor exited (code 1) before its fleet had started: ');
      expect(result.stderr).toContain('EADDRINUSE');
      expect(result.stderr).toContain(`; its log is ${join(runFolder, 'supervisor.log')}\n`);
    } finally {
      busy.close();
    }
  });

  it('refuses --daemon with a command', async () => {
    const result = await command(['status', '--daemon', '-r', '/tmp/x'], {});
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('drove-supervise: `--daemon` is for running a fleet: drove-supervise start --daemon fleet.config.mjs');
  });
});
