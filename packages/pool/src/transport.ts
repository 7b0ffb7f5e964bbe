/**
 * The transport: the one place in Drove that spawns threads and processes,
 * wires their stdio and stops them (SIGTERM → grace → SIGKILL). The pool,
 * the supervisor, the tenant runtime and the static exporter all start their
 * children through {@link spawnEndpoint}.
 *
 * On Linux every process child (`'process'` and `'command'`) is started
 * through util-linux's `setpriv --pdeathsig SIGKILL`, so the kernel kills it
 * the moment its parent dies, however it dies; `processGroup: true` extends
 * that to the child's whole process group. See the README's "Orphans" section
 * for what holds where.
 *
 * @module
 */
import type { ResourceLimits, Transferable } from 'node:worker_threads';
import type { Endpoint } from './endpoint.js';
import { ProcessEndpoint } from './internal/process-endpoint.js';
import { ThreadEndpoint } from './internal/thread-endpoint.js';

export { Endpoint } from './endpoint.js';
export type { EndpointEvents, ExitInfo, SendOptions, StopOptions } from './endpoint.js';

export { LineSplitter, splitLines } from './line-splitter.js';
export type { SplitLinesOptions } from './line-splitter.js';
export { connectionHandle, readConnectionHead, resumeReading } from './connection-head.js';
export type { ConnectionHead, ReadConnectionHeadOptions } from './connection-head.js';

/** What every spawn spec shares. */
interface CommonSpec {
  /** Environment of the child. Processes default to the parent's `process.env`; threads share it. */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * `'inherit'` writes the child's output to the parent's; `'pipe'` exposes it as
   * `endpoint.stdout` / `endpoint.stderr`; `'ignore'` drops it. @default 'inherit'
   */
  stdio?: 'inherit' | 'pipe' | 'ignore' | undefined;
  /** A stdin pipe (`endpoint.stdin`) for processes and commands; none by default. @default 'ignore' */
  stdin?: 'pipe' | 'ignore' | undefined;
}

/** A worker thread running an ES module. */
export interface ThreadSpec extends CommonSpec {
  kind: 'thread';
  /** The module the thread runs (a `file:` URL or a path). */
  entry: URL | string;
  workerData?: unknown;
  execArgv?: string[] | undefined;
  argv?: string[] | undefined;
  resourceLimits?: ResourceLimits | undefined;
  /** Objects moved, not copied, into `workerData`. */
  transferList?: Transferable[] | undefined;
}

/** A Node child process forked with an IPC channel. */
export interface ProcessSpec extends CommonSpec {
  kind: 'process';
  entry: URL | string;
  args?: string[] | undefined;
  execArgv?: string[] | undefined;
  cwd?: string | undefined;
  /**
   * How messages are encoded: `'advanced'` (V8's structured serialization, the
   * types a worker thread gets) or `'json'` (plain data only, checked before
   * sending with `jsonDataProblem` from `@drove/pool/envelope`; cheaper per message). @default 'advanced'
   */
  serialization?: 'advanced' | 'json' | undefined;
  /** See {@link CommandSpec.processGroup}. @default false */
  processGroup?: boolean | undefined;
  /** The user id the child runs as (the parent must be allowed to switch). @default the parent's */
  uid?: number | undefined;
  /** The group id the child runs as. @default the parent's */
  gid?: number | undefined;
}

/** Any executable, spawned with an argv (no shell). `ipc: true` adds an IPC channel for Node children. */
export interface CommandSpec extends CommonSpec {
  kind: 'command';
  command: string;
  args?: string[] | undefined;
  cwd?: string | undefined;
  ipc?: boolean | undefined;
  /**
   * Start the child as the leader of a new process group (`detached: true`).
   * Then `endpoint.kill(signal)` and `endpoint.stop()` signal the whole group
   * (also after the leader itself has exited: `stop()` still kills what is
   * left of it), and when this parent process dies, however it dies (SIGKILL
   * included), every process of the group is killed within a second, by one
   * small watcher process per parent (`sh`, started on the first group).
   * Escapes it: a descendant that leaves the group itself (`setsid`,
   * `setpgid`, a daemon that double-forks into a new session).
   * @default false
   */
  processGroup?: boolean | undefined;
  /** The user id the child runs as (the parent must be allowed to switch). @default the parent's */
  uid?: number | undefined;
  /** The group id the child runs as. @default the parent's */
  gid?: number | undefined;
}

/** What to start: a thread, a forked Node process, or a command. */
export type SpawnSpec = ThreadSpec | ProcessSpec | CommandSpec;

/**
 * Starts a thread, a forked Node process or a command, and returns its
 * {@link Endpoint}.
 *
 * @throws synchronously for an invalid spec (a thread or a fork whose entry is missing fails through `exit`).
 */
export function spawnEndpoint(spec: SpawnSpec): Endpoint {
  switch (spec.kind) {
    case 'thread':
      return new ThreadEndpoint(spec);
    case 'process':
    case 'command':
      return new ProcessEndpoint(spec);
    default:
      throw new TypeError(`Unknown spawn kind: ${String((spec as { kind: unknown }).kind)}`);
  }
}

/** Event-loop utilization of a thread endpoint as its parent measures it, or `undefined` for other kinds. */
export function threadEventLoopUtilization(endpoint: Endpoint): number | undefined {
  return endpoint instanceof ThreadEndpoint ? endpoint.eventLoopUtilization() : undefined;
}
