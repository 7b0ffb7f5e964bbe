/**
 * The runtime's options, their defaults and their eager checks.
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveBackoffOptions, type BackoffOptions, type ResolvedBackoffOptions } from '@drove/pool/backoff';
import { systemClock, type Clock } from '@drove/pool/clock';
import { InvalidOptionError } from './errors.js';
import type { RuntimeLogEvent, RuntimeMetricEvent, RuntimeTransitionEvent } from './events.js';
import type { ListenMode } from './internal/listen-mode.js';
import { check } from './internal/validate.js';

/** Where tenants live: one directory per key under `root`. */
export interface TenantSource {
  kind: 'directory';
  /** The directory holding one directory per tenant key. */
  root: string;
}

/** Per-tenant resource limits. */
export interface TenantLimits {
  /**
   * V8's old-generation heap limit of each tenant, in MB: `--max-old-space-size`
   * (in `execArgv` for `entry` tenants, in `NODE_OPTIONS` for `command` ones).
   * @default undefined (Node's own limit)
   */
  maxOldSpaceSizeMb?: number;
  /**
   * A hard memory limit per tenant through a cgroup v2 (`memory.max`), where the
   * host delegates one (see `probeMemoryCgroup`). Where it does not, the limit
   * is skipped and a `limit-skipped` transition says why.
   * @default undefined (no cgroup)
   */
  memoryMaxBytes?: number;
  /** The cgroup v2 directory to make tenants' cgroups in. @default this process's own cgroup */
  cgroupParent?: string;
}

/** Options of {@link createRuntime}. Only `source` is required. */
export interface TenantRuntimeOptions {
  /** Where tenant directories are. A key is refused unless its directory, symlinks resolved, is inside `root`. */
  source: TenantSource;
  /**
   * The Node script each tenant runs (forked with an IPC channel, in the
   * tenant's directory). A relative path is resolved in the tenant's
   * directory; an absolute path or `file:` URL runs the same script for every
   * tenant. Excludes `command`.
   * @default 'server.js'
   */
  entry?: string | URL;
  /** Node flags for `entry` tenants (the host's own flags are never inherited). @default [] */
  execArgv?: string[];
  /**
   * Instead of `entry`: an argv run in the tenant's directory, without a
   * shell, with an IPC channel (the program must be Node, running
   * `@drove/tenant-runtime/tenant`'s `listen()` or speaking its protocol).
   */
  command?: readonly string[];
  /**
   * How a tenant gets its port, with no race either way: `'handle'` — the
   * runtime binds 127.0.0.1:0 and hands the listening socket over IPC;
   * `'report'` — the tenant binds port 0 and reports the port in its `ready`
   * envelope. @default 'handle'
   */
  listen?: ListenMode;
  /** Stop a tenant after this long without `ensure()` or `touch()`; `0` never. @default 300000 */
  idleAfterMs?: number;
  /**
   * Tenant processes alive at most, counting starting and stopping ones: a
   * hard cap. A start beyond it evicts the least recently used running
   * tenant and waits for it to exit. @default 100
   */
  maxConcurrent?: number;
  /** How often the sweeper looks for idle tenants. @default 10000 */
  sweepIntervalMs?: number;
  /** How often running tenants' CPU and RSS are read from `/proc` for `onMetrics`; `0` never. @default 30000 */
  observeIntervalMs?: number;
  /** How long a tenant may take to report ready before it is stopped. @default 30000 */
  readyTimeoutMs?: number;
  /** How long a stopped tenant may take to exit after SIGTERM before SIGKILL. @default 5000 */
  stopGraceMs?: number;
  /**
   * Back-off of a key after failed starts (pool's `Backoff`): `baseMs`,
   * `factor`, `maxMs`, `jitter`, `maxFailures`; after `maxFailures` in a row
   * the key is refused until `clearBackoff(key)`.
   * @default { baseMs: 1000, factor: 2, maxMs: 60000, jitter: 0, maxFailures: 10 }
   */
  backoff?: BackoffOptions;
  /**
   * Variables added to every tenant's environment (or a function of the key
   * returning them). Tenants get only `PATH`, `NODE_ENV`, `PORT`,
   * `DROVE_TENANT_KEY`, `DROVE_TENANT_LISTEN`, the `passEnv` names and these:
   * never the host's whole environment. @default {}
   */
  env?: Record<string, string> | ((key: string) => Record<string, string>);
  /** Names of host environment variables passed through to tenants (e.g. `TZ`, `LANG`). @default [] */
  passEnv?: string[];
  /** `NODE_ENV` of tenants. @default 'production' */
  nodeEnv?: string;
  /** Per-tenant resource limits. @default {} */
  limits?: TenantLimits;
  /**
   * The user and group tenants run as (the runtime must be allowed to switch:
   * root, or `CAP_SETUID`/`CAP_SETGID`), for every tenant or per key
   * (`undefined` from the function: the runtime's own). A tenant under
   * another user cannot read the runtime's memory or `/proc/<pid>/environ`,
   * nor signal it; under the runtime's own user it can read everything the
   * runtime can, its environment (and secrets) included. The tenant's
   * directory and entry must be readable by that user.
   * @default the runtime's own user
   */
  user?: TenantUser | ((key: string) => TenantUser | undefined);
  /** Tenants' stdout/stderr: `'pipe'` splits them into `onLog` lines; `'inherit'` or `'ignore'`. @default 'pipe' */
  stdio?: 'pipe' | 'inherit' | 'ignore';
  /** Longest log line kept; the rest of a longer line is dropped (`truncated: true`). @default 16384 */
  maxLogLineLength?: number;
  /**
   * The clock for idle time, sweeps, back-off and readiness timeouts (pool's `Clock`; a
   * `ManualClock` from `@drove/pool/clock` in tests). The grace of a stop runs in real time.
   * @default systemClock
   */
  clock?: Clock;
  /** Every line a tenant writes (with `stdio: 'pipe'`). Exceptions thrown here are ignored. */
  onLog?: (event: RuntimeLogEvent) => void;
  /** Spawn durations and periodic observations. Exceptions thrown here are ignored. */
  onMetrics?: (event: RuntimeMetricEvent) => void;
  /** Every state change. Exceptions thrown here are ignored. */
  onTransition?: (event: RuntimeTransitionEvent) => void;
}

/** A numeric user and group id a tenant runs as. */
export interface TenantUser {
  uid: number;
  gid: number;
}

/** The fully-filled form of {@link TenantRuntimeOptions}. */
export interface ResolvedTenantRuntimeOptions {
  root: string;
  /** An absolute path for a shared script, or a path relative to each tenant's directory. */
  entry: string | undefined;
  execArgv: string[];
  command: readonly string[] | undefined;
  listen: ListenMode;
  idleAfterMs: number;
  maxConcurrent: number;
  sweepIntervalMs: number;
  observeIntervalMs: number;
  readyTimeoutMs: number;
  stopGraceMs: number;
  backoff: ResolvedBackoffOptions;
  env: ((key: string) => Record<string, string>) | Record<string, string>;
  passEnv: string[];
  nodeEnv: string;
  limits: TenantLimits;
  user: TenantUser | ((key: string) => TenantUser | undefined) | undefined;
  stdio: 'pipe' | 'inherit' | 'ignore';
  maxLogLineLength: number;
  clock: Clock;
  onLog: ((event: RuntimeLogEvent) => void) | undefined;
  onMetrics: ((event: RuntimeMetricEvent) => void) | undefined;
  onTransition: ((event: RuntimeTransitionEvent) => void) | undefined;
}

const KNOWN = [
  'source',
  'entry',
  'execArgv',
  'command',
  'listen',
  'idleAfterMs',
  'maxConcurrent',
  'sweepIntervalMs',
  'observeIntervalMs',
  'readyTimeoutMs',
  'stopGraceMs',
  'backoff',
  'env',
  'passEnv',
  'nodeEnv',
  'limits',
  'user',
  'stdio',
  'maxLogLineLength',
  'clock',
  'onLog',
  'onMetrics',
  'onTransition',
] as const;

/**
 * Checks every option and fills in the defaults.
 *
 * @throws InvalidOptionError (`ERR_TENANT_INVALID_OPTION`) naming the option, the expected form and the value.
 * @example
 * ```ts
 * import { resolveTenantRuntimeOptions } from '@drove/tenant-runtime';
 * resolveTenantRuntimeOptions({ source: { kind: 'directory', root: '/srv/tenants' }, maxConcurrent: 0 });
 * // InvalidOptionError: Expected `maxConcurrent` to be an integer >= 1, got `0` (number)
 * ```
 */
export function resolveTenantRuntimeOptions(options: TenantRuntimeOptions): ResolvedTenantRuntimeOptions {
  check.keys('', options, KNOWN);
  const source = options.source as unknown;
  if (typeof source !== 'object' || source === null) check.fail('source', "an object `{ kind: 'directory', root }`", source);
  check.keys('source', source, ['kind', 'root']);
  const { kind, root } = source as { kind?: unknown; root?: unknown };
  check.oneOf('source.kind', kind, ['directory']);
  if (typeof root !== 'string' || !isAbsolute(root)) check.fail('source.root', 'an absolute path', root);

  if (options.entry !== undefined && options.command !== undefined) {
    throw new InvalidOptionError('Expected only one of `entry` and `command`, got both');
  }
  let entry: string | undefined;
  if (options.command === undefined) {
    const given = options.entry ?? 'server.js';
    if (given instanceof URL) {
      if (given.protocol !== 'file:') check.fail('entry', 'a path or a file: URL', given.href);
      entry = fileURLToPath(given);
    } else if (typeof given === 'string' && given.startsWith('file:')) {
      entry = fileURLToPath(given);
    } else {
      check.string('entry', given);
      entry = given;
    }
  } else {
    check.stringArray('command', options.command, { nonEmpty: true });
    if (options.command[0] === '') check.fail('command[0]', 'a non-empty string', options.command[0]);
  }
  const execArgv = options.execArgv ?? [];
  check.stringArray('execArgv', execArgv);

  const resolved: ResolvedTenantRuntimeOptions = {
    root,
    entry,
    execArgv: [...execArgv],
    command: options.command ? [...options.command] : undefined,
    listen: options.listen ?? 'handle',
    idleAfterMs: options.idleAfterMs ?? 300_000,
    maxConcurrent: options.maxConcurrent ?? 100,
    sweepIntervalMs: options.sweepIntervalMs ?? 10_000,
    observeIntervalMs: options.observeIntervalMs ?? 30_000,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    stopGraceMs: options.stopGraceMs ?? 5000,
    backoff: resolveBackoff(options.backoff),
    env: options.env ?? {},
    passEnv: options.passEnv ?? [],
    nodeEnv: options.nodeEnv ?? 'production',
    limits: options.limits ?? {},
    user: options.user,
    stdio: options.stdio ?? 'pipe',
    maxLogLineLength: options.maxLogLineLength ?? 16_384,
    clock: options.clock ?? systemClock,
    onLog: options.onLog,
    onMetrics: options.onMetrics,
    onTransition: options.onTransition,
  };
  check.oneOf('listen', resolved.listen, ['handle', 'report']);
  check.duration('idleAfterMs', resolved.idleAfterMs);
  check.count('maxConcurrent', resolved.maxConcurrent, { min: 1 });
  check.duration('sweepIntervalMs', resolved.sweepIntervalMs, { min: 1 });
  check.duration('observeIntervalMs', resolved.observeIntervalMs);
  check.duration('readyTimeoutMs', resolved.readyTimeoutMs, { min: 1 });
  check.duration('stopGraceMs', resolved.stopGraceMs);
  if (typeof resolved.env !== 'function') check.stringRecord('env', resolved.env);
  check.stringArray('passEnv', resolved.passEnv);
  check.string('nodeEnv', resolved.nodeEnv);
  check.keys('limits', resolved.limits, ['maxOldSpaceSizeMb', 'memoryMaxBytes', 'cgroupParent']);
  const { maxOldSpaceSizeMb, memoryMaxBytes, cgroupParent } = resolved.limits;
  if (maxOldSpaceSizeMb !== undefined) check.count('limits.maxOldSpaceSizeMb', maxOldSpaceSizeMb, { min: 16 });
  if (memoryMaxBytes !== undefined) check.count('limits.memoryMaxBytes', memoryMaxBytes, { min: 1 << 20 });
  if (cgroupParent !== undefined && (typeof cgroupParent !== 'string' || !isAbsolute(cgroupParent))) {
    check.fail('limits.cgroupParent', 'an absolute path', cgroupParent);
  }
  if (typeof resolved.user !== 'function' && resolved.user !== undefined) checkUser('user', resolved.user);
  check.oneOf('stdio', resolved.stdio, ['pipe', 'inherit', 'ignore']);
  check.count('maxLogLineLength', resolved.maxLogLineLength, { min: 1, max: 1 << 24 });
  check.clock('clock', resolved.clock);
  for (const hook of ['onLog', 'onMetrics', 'onTransition'] as const) {
    if (resolved[hook] !== undefined) check.function(hook, resolved[hook]);
  }
  return resolved;
}

/** Checks a {@link TenantUser}: an object of two integer ids. */
export function checkUser(name: string, user: unknown): asserts user is TenantUser {
  check.object(name, user);
  check.keys(name, user, ['uid', 'gid']);
  check.count(`${name}.uid`, (user as Record<string, unknown>).uid, { min: 0, max: 2 ** 32 - 2 });
  check.count(`${name}.gid`, (user as Record<string, unknown>).gid, { min: 0, max: 2 ** 32 - 2 });
}

function resolveBackoff(options: BackoffOptions | undefined): ResolvedBackoffOptions {
  if (options !== undefined) check.object('backoff', options);
  try {
    return resolveBackoffOptions({ baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0, maxFailures: 10, ...options }, 'backoff');
  } catch (error) {
    // Pool words the message; this package owns the code.
    if ((error as { code?: unknown }).code === 'ERR_POOL_INVALID_OPTION') throw new InvalidOptionError((error as Error).message, { cause: error });
    throw error;
  }
}
