// Hosts of a remote export for the tests: real `drove-export worker` processes on this machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { isAlive, removeTempDirs, startRedis, waitFor, type Redis } from '@drove/test-support';
import { cliPath } from './export-process.js';
import { fixturePath } from './helpers.js';

export interface ExportHost {
  name: string;
  child: ChildProcess;
  pid: number;
  out: string;
  stderr(): string;
  exited: Promise<number | NodeJS.Signals>;
}

const started: ExportHost[] = [];

/** Starts `drove-export worker` and resolves once it says it is ready. */
export async function startExportHost(
  connection: string,
  queue: string,
  { name, out, args = [], env = {} }: { name: string; out: string; args?: string[]; env?: Record<string, string> },
): Promise<ExportHost> {
  const child = spawn(
    process.execPath,
    [cliPath, 'worker', '--queue', queue, '--renderer', fixturePath('remote-renderer.mjs'), '--out', out, '--name', name, '--threads', '1', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REDIS_URL: connection, ...env } },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout?.resume();
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let gone = false;
  void exited.then(() => (gone = true));
  const host: ExportHost = { name, child, pid: child.pid ?? 0, out, stderr: () => stderr, exited };
  started.push(host);
  if (!(await waitFor(() => gone || stderr.includes('drove-export worker: ready'), { deadlineMs: 30_000 })) || gone) {
    throw new Error(`drove-export worker did not get ready:\n${stderr}`);
  }
  return host;
}

/** SIGTERM: the host finishes its tasks and exits 0. */
export async function stopExportHost(host: ExportHost): Promise<number | NodeJS.Signals> {
  if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGTERM');
  return host.exited;
}

/** Kills every host a test file started that still runs. */
export async function killExportHosts(): Promise<void> {
  for (const host of started.splice(0)) {
    if (host.child.exitCode === null && host.child.signalCode === null) {
      host.child.kill('SIGCONT');
      host.child.kill('SIGKILL');
    }
    await host.exited;
    await waitFor(() => !isAlive(host.pid), { deadlineMs: 5000 });
  }
}

/**
 * A redis-server started before a test file's tests; after them, the hosts
 * they started are killed, Redis stops and the temp folders are removed.
 */
export function useRedis(): Pick<Redis, 'url'> {
  let redis: Redis | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  // Removing the hosts' folders (over 100,000 files after the chaos run) takes a while on a busy disk.
  afterAll(async () => {
    await killExportHosts();
    await redis?.stop();
    removeTempDirs();
  }, 300_000);
  return {
    get url() {
      if (!redis) throw new Error('Redis is not started yet: use its url inside a test');
      return redis.url;
    },
  };
}
