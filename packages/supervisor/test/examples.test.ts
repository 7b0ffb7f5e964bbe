import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';

const run = promisify(execFile);
const example = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

describe('as users meet it', () => {
  it('runs the README example (examples/fleet.mjs)', async () => {
    const { stdout } = await run(process.execPath, [example('fleet.mjs')], { timeout: 30_000 });
    const lines = stdout.split('\n');
    expect(lines).toContain('jobs | jobs running in a worker thread');
    const first = /^GET → hello from pid (\d+)$/m.exec(stdout);
    const during = /^GET during the restart → hello from pid (\d+)$/m.exec(stdout);
    expect(first).not.toBeNull();
    expect(during).not.toBeNull();
    expect(during![1]).not.toBe(first![1]);
    expect(lines).toContain('web exited: crashed (SIGKILL), restarting');
    expect(lines).toContain('web: running, 1 restart(s)');
    expect(lines).toContain('stopped: 0 children alive');
  });

  it('is require()-able from CommonJS on Node >= 20.19', async () => {
    const script = `
      const { Supervisor, SupervisorError, ManualClock } = require('@drove/supervisor');
      const { ready } = require('@drove/supervisor/child');
      const supervisor = new Supervisor({ clock: new ManualClock() });
      console.log(JSON.stringify({ state: supervisor.state, base: typeof SupervisorError, ready: ready() }));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)) });
    expect(JSON.parse(stdout)).toEqual({ state: 'idle', base: 'function', ready: false });
  });

  it('runs the README fleet config with the CLI (examples/fleet.config.mjs)', async () => {
    const cli = spawn(process.execPath, [fileURLToPath(new URL('../dist/cli.js', import.meta.url)), example('fleet.config.mjs')], {
      env: { ...process.env, PORT: '0' },
    });
    let stderr = '';
    let stdout = '';
    cli.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    cli.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => cli.once('close', resolve));
    try {
      expect(await waitFor(() => stderr.includes('web ready') && stderr.includes('jobs ready'))).toBe(true);
      expect(stdout).toContain('jobs | jobs running in a worker thread');
      cli.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      cli.kill('SIGKILL');
    }
  });
});
