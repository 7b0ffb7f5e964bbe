// The command line of `drove-supervise`: what it accepts and its help.
import { existsSync, statSync } from 'node:fs';
import type { ControlCommand } from '../control-protocol.js';
import { UsageError } from './cli-output.js';

/** A command for a running supervisor, through its control socket. */
export interface ControlArgs {
  action: 'control';
  command: ControlCommand;
  /** The child, for restart, stop, start and logs; the group, for scale. */
  name: string | undefined;
  /** For scale. */
  count: number | 'max' | undefined;
  runFolder: string;
  lines: number;
  follow: boolean;
  json: boolean;
  verbose: boolean;
}

/** What the command line asks for. */
export type CliArgs = { action: 'help' } | { action: 'version' } | { action: 'run'; config: string; verbose: boolean; daemon: boolean } | ControlArgs;

/** The commands that take a child's name. */
const NAMED: ReadonlySet<string> = new Set(['restart', 'stop', 'start', 'logs', 'scale']);
const COMMANDS: ReadonlySet<string> = new Set(['status', 'restart', 'stop', 'start', 'reload', 'logs', 'scale', 'shutdown']);

/** Whether a command line is one of the commands for a running supervisor (for the usage a usage error shows). */
export function isControlCommandLine(argv: readonly string[]): boolean {
  const first = argv.find((arg) => !arg.startsWith('-'));
  return first !== undefined && COMMANDS.has(first) && !(first === 'start' && argv.some((arg) => isConfigPath(arg) && arg !== 'start'));
}

/** The usage line of the commands for a running supervisor. */
export const controlSynopsis =
  'Usage: drove-supervise status|restart <name>|stop <name>|start <name>|reload|logs <name> [-f] [--lines N]|scale <name> <N>|shutdown --run-folder <dir>   (drove-supervise --help for more)';

/** The usage line printed after a usage error. */
export const synopsis = 'Usage: drove-supervise [--verbose] <fleet.config.mjs>   (drove-supervise --help for more)';

/** The whole help, for `--help`. */
export const help = `drove-supervise: runs the fleet a config module describes, in the foreground, until SIGTERM or SIGINT.

Usage: drove-supervise [options] <fleet.config.mjs>
       drove-supervise start <fleet.config.mjs>       (the same)
       drove-supervise start --daemon <fleet.config.mjs>
       drove-supervise <command> [<name>] --run-folder <dir> [options]

The config module default-exports the Supervisor options of @drove/supervisor
(or a function, possibly async, returning them). Relative entry paths and cwd
resolve against the config's folder. A child that never calls ready() from
@drove/supervisor/child needs readiness: 'spawn' or { tcp: { port } }.

Commands, for the supervisor running with that runFolder (its control socket):
  status            each child: state, pid, uptime, restarts, back-off, CPU, RSS,
                    the log lines dropped when it wrote faster than the disk,
                    and the time to its next scheduled restart (cronRestart)
  restart <name>    stop the child (whatever its state) and start it again
  stop <name>       stop the child; it stays stopped until start or restart
  start <name>      start a stopped child
  reload            restart every child, one at a time, each ready before the next
                    (with reload: 'surge', each successor ready before its child stops)
  logs <name>       the last lines of its log file (the config needs \`logs\`)
  scale <name> <N>  run N copies of a spec with \`instances\` (or max): start
                    copies, or stop the newest first
  shutdown          stop every child, then the supervisor

Options:
  -h, --help             print this help and exit
  -v, --version          print the version of @drove/supervisor and exit
      --verbose          print the stack of an error along with its one-line message
  -d, --daemon           run the fleet in the background: return once it has
                         started, its pid in <runFolder>/supervisor.pid, its own
                         lines in <runFolder>/supervisor.log, the children's in
                         <runFolder>/logs/ (the config must name a runFolder)
  -r, --run-folder <dir> the runFolder of the supervisor to control
                         (default: $DROVE_RUN_FOLDER)
  -n, --lines <N>        logs: how many of the last lines (default 15)
  -f, --follow           logs: then print each new line until Ctrl-C
      --json             status: the status as JSON, for scripts

Config options for running a fleet (each in the README):
  runFolder               its control socket, for the commands above (and, with
                          --daemon, the pid file and the supervisor's own log)
  logs: {}                each child's lines in <runFolder>/logs/<name>.log,
                          timestamped, rotated by size (maxBytes, keep)
  health: { port }        GET /healthz, /readyz and /metrics (Prometheus)
  systemd                 Type=notify readiness, watchdog and stopping (the
                          command sets it: it speaks only under NOTIFY_SOCKET)
  children[].instances    N copies of the spec ('max': one per core) sharing its
                          sockets, named <name>#0 ...; scale resizes the group
  children[].reload       'surge': a reload starts each successor beside its
                          child and stops the child once it is ready
  children[].watch        restart the child when its files change (development)
  children[].cronRestart  restart it on a schedule, as PM2's cron_restart:
                          '0 3 * * *' (5 fields, or 6 with seconds first), or
                          { pattern, timezone }

Signals:
  SIGTERM, SIGINT stop every child gracefully (a second one kills them at once)
  SIGHUP          restart the children one at a time, each ready before the next

As PID 1 (a container's entrypoint):
  the fleet runs under tini (/usr/bin/tini, /sbin/docker-init or $DROVE_TINI)
  as a child subreaper that reaps the orphans its processes leave; PID 1
  passes the signals above on and exits as the supervisor does. Without tini
  it warns once and runs as usual: install it (apt-get install tini) or run
  the container with \`docker run --init\`.

Output:
  stdout, stderr  each child's lines, prefixed with its name ("web | ...")
  stderr          the supervisor's lines ("supervisor | ..."): the addresses of
                  its shared sockets once bound, spawns, readiness, exits, back-offs

Exit codes:
  0  stopped on a signal
  1  gave up (restart intensity exceeded) or could not start (a busy port, ...)
  2  bad usage, or a config that is missing, does not load or is invalid
  A command exits 0 once done, 1 when it failed (no supervisor in that run
  folder, no child of that name, a child that did not become ready...).`;

/**
 * Parses the arguments. `--help` and `--version` win over anything else on
 * the line, as in git and npm.
 *
 * @throws UsageError naming the first problem.
 */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  if (argv.includes('--help') || argv.includes('-h')) return { action: 'help' };
  if (argv.includes('--version') || argv.includes('-v')) return { action: 'version' };
  let verbose = false;
  let follow = false;
  let json = false;
  let daemon = false;
  let runFolder: string | undefined;
  let lines: number | undefined;
  const words: string[] = [];
  let onlyWords = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('-')) throw new UsageError(`\`${arg}\` needs a value`);
      return next;
    };
    if (onlyWords) words.push(arg);
    else if (arg === '--') onlyWords = true;
    else if (arg === '--verbose') verbose = true;
    else if (arg === '-f' || arg === '--follow') follow = true;
    else if (arg === '--json') json = true;
    else if (arg === '-d' || arg === '--daemon') daemon = true;
    else if (arg === '-r' || arg === '--run-folder') runFolder = value();
    else if (arg.startsWith('--run-folder=')) runFolder = arg.slice('--run-folder='.length);
    else if (arg === '-n' || arg === '--lines') lines = countOf(arg, value());
    else if (arg.startsWith('--lines=')) lines = countOf('--lines', arg.slice('--lines='.length));
    else if (arg.startsWith('-')) throw new UsageError(`unknown option \`${arg}\``);
    else words.push(arg);
  }
  const [first, ...rest] = words;
  // `start fleet.config.mjs` runs a fleet (PM2's `pm2 start ecosystem.config.js`); `start web` starts a child.
  const startsConfig = first === 'start' && rest.length === 1 && isConfigPath(rest[0]!);
  if (first !== undefined && COMMANDS.has(first) && !startsConfig) {
    if (daemon) throw new UsageError('`--daemon` is for running a fleet: drove-supervise start --daemon fleet.config.mjs');
    return controlArgs(first as ControlCommand, rest, { runFolder: runFolder ?? env.DROVE_RUN_FOLDER, lines, follow, json, verbose });
  }
  const files = startsConfig ? rest : words;
  if (runFolder !== undefined || lines !== undefined || follow || json) {
    const option = runFolder !== undefined ? '--run-folder' : lines !== undefined ? '--lines' : follow ? '--follow' : '--json';
    throw new UsageError(`\`${option}\` is for the commands (status, logs …), not for running a fleet: the config names its runFolder`);
  }
  if (files.length === 0) throw new UsageError('missing the config file');
  if (files.length > 1) throw new UsageError(`one config file expected, got ${files.length}: ${files.map((file) => `\`${file}\``).join(' ')}`);
  return { action: 'run', config: files[0]!, verbose, daemon };
}

function controlArgs(
  command: ControlCommand,
  rest: string[],
  { runFolder, lines, follow, json, verbose }: { runFolder: string | undefined; lines: number | undefined; follow: boolean; json: boolean; verbose: boolean },
): ControlArgs {
  const named = NAMED.has(command);
  let count: number | 'max' | undefined;
  if (command === 'scale') {
    if (rest.length !== 2) throw new UsageError(`\`scale\` takes a group's name and a count (\`scale web 4\`, \`scale web max\`), got ${rest.length === 0 ? 'nothing' : rest.map((word) => `\`${word}\``).join(' ')}`);
    const text = rest.pop()!;
    count = text === 'max' ? 'max' : countOf('scale', text);
  }
  if (named && rest.length === 0) throw new UsageError(`\`${command}\` needs the name of a child`);
  if (rest.length > (named ? 1 : 0)) throw new UsageError(`\`${command}\` takes ${named ? 'one name' : 'no argument'}, got ${rest.map((word) => `\`${word}\``).join(' ')}`);
  if (command !== 'logs' && (follow || lines !== undefined)) throw new UsageError(`\`${follow ? '--follow' : '--lines'}\` is for \`logs\``);
  if (command !== 'status' && json) throw new UsageError('`--json` is for `status`');
  if (runFolder === undefined || runFolder === '') {
    throw new UsageError(`\`${command}\` needs the supervisor's run folder: --run-folder <dir> (or DROVE_RUN_FOLDER), the runFolder of its config`);
  }
  return { action: 'control', command, name: rest[0], count, runFolder, lines: lines ?? 15, follow, json, verbose };
}

function countOf(option: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value > 100_000) {
    throw new UsageError(`\`${option}\` takes a whole number from 0 to 100000${option === 'scale' ? " or `max`" : ''}, got \`${text}\``);
  }
  return value;
}

/** A config module's path rather than a child's name: a script's extension, a path, or a file that exists. */
function isConfigPath(word: string): boolean {
  if (/\.(?:mjs|cjs|js|mts|cts|ts)$/.test(word) || word.includes('/')) return true;
  try {
    return existsSync(word) && statSync(word).isFile();
  } catch {
    return false;
  }
}
