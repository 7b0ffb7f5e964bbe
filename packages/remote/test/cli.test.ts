// drove-worker's command line, by the shared convention (@drove/pool/cli): --help/--version,
// usage errors exit 2, known failures one line exit 1, never a password from the connection URL.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bin, fixture } from './helpers.js';

const exec = promisify(execFile);

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { env: { ...process.env, REDIS_URL: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('drove-worker', () => {
  it('prints its help on stdout and exits 0; --version prints the version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: drove-worker --queue NAME/);
    expect(help.stdout).toContain('--stall-interval-ms');
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: '0.0.0\n' });
  });

  it.each([
    [['--connection', 'redis://127.0.0.1:1', fixture], '--queue is required'],
    [['--queue', 'q', fixture], '--connection is required (or set REDIS_URL)'],
    [['--queue', 'q', '--connection', 'redis://127.0.0.1:1'], 'name the worker module'],
    [['--queue', 'q', '--connection', 'redis://127.0.0.1:1', '--threads', '0', fixture], '--threads expects an integer >= 1, got "0"'],
    [['--queue', 'q', '--connection', 'http://127.0.0.1:1', fixture], 'redis:// or rediss:// URL, got a http: URL'],
    [['--queue', 'q', '--connection', 'redis://127.0.0.1:1', '--kind', 'inline', fixture], '--kind expects thread or process'],
    [['--queue', 'q', '--connection', 'redis://127.0.0.1:1', '--frobnicate', fixture], "Unknown option '--frobnicate'"],
  ])('refuses %j with one line and the usage, exit 2', async (args, problem) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    const [line, usage, rest] = stderr.split('\n');
    expect(line).toContain(problem);
    expect(line?.startsWith('drove-worker: ')).toBe(true);
    expect(usage).toMatch(/^usage: drove-worker/);
    expect(rest).toBe('');
  });

  it('a missing worker module is a known failure: one line naming the fix, exit 1', async () => {
    const { code, stderr } = await cli(['--queue', 'q', '--connection', 'redis://127.0.0.1:1', './no-such-worker.mjs']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^drove-worker: no worker module at \S+no-such-worker\.mjs; give the path of a module that exports defineWorker/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unreachable Redis is a known failure that never shows the password, from --connection or REDIS_URL', async () => {
    for (const [args, env] of [
      [['--queue', 'q', '--connection', 'redis://app:hunter2@127.0.0.1:1', '--connect-timeout-ms', '300', '--threads', '1', fixture], {}],
      [['--queue', 'q', '--connect-timeout-ms', '300', '--threads', '1', fixture], { REDIS_URL: 'redis://app:hunter2@127.0.0.1:1' }],
    ] as const) {
      const { code, stderr } = await cli([...args], env);
      expect(code).toBe(1);
      expect(stderr).toContain('drove-worker: could not reach Redis at redis://***@127.0.0.1:1; check --connection (or REDIS_URL)');
      expect(stderr).not.toContain('hunter2');
      expect(stderr).not.toContain('app@');
    }
  });
});
