// `drove-supervise start --daemon fleet.config.mjs`: the fleet runs in a
// detached process of its own session (the terminal's hang-up does not reach
// it), its pid in <runFolder>/supervisor.pid, its own lines in
// <runFolder>/supervisor.log; the command returns once the fleet has started,
// as the supervisor's control socket tells, or reports why it did not.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { connect } from '../control-client.js';
import { ConfigFailure, KnownFailure } from './cli-output.js';

/** The variable that tells a `drove-supervise` process it is the daemon itself. */
export const DAEMON_ENV = 'DROVE_SUPERVISE_DAEMON';
/** How often the starting command asks the daemon whether it has started. */
const POLL_MS = 100;

/** The run folder of a config that is to run as a daemon, absolute. */
export function daemonRunFolder(configPath: string, resolved: string | undefined): string {
  if (resolved === undefined) {
    throw new ConfigFailure(
      `${configPath} names no runFolder, and a daemon needs one (its pid file, its log, its control socket)`,
      "add `runFolder: './run'` (or any folder of yours) to the config",
    );
  }
  return resolved;
}

/**
 * Starts the daemon and waits until its supervisor runs (its control socket
 * answers `status` with `running`). Resolves with what to print.
 *
 * @throws KnownFailure when the daemon exits first (its log's last lines in the message).
 */
export async function startDaemon(configPath: string, runFolder: string, verbose: boolean): Promise<string> {
  mkdirSync(runFolder, { recursive: true, mode: 0o700 });
  const logPath = join(runFolder, 'supervisor.log');
  const log = openSync(logPath, 'a', 0o600);
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, ...(verbose ? ['--verbose'] : []), configPath], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, [DAEMON_ENV]: '1' },
  });
  closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code, signal) => (exited = code ?? (signal ? 128 : 1)));
  child.once('error', () => (exited = 1));
  for (;;) {
    await delay(POLL_MS);
    if (exited !== undefined) {
      const tail = lastLines(logPath, 3);
      throw new KnownFailure(`the supervisor exited (code ${exited}) before its fleet had started: ${tail || 'it wrote nothing'}`, `its log is ${logPath}`);
    }
    try {
      const client = await connect(runFolder);
      try {
        const status = await client.status();
        // Another supervisor's socket would answer with another pid: the folder's own check refuses that start.
        if (status.pid === child.pid && status.state === 'running') {
          child.unref();
          return `supervisor pid ${status.pid} running in ${runFolder} (${status.children.length} child${status.children.length === 1 ? '' : 'ren'}); drove-supervise status --run-folder ${runFolder}\n`;
        }
      } finally {
        client.close();
      }
    } catch {
      // Not listening yet, or still starting: ask again.
    }
  }
}

/** In the daemon: the pid file, removed again at exit. */
export function writePidFile(runFolder: string): () => void {
  const path = join(runFolder, 'supervisor.pid');
  writeFileSync(path, `${process.pid}\n`, { mode: 0o600 });
  return () => rmSync(path, { force: true });
}

function lastLines(path: string, count: number): string {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).slice(-count).join(' / ');
  } catch {
    return '';
  }
}
