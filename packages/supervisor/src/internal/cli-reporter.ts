// The supervisor's lines on the CLI's stderr (`supervisor | …`): the shared
// sockets' addresses once bound, and one line per event, with a spawn
// failure and a slow readiness explained once per child.
import type { ResolvedChildSpec } from '../child-spec.js';
import type { Supervisor } from '../supervisor.js';
import { explainSpawnFailure } from './cli-failures.js';
import { formatAddress, oneLine, stacksOf } from './cli-output.js';
import { ReadyWatch } from './ready-watch.js';

export interface CliReporter {
  /** Prints the addresses of the shared sockets, the first time only (call it once they are bound). */
  announceSockets(): void;
  /** Stops pending warnings. */
  close(): void;
}

/** Logs the supervisor's events with `log` (one line each); `verbose` adds the stacks of errors. */
export function reportEvents(supervisor: Supervisor, log: (line: string) => void, verbose: boolean): CliReporter {
  const specs = new Map<string, ResolvedChildSpec>(supervisor.options.children.map((spec) => [spec.name, spec]));
  const watch = new ReadyWatch(log);
  const explained = new Set<string>();
  let announced = false;

  const announceSockets = (): void => {
    if (announced) return;
    announced = true;
    for (const name of Object.keys(supervisor.options.sockets)) {
      const address = supervisor.address(name);
      if (address) log(`socket ${name} listening on ${formatAddress(address)}`);
    }
  };
  const stacks = (error: unknown): void => {
    if (!verbose) return;
    const text = stacksOf(error);
    if (text) process.stderr.write(text);
  };

  supervisor.on('spawn', ({ name, kind, pid, threadId }) => {
    // The shared sockets are open before the first child is spawned.
    announceSockets();
    // A process or command without a pid was not spawned at all: its exit says why.
    if (kind !== 'thread' && pid === undefined) return;
    const spec = specs.get(name);
    if (spec) watch.spawned(spec);
    log(`${name} spawned (pid ${pid}${threadId ? `, thread ${threadId}` : ''})`);
  });
  supervisor.on('ready', ({ name, startupMs }) => {
    watch.settled(name);
    log(`${name} ready in ${Math.round(startupMs)} ms`);
  });
  supervisor.on('exit', ({ name, reason, exitCode, signal, error, willRestart }) => {
    watch.settled(name);
    const then = willRestart ? ', restarting' : '';
    const spawnFailure = explainSpawnFailure(specs.get(name), error);
    if (spawnFailure === undefined) {
      log(`${name} exited: ${reason} (${signal ?? `code ${exitCode}`})${then}`);
      if (error) stacks(error);
      return;
    }
    // Explained the first time; a restart that fails the same way says only that.
    const key = `${name}\0${(error as { code?: string }).code}`;
    if (!explained.has(key)) {
      explained.add(key);
      log(`${name} could not be spawned: ${spawnFailure}`);
      stacks(error);
    }
    log(`${name} exited: spawn failed${then}`);
  });
  supervisor.on('backoff', ({ name, delayMs }) => log(`${name} restarts in ${delayMs} ms`));
  supervisor.on('giveUp', ({ error }) => log(error.message));
  supervisor.on('shutdown', ({ reason, signal }) => {
    watch.close();
    log(`stopping (${signal ?? reason})`);
  });
  supervisor.on('error', ({ error }) => {
    log(`error: ${oneLine(error)}`);
    stacks(error);
  });
  return {
    announceSockets,
    close: () => watch.close(),
  };
}
