// drove-supervise as PID 1 (a container's entrypoint). The kernel makes PID 1 the
// parent of every orphan in its PID namespace, and Node cannot reap those: libuv
// waitpid()s only the children it spawned, so each orphan that exits stays a zombie. Debian's `tini` can:
// started with `-s` it is a child subreaper, so the orphans of everything it runs
// are reparented to it and it reaps them. When one is installed, this PID 1 only
// starts `tini -s -- node cli.js <args>`, forwards its signals to it and exits as
// the supervisor inside exits; the fleet runs in that inner process.
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The variable naming the tini binary to run under as PID 1 (set, it is the only one tried). */
export const TINI_ENV = 'DROVE_TINI';
/** The variable that marks the supervisor started under tini by a PID 1, which does not do it again. */
export const UNDER_INIT_ENV = 'DROVE_SUPERVISE_INIT';
/** Where Debian's package (`apt-get install tini`) and Docker's `--init` put it. */
const TINI_PATHS = ['/usr/bin/tini', '/sbin/docker-init'];
/**
 * What PID 1 passes on: the supervisor's own signals (SIGTERM and SIGINT stop,
 * SIGHUP reloads), SIGUSR1 (Node's inspector) and SIGWINCH (a terminal's size).
 * Not SIGUSR2 nor SIGQUIT: the supervisor does not handle them, so forwarding
 * would kill it at once, where a PID 1 without handlers ignores them.
 */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGWINCH'];

/** The tini to run under: the one `DROVE_TINI` names (an empty value: none), else the first of the usual paths. */
export function findTini(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env[TINI_ENV];
  const candidates = named === undefined ? TINI_PATHS : [named];
  return candidates.find((path) => path !== '' && executable(path));
}

/**
 * Runs this command again under tini when this process is PID 1 and a tini is
 * installed: resolves with the exit code to exit with once the supervisor
 * inside has exited (tini's: the supervisor's code, or 128 + its signal).
 * Resolves with `undefined` when the fleet is to run in this process: not PID 1,
 * already under tini, or no tini (then it says, in one line, what to install).
 */
export async function superviseUnderInit(argv: readonly string[], log: (line: string) => void): Promise<number | undefined> {
  if (process.pid !== 1 || process.env[UNDER_INIT_ENV] !== undefined) return undefined;
  const tini = findTini();
  if (tini === undefined) {
    const named = process.env[TINI_ENV];
    const looked = named === undefined ? TINI_PATHS.join(' or ') : `${TINI_ENV}=${named}`;
    log(
      `running as PID 1 without an init (no tini at ${looked}): orphaned grandchildren are not reaped and stay zombies; ` +
        'install one (`apt-get install tini`) or run the container with `docker run --init`',
    );
    return undefined;
  }
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  // No `-g`: that would signal the supervisor's whole process group, its children
  // too, and they are the supervisor's to stop (in reverse start order) or to
  // reload (SIGHUP is a rolling restart, not a signal for every child). No `-p`:
  // if this PID 1 dies, the kernel kills its whole namespace anyway.
  const child = spawn(tini, ['-s', '--', process.execPath, ...process.execArgv, cli, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [UNDER_INIT_ENV]: tini },
  });
  // A signal that comes before tini runs waits for it: a lost SIGTERM would leave the container running.
  const early: NodeJS.Signals[] = [];
  const forward = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) early.push(signal);
    else child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  const stopForwarding = (): void => {
    for (const signal of FORWARDED) process.off(signal, forward);
  };
  return new Promise((resolve) => {
    child.once('error', (error) => {
      stopForwarding();
      log(`running as PID 1 without an init: could not start ${tini} (${error.message}); orphaned grandchildren are not reaped`);
      resolve(undefined);
    });
    child.once('spawn', () => {
      log(`running as PID 1: the fleet runs under ${tini} -s, which reaps the orphans its processes leave; signals are passed on`);
      for (const signal of early.splice(0)) child.kill(signal);
    });
    child.once('exit', (code, signal) => {
      stopForwarding();
      // A PID 1 cannot die of a signal of its own sending: the shell's 128 + n says which.
      resolve(code ?? 128 + (signal === null ? 0 : osConstants.signals[signal]));
    });
  });
}

function executable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
