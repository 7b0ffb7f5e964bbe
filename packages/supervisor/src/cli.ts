#!/usr/bin/env node
// drove-supervise: runs the fleet a config file describes until SIGTERM or
// SIGINT (SIGHUP rolls a restart), prefixing each child's output lines with
// its name; and `status|restart|stop|start|reload|logs|shutdown` for a running
// one, through the control socket in its run folder.
// Exit codes: 0 stopped or done, 1 gave up, could not start or a command failed, 2 bad usage or config.
import { isAbsolute, dirname, resolve } from 'node:path';
import { InvalidSpecError, SupervisorError } from './errors.js';
import { Supervisor } from './supervisor.js';
import { controlSynopsis, help, isControlCommandLine, parseCliArgs, synopsis, type CliArgs } from './internal/cli-args.js';
import { runControl } from './internal/control-cli.js';
import { DAEMON_ENV, daemonRunFolder, startDaemon, writePidFile } from './internal/daemon.js';
import type { SupervisorOptions } from './options.js';
import { explainStartFailure, loadConfig } from './internal/cli-failures.js';
import { packageVersion, reportCliFailure } from './internal/cli-output.js';
import { reportEvents } from './internal/cli-reporter.js';
import { superviseUnderInit } from './internal/pid1.js';

const PROGRAM = 'drove-supervise';

function log(line: string): void {
  process.stderr.write(`supervisor | ${line}\n`);
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    return fail(error, false, 1, isControlCommandLine(argv) ? controlSynopsis : synopsis);
  }
  if (args.action === 'help') {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  if (args.action === 'version') {
    process.stdout.write(`${packageVersion(new URL('../package.json', import.meta.url))}\n`);
    return 0;
  }
  if (args.action === 'control') {
    try {
      return await runControl(args, (text) => process.stdout.write(text));
    } catch (error) {
      return fail(error, args.verbose, 1, controlSynopsis);
    }
  }
  const { verbose } = args;
  if (!args.daemon) {
    // As PID 1 the fleet runs under tini, which reaps orphans (Node cannot); this process passes signals on.
    const initExitCode = await superviseUnderInit(argv, log);
    if (initExitCode !== undefined) return initExitCode;
  }
  const path = isAbsolute(args.config) ? args.config : resolve(process.cwd(), args.config);
  const daemonized = process.env[DAEMON_ENV] === '1';
  let supervisor: Supervisor;
  try {
    const config = await loadConfig(path);
    // A daemon has no terminal: its children's lines go to their log files.
    const defaults: SupervisorOptions = daemonized ? { output: 'ignore', logs: {} } : { output: 'prefix' };
    supervisor = new Supervisor({ ...defaults, cwd: dirname(path), systemd: true, ...config, handleSignals: true });
    if (args.daemon) {
      const runFolder = daemonRunFolder(path, supervisor.options.runFolder);
      process.stdout.write(await startDaemon(path, runFolder, verbose));
      return 0;
    }
  } catch (error) {
    if (error instanceof InvalidSpecError) {
      // Every problem, each naming its field: the list is the fix.
      process.stderr.write(`${PROGRAM}: ${path}: ${error.message}\n`);
      return 2;
    }
    return fail(error, verbose, 2);
  }
  const reporter = reportEvents(supervisor, log, verbose);
  try {
    await supervisor.start();
    reporter.announceSockets();
    const { runFolder } = supervisor.options;
    if (runFolder !== undefined) log(`control socket in ${runFolder}: drove-supervise status --run-folder ${runFolder}`);
    const removePidFile = daemonized && runFolder !== undefined ? writePidFile(runFolder) : undefined;
    await supervisor.onStopped().finally(() => removePidFile?.());
    log('stopped');
    return 0;
  } catch (error) {
    await supervisor.stop();
    reporter.close();
    // The giveUp event has said it already.
    if (error instanceof SupervisorError && error.code === 'ERR_SUPERVISOR_GAVE_UP') return 1;
    return fail(explainStartFailure(error) ?? error, verbose);
  }
}

function fail(error: unknown, verbose: boolean, otherExitCode = 1, usage = synopsis): number {
  const { text, exitCode } = reportCliFailure(PROGRAM, error, { usage, verbose, otherExitCode });
  process.stderr.write(text);
  return exitCode;
}

process.exitCode = await main(process.argv.slice(2));
