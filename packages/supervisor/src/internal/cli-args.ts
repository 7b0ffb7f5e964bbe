// The command line of `drove-supervise`: what it accepts and its help.
import { UsageError } from './cli-output.js';

/** What the command line asks for. */
export type CliArgs = { action: 'help' } | { action: 'version' } | { action: 'run'; config: string; verbose: boolean };

/** The usage line printed after a usage error. */
export const synopsis = 'Usage: drove-supervise [--verbose] <fleet.config.mjs>   (drove-supervise --help for more)';

/** The whole help, for `--help`. */
export const help = `drove-supervise: runs the fleet a config module describes, in the foreground, until SIGTERM or SIGINT.

Usage: drove-supervise [options] <fleet.config.mjs>

The config module default-exports the Supervisor options of @drove/supervisor
(or a function, possibly async, returning them). Relative entry paths and cwd
resolve against the config's folder. A child that never calls ready() from
@drove/supervisor/child needs readiness: 'spawn' or { tcp: { port } }.

Options:
  -h, --help      print this help and exit
  -v, --version   print the version of @drove/supervisor and exit
      --verbose   print the stack of an error along with its one-line message

Signals:
  SIGTERM, SIGINT stop every child gracefully (a second one kills them at once)
  SIGHUP          restart the children one at a time, each ready before the next

Output:
  stdout, stderr  each child's lines, prefixed with its name ("web | ...")
  stderr          the supervisor's lines ("supervisor | ..."): the addresses of
                  its shared sockets once bound, spawns, readiness, exits, back-offs

Exit codes:
  0  stopped on a signal
  1  gave up (restart intensity exceeded) or could not start (a busy port, ...)
  2  bad usage, or a config that is missing, does not load or is invalid`;

/**
 * Parses the arguments. `--help` and `--version` win over anything else on
 * the line, as in git and npm.
 *
 * @throws UsageError naming the first problem.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  if (argv.includes('--help') || argv.includes('-h')) return { action: 'help' };
  if (argv.includes('--version') || argv.includes('-v')) return { action: 'version' };
  let verbose = false;
  const files: string[] = [];
  let onlyFiles = false;
  for (const arg of argv) {
    if (onlyFiles) files.push(arg);
    else if (arg === '--') onlyFiles = true;
    else if (arg === '--verbose') verbose = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option \`${arg}\``);
    else files.push(arg);
  }
  if (files.length === 0) throw new UsageError('missing the config file');
  if (files.length > 1) throw new UsageError(`one config file expected, got ${files.length}: ${files.map((file) => `\`${file}\``).join(' ')}`);
  return { action: 'run', config: files[0]!, verbose };
}
