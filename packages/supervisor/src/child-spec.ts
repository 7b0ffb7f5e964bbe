/**
 * Child specs: what the supervisor starts, how it tells that a child is up,
 * and when it restarts it. One spec serves a forked process and a worker
 * thread (`kind` switches between them); `kind: 'command'` runs any program.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import { resolveBackoffOptions, type BackoffOptions, type ResolvedBackoffOptions } from '@drove/pool/backoff';
import type { SpawnSpec } from '@drove/pool/transport';
import { CHILD_ENV } from './internal/child-env.js';
import { entryPath, resolveHeartbeat, resolveReadiness, resolveSpare, resolveWatch } from './internal/child-spec-parts.js';
import { resolveCronRestart } from './internal/cron-schedule.js';
import { Problems, throwIfInvalid } from './internal/validate.js';

/**
 * OTP's restart types: a `permanent` child is always restarted, a `transient`
 * one only when it ended abnormally (not exit code 0, and not stopped by the
 * supervisor), a `temporary` one never (and its spec is removed when it ends).
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** What runs the child: a forked Node process, a worker thread, or any command. */
export type ChildKind = 'process' | 'thread' | 'command';

/** What a readiness probe is given. */
export interface ProbeContext {
  /** The child's name. */
  name: string;
  /** The child's pid (for threads: the supervisor's). */
  pid: number | undefined;
  /** Aborts when the child exits or the readiness timeout passes. */
  signal: AbortSignal;
}

/**
 * When a child counts as running:
 * - `'envelope'`: when it sends the `ready` envelope (call `ready()` from
 *   `@drove/supervisor/child`); the default for `process` and `thread`.
 * - `'spawn'`: as soon as it is spawned; the default for `command`.
 * - `{ tcp: { port, host } }`: once a TCP connection to the port succeeds.
 * - `{ probe }`: once the async function resolves `true`.
 * Probes are tried every `probeIntervalMs` until `readinessTimeoutMs`.
 */
export type Readiness =
  | 'envelope'
  | 'spawn'
  | { tcp: { port: number; host?: string } }
  | { probe: (context: ProbeContext) => boolean | Promise<boolean> };

/** A liveness check over the envelope: `ping` every `intervalMs`, killed after `timeoutMs` without a `pong`. */
export interface HeartbeatOptions {
  /** How often the child is pinged. @default 1000 */
  intervalMs?: number;
  /** A child that answered no ping for this long is killed and restarted. Must exceed `intervalMs`. @default 5000 */
  timeoutMs?: number;
}

/** What every child spec has, whatever its kind. */
export interface ChildSpecBase {
  /** Unique within the supervisor; prefixes the child's output lines in the CLI. */
  name: string;
  /** When the child is restarted (OTP's restart types). @default 'permanent' */
  restart?: RestartType;
  /**
   * How long the child may take to exit once asked (SIGTERM for processes and
   * commands, the `shutdown` envelope for threads) before it is killed.
   * `0` kills at once (OTP's `brutal_kill`). @default the supervisor's `shutdownTimeoutMs` (5000)
   */
  shutdownTimeoutMs?: number;
  /** When the child counts as running. @default 'envelope' for process and thread, 'spawn' for command */
  readiness?: Readiness;
  /** A child not ready by then is stopped and reported `readiness-timeout`. @default the supervisor's `readinessTimeoutMs` (30000) */
  readinessTimeoutMs?: number;
  /** How often a `tcp` or `probe` readiness check is tried. @default 100 */
  probeIntervalMs?: number;
  /** Liveness over the envelope (process and thread only); `true` takes the defaults. @default off */
  heartbeat?: HeartbeatOptions | boolean;
  /**
   * Resident set size above which the child is stopped and restarted
   * (reason `memory-limit`), checked every `memoryCheckIntervalMs` from
   * `/proc` (process and command only: threads share their process's RSS,
   * use `resourceLimits`). @default off
   */
  maxRssBytes?: number;
  /** How often `maxRssBytes` is checked, at most 1000. @default 1000 */
  memoryCheckIntervalMs?: number;
  /**
   * Our addition to OTP: the delay before restarting a child that ended
   * before it had run `stableAfterMs`. @default the supervisor's `backoff` ({ baseMs: 1000, factor: 2, maxMs: 30000, jitter: 0.2 })
   */
  backoff?: BackoffOptions;
  /**
   * A child that has been running this long counts as stable: its back-off
   * starts over, and if it then ends it is restarted at once.
   * @default the supervisor's `stableAfterMs` (30000)
   */
  stableAfterMs?: number;
  /**
   * Environment variables. Node children get the supervisor's environment
   * plus these; commands get a clean environment: `PATH` plus these.
   */
  env?: Record<string, string | undefined>;
  /** Working directory (process and command). @default the supervisor's */
  cwd?: string;
  /**
   * Run the child (process or command) as the leader of a process group of
   * its own: stopping it signals the whole group (its subprocesses too, also
   * after the child itself has exited), and when the supervisor's process
   * dies, even SIGKILLed, every process of the group is killed within a
   * second. A subprocess that leaves the group itself (`setsid`) escapes it.
   * Without it only the child itself is stopped and outlived. See
   * `processGroup` in `@drove/pool/transport`. Not for threads.
   * @default false
   */
  processGroup?: boolean;
  /**
   * Run this many copies of the child (PM2's `instances`, gunicorn's
   * `workers`), named `<name>#0`, `<name>#1` …, each with `DROVE_INSTANCE`
   * (and PM2's `NODE_APP_INSTANCE`) set to its number; they share the
   * supervisor's sockets like any children. `'max'` is the machine's
   * available parallelism. `supervisor.scale(name, n)` resizes the group at
   * run time. @default one child named `name`, no group
   */
  instances?: number | 'max';
  /**
   * Development mode (nodemon's and PM2's `watch`): restart the child when a
   * file changes under `paths` (the entry's folder for a Node child, `cwd`
   * for a command), once they have been quiet for `debounceMs`. Folders named
   * in `ignore` are skipped wherever they are, and so are the supervisor's
   * `runFolder` and log folder. `true` takes the defaults. @default off
   */
  watch?: boolean | WatchOptions;
  /**
   * How a rolling restart (`rollingRestart()`, SIGHUP, `reload`) replaces the
   * child: `'replace'` stops it, then starts its successor; `'surge'` starts
   * the successor beside it and stops it only once the successor is ready
   * (gunicorn's and PM2's cluster reload), so capacity never dips — for
   * children that can run twice at once, as those accepting on the
   * supervisor's shared sockets can (one that binds a port of its own cannot).
   * @default 'replace'
   */
  reload?: 'replace' | 'surge';
  /**
   * Scheduled restarts (PM2's `cron_restart`): restart the child — every copy
   * of an `instances` spec, one at a time — when the cron expression falls:
   * five fields (`'0 3 * * *'`: 03:00 every day) or six with seconds first
   * (`'*\/30 * * * * *'`), read as croner (which PM2 uses) reads them, in the
   * supervisor's local time or `timezone`. A restart goes the way `reload`
   * says (with `'surge'` the successor is ready before the old run stops), its
   * `restart` event says `cause: 'cron'`; a child that is not running then (stopped,
   * starting, waiting out a back-off) is left as it is. @default off
   */
  cronRestart?: string | CronRestartOptions;
}

/** What {@link ChildSpecBase.cronRestart} takes besides an expression. */
export interface CronRestartOptions {
  /** The cron expression: 5 fields, or 6 with seconds first. */
  pattern: string;
  /** The IANA time zone the expression's times are in (`'Europe/Paris'`). @default the supervisor's local time */
  timezone?: string;
}

/** What {@link ChildSpecBase.watch} takes. */
export interface WatchOptions {
  /** Folders (or files) to watch, relative to `cwd`. @default the entry's folder (Node children), `cwd` (commands) */
  paths?: string[];
  /** Folder names to skip wherever they are, or absolute folders. @default ['node_modules', '.git', 'dist', 'build', 'coverage'] */
  ignore?: string[];
  /** How long the files must be quiet before the restart. @default 200 */
  debounceMs?: number;
}

/** A Node module run as a forked process or a worker thread: the same spec, one switch. */
export interface NodeChildSpec extends ChildSpecBase {
  kind: 'process' | 'thread';
  /** The module to run, a `file:` URL or a path. A missing file is refused at once. */
  entry: URL | string;
  /** Its arguments (`process.argv.slice(2)` in the child, for both kinds). */
  args?: string[];
  /** Node flags. @default the supervisor's `process.execArgv` (process), none (thread) */
  execArgv?: string[];
  /** Hard V8 heap limits of a thread. */
  resourceLimits?: ResourceLimits;
  /**
   * Our addition (the nearest Node has to forking a warm, pre-imported
   * master): keep one warm spare of this process child — a Node process
   * spawned with this spec's env, args, execArgv and cwd, its child helper and
   * `preload` imported, waiting. A restart hands it the entry, so it costs an
   * import instead of a Node start; a new spare is started once the child is
   * ready again. The spare costs one idle Node process (see the README's
   * benchmark). It is not a child: `whichChildren()` and `countChildren()`
   * leave it out, `stats()` shows it. A spare that died or could not boot
   * means a cold start, never a failure of the child. Process children only.
   * @default false
   */
  spare?: boolean;
  /**
   * Modules a warm spare imports while it waits (the "base floor" the child's
   * entry will import anyway): `node:` built-ins, `file:` URLs, or paths
   * (relative ones against `cwd`). For a package, pass its resolved URL:
   * `import.meta.resolve('fastify')`. Needs `spare: true`.
   * @default []
   */
  preload?: Array<string | URL>;
}

/** Any program, run with an argv (no shell) and a clean environment. */
export interface CommandChildSpec extends ChildSpecBase {
  kind: 'command';
  /** The program and its arguments: `['redis-server', '--port', '6380']`. */
  argv: string[];
}

/** A child spec. */
export type ChildSpec = NodeChildSpec | CommandChildSpec;

/** The fully-filled readiness form. */
export type ResolvedReadiness = Exclude<Readiness, { tcp: unknown }> | { tcp: { port: number; host: string } };

/** A child spec with every default filled in, and the spawn spec for pool's transport. */
export interface ResolvedChildSpec {
  name: string;
  kind: ChildKind;
  restart: RestartType;
  shutdownTimeoutMs: number;
  readiness: ResolvedReadiness;
  readinessTimeoutMs: number;
  probeIntervalMs: number;
  heartbeat: Required<HeartbeatOptions> | undefined;
  maxRssBytes: number;
  memoryCheckIntervalMs: number;
  backoff: ResolvedBackoffOptions;
  stableAfterMs: number;
  /** The variables the spec adds to the environment. */
  env: Record<string, string | undefined>;
  /** What `spawnEndpoint` is given, less `stdio` and `env` (filled in at each spawn). */
  spawn: SpawnSpec;
  /** Keep a warm spare (process children). */
  spare: boolean;
  /** What the spare imports while it waits, as `node:` names and `file:` URLs. */
  preload: string[];
  /** The number of copies asked for (`instances`, `'max'` resolved); undefined for a single child. */
  instances: number | undefined;
  /** For a copy of an `instances` spec: the spec's own name, the copies' group. */
  group: string | undefined;
  /** For a copy of an `instances` spec: its number, from 0. */
  instance: number | undefined;
  /** How a rolling restart replaces the child. */
  reload: 'replace' | 'surge';
  /** Watch mode: what to watch (absolute paths), what to skip, the debounce. */
  watch: { paths: string[]; ignore: string[]; debounceMs: number } | undefined;
  /** Scheduled restarts: the cron expression and its time zone (undefined: local time). */
  cronRestart: { pattern: string; timezone: string | undefined } | undefined;
}

/** Fleet-wide defaults a child spec falls back on. */
export interface ChildDefaults {
  shutdownTimeoutMs: number;
  readinessTimeoutMs: number;
  backoff: BackoffOptions;
  stableAfterMs: number;
  cwd: string | undefined;
}

const BASE_KEYS = [
  'name',
  'kind',
  'restart',
  'shutdownTimeoutMs',
  'readiness',
  'readinessTimeoutMs',
  'probeIntervalMs',
  'heartbeat',
  'maxRssBytes',
  'memoryCheckIntervalMs',
  'backoff',
  'stableAfterMs',
  'env',
  'cwd',
  'processGroup',
  'instances',
  'watch',
  'reload',
  'cronRestart',
] as const;
const NODE_KEYS = [...BASE_KEYS, 'entry', 'args', 'execArgv', 'resourceLimits', 'spare', 'preload'];
const COMMAND_KEYS = [...BASE_KEYS, 'argv'];

const defaultChildDefaults: ChildDefaults = {
  shutdownTimeoutMs: 5000,
  readinessTimeoutMs: 30_000,
  backoff: {},
  stableAfterMs: 30_000,
  cwd: undefined,
};

/**
 * Checks a child spec and fills in its defaults; `path` names it in messages.
 *
 * @throws InvalidSpecError (`ERR_SUPERVISOR_INVALID_SPEC`) listing every problem of the spec.
 *
 * @example
 * ```ts
 * import { resolveChildSpec } from '@drove/supervisor';
 * resolveChildSpec({ name: 'web', kind: 'process', entry: './web.mjs', restart: 'always' });
 * // InvalidSpecError: Expected `spec.restart` to be one of `permanent`, `transient`, `temporary`, got `"always"` (string)
 * ```
 */
export function resolveChildSpec(spec: ChildSpec, path = 'spec', defaults: Partial<ChildDefaults> = {}): ResolvedChildSpec {
  const problems = new Problems();
  const resolved = collectChildSpec(spec, path, defaults, problems);
  throwIfInvalid(problems, 'child spec');
  return resolved!;
}

/** {@link resolveChildSpec} that adds its problems to `problems` (to report a whole config at once). */
export function collectChildSpec(
  spec: ChildSpec,
  path: string,
  defaults: Partial<ChildDefaults>,
  problems: Problems,
): ResolvedChildSpec | undefined {
  return resolveInto(spec, path, { ...defaultChildDefaults, ...defaults }, problems);
}

function resolveInto(spec: ChildSpec, path: string, defaults: ChildDefaults, problems: Problems): ResolvedChildSpec | undefined {
  if (!problems.object(path, spec)) return undefined;
  const raw = spec as unknown as Record<string, unknown>;
  const at = (field: string) => `${path}.${field}`;
  problems.string(at('name'), raw.name);
  const kindOk = problems.oneOf(at('kind'), raw.kind, ['process', 'thread', 'command']);
  const kind = raw.kind as ChildKind;
  if (kindOk) problems.keys(path, raw, kind === 'command' ? COMMAND_KEYS : NODE_KEYS);

  const restart = (raw.restart ?? 'permanent') as RestartType;
  problems.oneOf(at('restart'), restart, ['permanent', 'transient', 'temporary']);
  const shutdownTimeoutMs = (raw.shutdownTimeoutMs ?? defaults.shutdownTimeoutMs) as number;
  problems.number(at('shutdownTimeoutMs'), shutdownTimeoutMs, { min: 0 });
  const readinessTimeoutMs = (raw.readinessTimeoutMs ?? defaults.readinessTimeoutMs) as number;
  problems.number(at('readinessTimeoutMs'), readinessTimeoutMs, { min: 1 });
  const probeIntervalMs = (raw.probeIntervalMs ?? 100) as number;
  problems.number(at('probeIntervalMs'), probeIntervalMs, { min: 1 });
  const stableAfterMs = (raw.stableAfterMs ?? defaults.stableAfterMs) as number;
  problems.number(at('stableAfterMs'), stableAfterMs, { min: 0 });
  const maxRssBytes = (raw.maxRssBytes ?? 0) as number;
  problems.number(at('maxRssBytes'), maxRssBytes, { min: 0 });
  const memoryCheckIntervalMs = (raw.memoryCheckIntervalMs ?? 1000) as number;
  problems.number(at('memoryCheckIntervalMs'), memoryCheckIntervalMs, { min: 1, max: 1000 });
  if (maxRssBytes > 0 && kind === 'thread') {
    problems.add(
      `Expected \`${at('maxRssBytes')}\` to be unset for a thread (threads share their process's RSS; use \`resourceLimits\`), got ${maxRssBytes}`,
    );
  }

  let backoff: ResolvedBackoffOptions | undefined;
  const backoffInput = raw.backoff ?? {};
  if (problems.object(at('backoff'), backoffInput)) {
    try {
      backoff = resolveBackoffOptions({ ...defaults.backoff, ...(backoffInput as BackoffOptions) }, at('backoff'));
    } catch (error) {
      // pool's back-off checks throw its InvalidOptionError at the first problem: keep its message.
      problems.add((error as Error).message);
    }
  }

  const readiness = resolveReadiness(raw.readiness, kind, at('readiness'), problems);
  const heartbeat = resolveHeartbeat(raw.heartbeat, kind, at('heartbeat'), problems);

  let env: Record<string, string | undefined> | undefined;
  if (raw.env !== undefined && problems.object(at('env'), raw.env)) {
    for (const [key, value] of Object.entries(raw.env)) {
      if (value !== undefined && typeof value !== 'string') problems.fail(at(`env.${key}`), 'a string', value);
    }
    env = raw.env as Record<string, string | undefined>;
  }
  const cwd = (raw.cwd ?? defaults.cwd) as string | undefined;
  if (cwd !== undefined) problems.string(at('cwd'), cwd);

  let spawn: SpawnSpec | undefined;
  if (kind === 'command') {
    if (problems.stringArray(at('argv'), raw.argv, { nonEmpty: true })) {
      const [command, ...args] = raw.argv as string[];
      if (command === '') problems.fail(at('argv[0]'), 'a non-empty string', command);
      spawn = { kind: 'command', command: command!, args, cwd };
    }
  } else if (kind === 'process' || kind === 'thread') {
    const entry = raw.entry;
    if (!(entry instanceof URL) && (typeof entry !== 'string' || entry === '')) {
      problems.fail(at('entry'), 'a file: URL or a path', entry);
    } else {
      let file = entryPath(entry);
      if (cwd !== undefined && !isAbsolute(file)) file = resolve(cwd, file);
      if (!existsSync(file)) problems.add(`Expected \`${at('entry')}\` to name an existing file, got \`${file}\` (missing)`);
      const args = (raw.args ?? []) as string[];
      problems.stringArray(at('args'), args);
      const execArgv = raw.execArgv as string[] | undefined;
      if (execArgv !== undefined) problems.stringArray(at('execArgv'), execArgv);
      spawn =
        kind === 'process'
          ? { kind: 'process', entry: file, args, execArgv, cwd }
          : { kind: 'thread', entry: file, argv: args, execArgv, resourceLimits: raw.resourceLimits as ResourceLimits | undefined };
      if (kind === 'process' && raw.resourceLimits !== undefined) {
        problems.fail(at('resourceLimits'), 'unset for a process (use `execArgv: ["--max-old-space-size=…"]`)', raw.resourceLimits);
      }
    }
  }

  const processGroup = raw.processGroup ?? false;
  if (problems.boolean(at('processGroup'), processGroup) && processGroup && kind === 'thread') {
    problems.fail(at('processGroup'), 'unset for a thread (a thread lives in the supervisor\'s process)', processGroup);
  }
  if (processGroup === true && spawn && spawn.kind !== 'thread') spawn.processGroup = true;

  const { spare, preload } = resolveSpare(raw, kind, cwd, at, problems);
  let instances: number | undefined;
  if (raw.instances !== undefined) {
    if (raw.instances === 'max') instances = availableParallelism();
    else if (problems.count(at('instances'), raw.instances, { min: 1 })) instances = raw.instances as number;
    if (typeof raw.name === 'string' && raw.name.includes('#')) {
      problems.add(`Expected \`${at('name')}\` to have no \`#\` with \`instances\` (its copies are named \`${raw.name}#0\` …), got \`${JSON.stringify(raw.name)}\``);
    }
  }

  const watch = resolveWatch(raw.watch, spawn, cwd, at('watch'), problems);
  const reload = (raw.reload ?? 'replace') as 'replace' | 'surge';
  problems.oneOf(at('reload'), reload, ['replace', 'surge']);
  const cronRestart = resolveCronRestart(raw.cronRestart, at('cronRestart'), problems);

  if (!spawn || !backoff || !readiness || problems.list.length > 0) return undefined;
  return {
    name: raw.name as string,
    kind,
    restart,
    shutdownTimeoutMs,
    readiness,
    readinessTimeoutMs,
    probeIntervalMs,
    heartbeat,
    maxRssBytes,
    memoryCheckIntervalMs,
    backoff,
    stableAfterMs,
    env: env ?? {},
    spawn,
    spare,
    preload,
    instances,
    group: undefined,
    instance: undefined,
    watch,
    reload,
    cronRestart,
  };
}

/**
 * The environment of one spawn: Node children get the supervisor's
 * environment, the spec's additions and {@link CHILD_ENV}; commands a clean
 * one, `PATH` plus the spec's additions.
 */
export function childEnvironment(spec: ResolvedChildSpec): NodeJS.ProcessEnv {
  if (spec.kind === 'command') return { PATH: process.env.PATH, ...spec.env };
  return { ...process.env, ...spec.env, [CHILD_ENV]: spec.name };
}
