/**
 * How a process child is told to die with its parent: on Linux, util-linux's
 * `setpriv --pdeathsig SIGKILL` sets the parent-death signal and then execs
 * the real program (same pid, same file descriptors, IPC channel included),
 * so the kernel kills the child however the parent dies, even while the
 * child's event loop is blocked or before its first line runs.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** Where util-linux installs setpriv on Debian, Ubuntu, Fedora and Alpine (util-linux-misc). */
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];

/**
 * The environment variable the preload (`entry/orphan-watch.cjs`) reads:
 * `<parent pid>`, then `:pdeathsig` when the signal is armed and `:gate=<fd>`
 * for a group leader (see `GroupReaper.add`).
 */
export const PARENT_ENV = 'DROVE_PARENT';

/**
 * The parent-death signal is armed (by setpriv, in the child) after the fork:
 * a parent that dies in between leaves the child re-parented and unsignalled.
 * This check runs after setpriv's prctl and before the command: the parent is
 * still the one that spawned it, or the command is not run at all. A group
 * leader (`$4` is its gate's file descriptor, `-` for none) then waits for its
 * gate (see `GroupReaper.add`) and closes it, so the command gets no extra
 * descriptor. A POSIX sh exports `PWD` (the real one) to what it runs: the
 * command gets the `PWD` it was given, or none. (Where /bin/sh is bash, bash
 * adds `SHLVL=0`.) `drove_gate` is not exported: the command never sees it.
 */
const COMMAND_GUARD = [
  '[ "$PPID" = "$1" ] || exit 129',
  'if [ "$4" != - ]; then read -r drove_gate <&"$4" || exit 129; eval "exec $4<&-"; fi',
  'if [ "$2" = 1 ]; then PWD=$3; export PWD; else unset PWD; fi',
  'shift 4; exec "$@"',
].join('; ');

let setprivPath: string | null | undefined;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The setpriv this process uses, or null where there is none (not Linux,
 * util-linux missing, or `DROVE_SETPRIV` set to an empty string).
 * `DROVE_SETPRIV=/path/to/setpriv` names another one. Looked up once.
 */
export function setprivCommand(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  const chosen = process.env.DROVE_SETPRIV;
  if (chosen !== undefined) setprivPath = chosen !== '' && executable(chosen) ? chosen : null;
  else if (process.platform === 'linux') setprivPath = SETPRIV_PATHS.find(executable) ?? null;
  return setprivPath;
}

/** True when children are started with a parent-death signal. */
export function parentDeathSignalArmed(): boolean {
  return setprivCommand() !== null;
}

/** A command as execvp would find it, or undefined: a command that cannot run is spawned bare, so Node reports its ENOENT or EACCES as before. */
function findExecutable(command: string, env: NodeJS.ProcessEnv, cwd: string | undefined): string | undefined {
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd ?? process.cwd(), command);
    return executable(path) ? path : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const path = join(resolve(cwd ?? process.cwd(), dir === '' ? '.' : dir), command);
    if (executable(path)) return path;
  }
  return undefined;
}

/** What to exec for a forked Node child: setpriv in front of node where it is armed. */
export function wrapNode(nodeArgs: string[]): { file: string; args: string[] } {
  const setpriv = setprivCommand();
  if (!setpriv) return { file: process.execPath, args: nodeArgs };
  return { file: setpriv, args: ['--pdeathsig', 'SIGKILL', '--', process.execPath, ...nodeArgs] };
}

/**
 * What to exec for a command child: setpriv, then a `sh` that checks the parent is still alive (and,
 * for a group leader, waits at its gate, file descriptor `gateFd`), then the command (one pid
 * throughout). A group leader goes through the `sh` even without setpriv, for its gate. `gated` says
 * whether the child reads the gate: not when the command cannot be found (it is spawned bare).
 */
export function wrapCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string | undefined,
  gateFd?: number,
): { file: string; args: string[]; gated: boolean } {
  const setpriv = setprivCommand();
  if ((!setpriv && gateFd === undefined) || findExecutable(command, env, cwd) === undefined) return { file: command, args, gated: false };
  const guarded = [
    ...['/bin/sh', '-c', COMMAND_GUARD, 'drove-parent-guard', String(process.pid)],
    ...(env.PWD === undefined ? ['0', ''] : ['1', env.PWD]),
    gateFd === undefined ? '-' : String(gateFd),
    command,
    ...args,
  ];
  if (!setpriv) return { file: guarded[0]!, args: guarded.slice(1), gated: gateFd !== undefined };
  return { file: setpriv, args: ['--pdeathsig', 'SIGKILL', '--', ...guarded], gated: gateFd !== undefined };
}

/** The value of {@link PARENT_ENV} for a child of this process; `gateFd` for a group leader. */
export function parentEnvValue(gateFd?: number): string {
  return `${process.pid}${parentDeathSignalArmed() ? ':pdeathsig' : ''}${gateFd === undefined ? '' : `:gate=${gateFd}`}`;
}
