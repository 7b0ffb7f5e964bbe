/**
 * The supervisor's options (OTP's supervisor flags plus ours) and their
 * resolution into a fully-filled form.
 *
 * @module
 */
import { Server } from 'node:net';
import { resolve } from 'node:path';
import { resolveBackoffOptions, type BackoffOptions } from '@drove/pool/backoff';
import { collectChildSpec, type ChildSpec, type ResolvedChildSpec } from './child-spec.js';
import { expandInstances } from './instances.js';
import { systemClock, type Clock } from '@drove/pool/clock';
import { collectLogOptions, type LogOptions, type ResolvedLogOptions } from './log-options.js';
import { Problems, throwIfInvalid } from './internal/validate.js';

/**
 * OTP's restart strategies: when a child is to be restarted,
 * - `one-for-one` restarts only that child;
 * - `one-for-all` stops every other child (in reverse start order) and restarts them all in start order;
 * - `rest-for-one` does so for that child and the children started after it.
 */
export type Strategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/** A listening TCP socket the supervisor opens and shares with process children. */
export interface SharedSocketOptions {
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 511 */
  backlog?: number;
}

/** Where the children's stdout and stderr go. */
export type OutputMode = 'inherit' | 'prefix' | 'ignore';

/** Options of a {@link Supervisor}. All are optional. */
export interface SupervisorOptions {
  /** The children, started in this order and stopped in the reverse order. @default [] */
  children?: ChildSpec[];
  /** OTP's restart strategy. @default 'one-for-one' */
  strategy?: Strategy;
  /**
   * Restart intensity (OTP's `intensity`): more than this many restarts within
   * `periodMs` make the supervisor stop every child and give up.
   * @default Infinity (never give up; OTP's default is 1 in 5 s)
   */
  maxRestarts?: number;
  /** The window of `maxRestarts` (OTP's `period`). @default 5000 */
  periodMs?: number;
  /** Default `shutdownTimeoutMs` of the children. @default 5000 */
  shutdownTimeoutMs?: number;
  /** Default `readinessTimeoutMs` of the children. @default 30000 */
  readinessTimeoutMs?: number;
  /** Default restart back-off of the children (our addition to OTP). @default { baseMs: 1000, factor: 2, maxMs: 30000, jitter: 0.2 } */
  backoff?: BackoffOptions;
  /** Default `stableAfterMs` of the children. @default 30000 */
  stableAfterMs?: number;
  /** The clock of every timing (inject a `ManualClock` in tests). @default systemClock */
  clock?: Clock;
  /**
   * Handle the master's signals: SIGTERM and SIGINT stop gracefully (a second
   * one kills at once), SIGHUP rolls a restart through the children.
   * @default false
   */
  handleSignals?: boolean;
  /**
   * The children's stdout and stderr: `'inherit'` (the supervisor's own),
   * `'prefix'` (each line prefixed with the child's name), `'ignore'`.
   * @default 'inherit'
   */
  output?: OutputMode;
  /**
   * Listening sockets the supervisor owns and lends to process children by
   * name (`listen(server, name)` in the child). A port or a listening `net.Server`.
   * @default {}
   */
  sockets?: Record<string, SharedSocketOptions | Server>;
  /** Working directory of the children (relative `entry` paths resolve against it). @default process.cwd() */
  cwd?: string;
  /**
   * Write each child's output lines, timestamped, to `<dir>/<name>.log`,
   * rotated by size; see {@link LogOptions}. The children's output still goes
   * where `output` says too (`'ignore'` for the files only).
   * @default undefined (no log files)
   */
  logs?: LogOptions;
  /**
   * The supervisor's run folder (created with mode 0700 if missing; relative
   * to `cwd`): it holds the control socket `control.sock` (mode 0600) that
   * `connect(runFolder)` and `drove-supervise status|restart|…` talk to while
   * the supervisor runs, and the log files' default folder (`logs/`).
   * @default undefined (no control socket)
   */
  runFolder?: string;
  /**
   * An HTTP endpoint for probes and scrapers, opened at `start()`: `GET
   * /healthz` (200 while the supervisor runs), `/readyz` (200 when every child
   * that should run is running, 503 with the others listed) and `/metrics`
   * (Prometheus text). `port: 0` takes a free port (`supervisor.healthAddress()`).
   * @default undefined (none)
   */
  health?: HealthOptions;
  /**
   * Speak systemd's notify protocol when run as a `Type=notify` service (when
   * `NOTIFY_SOCKET` is set): READY=1 once started, WATCHDOG=1 every half
   * `WatchdogSec=`, STOPPING=1 when a stop begins, STATUS= with the
   * children's counts. Through `systemd-notify`, so the unit needs
   * `NotifyAccess=all`. The CLI turns it on.
   * @default false
   */
  systemd?: boolean;
}

/** Where the health endpoint listens (the `health` option). */
export interface HealthOptions {
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
}

/** What the supervisor's long-running calls take (`start`, `stop`, `startChild`, `restartChild`, `rollingRestart`). */
export interface CallOptions {
  /**
   * Aborts the call: what it started is stopped, then it rejects with
   * `AbortError` (`ABORT_ERR`, the signal's reason as its `cause`). For
   * `stop()` an abort turns the graceful stop into `kill()`.
   * @default undefined (not abortable)
   */
  signal?: AbortSignal | undefined;
}

/** The fully-filled form of {@link SupervisorOptions}. */
export interface ResolvedSupervisorOptions {
  children: ResolvedChildSpec[];
  strategy: Strategy;
  maxRestarts: number;
  periodMs: number;
  shutdownTimeoutMs: number;
  readinessTimeoutMs: number;
  backoff: BackoffOptions;
  stableAfterMs: number;
  clock: Clock;
  handleSignals: boolean;
  output: OutputMode;
  sockets: Record<string, Required<SharedSocketOptions> | Server>;
  cwd: string | undefined;
  logs: ResolvedLogOptions | undefined;
  /** An absolute path. */
  runFolder: string | undefined;
  health: Required<HealthOptions> | undefined;
  systemd: boolean;
}

const KNOWN = [
  'children',
  'strategy',
  'maxRestarts',
  'periodMs',
  'shutdownTimeoutMs',
  'readinessTimeoutMs',
  'backoff',
  'stableAfterMs',
  'clock',
  'handleSignals',
  'output',
  'sockets',
  'cwd',
  'logs',
  'runFolder',
  'health',
  'systemd',
];

/**
 * Checks the options and every child spec, and fills in the defaults.
 *
 * @throws InvalidSpecError (`ERR_SUPERVISOR_INVALID_SPEC`) listing every problem found.
 */
export function resolveSupervisorOptions(options: SupervisorOptions = {}): ResolvedSupervisorOptions {
  const problems = new Problems();
  if (!problems.object('options', options)) throwIfInvalid(problems);
  problems.keys('', options, KNOWN);
  const strategy = options.strategy ?? 'one-for-one';
  problems.oneOf('strategy', strategy, ['one-for-one', 'one-for-all', 'rest-for-one']);
  const maxRestarts = options.maxRestarts ?? Infinity;
  problems.count('maxRestarts', maxRestarts, { min: 0, infinite: true });
  const periodMs = options.periodMs ?? 5000;
  problems.number('periodMs', periodMs, { min: 1 });
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  problems.number('shutdownTimeoutMs', shutdownTimeoutMs, { min: 0 });
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 30_000;
  problems.number('readinessTimeoutMs', readinessTimeoutMs, { min: 1 });
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  problems.number('stableAfterMs', stableAfterMs, { min: 0 });
  const backoff = options.backoff ?? {};
  if (problems.object('backoff', backoff)) {
    try {
      resolveBackoffOptions(backoff, 'backoff');
    } catch (error) {
      problems.add((error as Error).message);
    }
  }
  const clock = options.clock ?? systemClock;
  problems.clock('clock', clock);
  const handleSignals = options.handleSignals ?? false;
  problems.boolean('handleSignals', handleSignals);
  const output = options.output ?? 'inherit';
  problems.oneOf('output', output, ['inherit', 'prefix', 'ignore']);
  const cwd = options.cwd;
  if (cwd !== undefined) problems.string('cwd', cwd);
  let runFolder: string | undefined;
  if (options.runFolder !== undefined && problems.string('runFolder', options.runFolder)) {
    if (options.runFolder === '') problems.fail('runFolder', "a folder's path", options.runFolder);
    else runFolder = resolve(typeof cwd === 'string' ? cwd : process.cwd(), options.runFolder);
  }
  let health: Required<HealthOptions> | undefined;
  if (options.health !== undefined && problems.object('health', options.health)) {
    problems.keys('health', options.health, ['port', 'host']);
    const { port, host = '127.0.0.1' } = options.health;
    const portOk = problems.count('health.port', port, { min: 0, max: 65_535 });
    if (portOk && problems.string('health.host', host)) health = { port, host };
  }
  const systemd = options.systemd ?? false;
  problems.boolean('systemd', systemd);
  const logs =
    options.logs === undefined
      ? undefined
      : collectLogOptions(options.logs, { runFolder, cwd: typeof cwd === 'string' ? cwd : undefined, path: 'logs' }, problems);

  const sockets: ResolvedSupervisorOptions['sockets'] = {};
  if (options.sockets !== undefined && problems.object('sockets', options.sockets)) {
    for (const [name, socket] of Object.entries(options.sockets)) {
      const at = `sockets.${name}`;
      if (socket instanceof Server) {
        sockets[name] = socket;
        continue;
      }
      if (!problems.object(at, socket)) continue;
      problems.keys(at, socket, ['port', 'host', 'backlog']);
      const port = socket.port;
      const portOk = problems.count(`${at}.port`, port, { min: 0 }) && port <= 65_535;
      if (typeof port === 'number' && port > 65_535) problems.fail(`${at}.port`, 'an integer >= 0 and <= 65535', port);
      const host = socket.host ?? '127.0.0.1';
      const hostOk = problems.string(`${at}.host`, host);
      const backlog = socket.backlog ?? 511;
      const backlogOk = problems.count(`${at}.backlog`, backlog, { min: 1 });
      if (portOk && hostOk && backlogOk) sockets[name] = { port, host, backlog };
    }
  }

  const children: ResolvedChildSpec[] = [];
  const children_ = options.children ?? [];
  if (!Array.isArray(children_)) {
    problems.fail('children', 'an array of child specs', children_);
  } else {
    const seen = new Set<string>();
    children_.forEach((spec, index) => {
      const before = problems.list.length;
      const resolved = collectChildSpec(spec, `children[${index}]`, { shutdownTimeoutMs, readinessTimeoutMs, backoff, stableAfterMs, cwd }, problems);
      const name = (spec as { name?: unknown } | null)?.name;
      if (typeof name === 'string') {
        if (seen.has(name)) problems.add(`Expected \`children[${index}].name\` to be unique, got \`${JSON.stringify(name)}\` a second time`);
        seen.add(name);
      }
      if (resolved && problems.list.length === before) {
        for (const copy of expandInstances(resolved)) {
          if (copy !== resolved && seen.has(copy.name)) problems.add(`Expected \`children[${index}]\`'s copy \`${copy.name}\` to have a name of its own, got it a second time`);
          seen.add(copy.name);
          children.push(copy);
        }
      }
    });
  }
  throwIfInvalid(problems, 'supervisor spec');
  return {
    children,
    strategy,
    maxRestarts,
    periodMs,
    shutdownTimeoutMs,
    readinessTimeoutMs,
    backoff,
    stableAfterMs,
    clock,
    handleSignals,
    output,
    sockets,
    cwd,
    logs,
    runFolder,
    health,
    systemd,
  };
}
