/**
 * What a tenant is spawned as: an `entry` forked, or a `command`, in its
 * directory, with an allowlisted environment and its heap limit. Only the
 * description lives here; pool's transport does the spawning.
 */
import { isAbsolute, join } from 'node:path';
import type { SpawnSpec } from '@drove/pool/transport';
import type { ResolvedTenantRuntimeOptions } from '../options.js';
import { LISTEN_MODE_ENV, TENANT_KEY_ENV } from './listen-mode.js';
import { checkUser } from '../options.js';
import { check } from './validate.js';

/**
 * The spawn spec of tenant `key` in `directory`. The environment is built
 * from nothing: `PATH`, `NODE_ENV`, the `passEnv` names, `env`, then the
 * protocol variables (which `env` cannot override); `PORT` is set at spawn.
 */
export function tenantSpawnSpec(
  options: ResolvedTenantRuntimeOptions,
  key: string,
  directory: string,
): SpawnSpec & { kind: 'process' | 'command' } {
  const env: Record<string, string> = {};
  if (process.env.PATH !== undefined) env.PATH = process.env.PATH;
  env.NODE_ENV = options.nodeEnv;
  for (const name of options.passEnv) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const added = typeof options.env === 'function' ? options.env(key) : options.env;
  if (typeof options.env === 'function') check.stringRecord('env(key)', added);
  Object.assign(env, added);
  env[TENANT_KEY_ENV] = key;
  env[LISTEN_MODE_ENV] = options.listen;
  const user = typeof options.user === 'function' ? options.user(key) : options.user;
  if (typeof options.user === 'function' && user !== undefined) checkUser('user(key)', user);
  const ids = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const heap = options.limits.maxOldSpaceSizeMb;
  const { stdio } = options;
  if (options.command) {
    if (heap !== undefined) env.NODE_OPTIONS = [env.NODE_OPTIONS, `--max-old-space-size=${heap}`].filter(Boolean).join(' ');
    const [command = '', ...args] = options.command;
    return { kind: 'command', command, args, cwd: directory, env, stdio, ipc: true, processGroup: true, ...ids };
  }
  const entry = options.entry ?? 'server.js';
  return {
    kind: 'process',
    entry: isAbsolute(entry) ? entry : join(directory, entry),
    args: [],
    // Explicit, so that the host's own flags (a debugger, a loader, a test runner's) never reach tenants.
    execArgv: heap === undefined ? [...options.execArgv] : [`--max-old-space-size=${heap}`, ...options.execArgv],
    cwd: directory,
    env,
    stdio,
    // Its own process group: every stop, and the runtime's death, ends the tenant's children too.
    processGroup: true,
    ...ids,
  };
}
