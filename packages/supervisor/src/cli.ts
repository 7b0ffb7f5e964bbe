#!/usr/bin/env node
// drove-supervise: runs the fleet a config file describes until SIGTERM or
// SIGINT (SIGHUP rolls a restart), prefixing each child's output lines with
// its name. Exit codes: 0 stopped, 1 gave up or could not start, 2 bad usage or config.
import { isAbsolute, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SupervisorError } from './errors.js';
import type { SupervisorOptions } from './options.js';
import { Supervisor } from './supervisor.js';

const USAGE = 'Usage: drove-supervise <fleet.config.mjs>\n\nThe config module default-exports the Supervisor options (or a function returning them).\n';

function log(line: string): void {
  process.stderr.write(`supervisor | ${line}\n`);
}

async function loadConfig(path: string): Promise<SupervisorOptions> {
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  let config = module.default;
  if (typeof config === 'function') config = await (config as () => unknown)();
  if (typeof config !== 'object' || config === null) {
    throw new SupervisorError('ERR_SUPERVISOR_INVALID_SPEC', `Expected ${path} to default-export the supervisor options (an object or a function returning one)`);
  }
  return config as SupervisorOptions;
}

async function main(argv: string[]): Promise<number> {
  const [file] = argv;
  if (!file || file === '--help' || file === '-h' || argv.length > 1) {
    process.stderr.write(USAGE);
    return file === '--help' || file === '-h' ? 0 : 2;
  }
  const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
  let supervisor: Supervisor;
  try {
    const config = await loadConfig(path);
    supervisor = new Supervisor({ output: 'prefix', cwd: dirname(path), ...config, handleSignals: true });
  } catch (error) {
    process.stderr.write(`drove-supervise: ${(error as Error).message}\n`);
    return 2;
  }
  supervisor.on('spawn', ({ name, pid, threadId }) => log(`${name} spawned (pid ${pid}${threadId ? `, thread ${threadId}` : ''})`));
  supervisor.on('ready', ({ name, startupMs }) => log(`${name} ready in ${Math.round(startupMs)} ms`));
  supervisor.on('exit', ({ name, reason, exitCode, signal, willRestart }) =>
    log(`${name} exited: ${reason} (${signal ?? `code ${exitCode}`})${willRestart ? ', restarting' : ''}`),
  );
  supervisor.on('backoff', ({ name, delayMs }) => log(`${name} restarts in ${delayMs} ms`));
  supervisor.on('giveUp', ({ error }) => log(error.message));
  supervisor.on('shutdown', ({ reason, signal }) => log(`stopping (${signal ?? reason})`));
  supervisor.on('error', ({ error }) => log(`error: ${error.message}`));
  try {
    await supervisor.start();
    await supervisor.onStopped();
    log('stopped');
    return 0;
  } catch (error) {
    log(`${(error as Error).message}${(error as Error).cause ? ` (${String(((error as Error).cause as Error).message ?? (error as Error).cause)})` : ''}`);
    await supervisor.stop();
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
