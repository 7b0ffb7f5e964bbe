// The failures `drove-supervise` knows how to explain, each as the problem
// and its fix: a config that is missing or does not load, a shared socket
// that cannot listen, a child whose program cannot be spawned.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResolvedChildSpec } from '../child-spec.js';
import type { SupervisorOptions } from '../options.js';
import { SupervisorError } from '../errors.js';
import { ConfigFailure, KnownFailure, oneLine } from './cli-output.js';

/**
 * Imports the config module and returns its default export (called when it is a function).
 *
 * @throws ConfigFailure (exit 2) for a missing file, a folder, a module that throws or has no usable default export.
 */
export async function loadConfig(path: string): Promise<SupervisorOptions> {
  if (!existsSync(path)) {
    throw new ConfigFailure(`no config file at ${path}`, 'pass the path of a module that default-exports the supervisor options (drove-supervise --help)');
  }
  if (statSync(path).isDirectory()) {
    throw new ConfigFailure(`${path} is a folder`, 'pass the config module in it, e.g. drove-supervise ./fleet.config.mjs');
  }
  let config: unknown;
  try {
    const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
    config = module.default;
    if (typeof config === 'function') config = await (config as () => unknown)();
  } catch (error) {
    throw new ConfigFailure(
      `could not load the config ${path}: ${error instanceof Error ? `${error.name}: ` : ''}${oneLine(error)}`,
      `fix the module (\`node --check ${path}\` finds a syntax error; --verbose shows the stack)`,
      { cause: error },
    );
  }
  if (typeof config !== 'object' || config === null) {
    throw new ConfigFailure(
      `the config ${path} default-exports ${config === undefined ? 'nothing' : `a ${typeof config}`}`,
      'end it with `export default { children: [ ... ] }` (or a function returning the options)',
    );
  }
  return config as SupervisorOptions;
}

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  port?: number;
  address?: string;
  path?: string;
}

function systemCause(error: unknown): SystemError | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? (cause as SystemError) : undefined;
}

/** A failure of `start()` explained with its fix, or undefined when it is none the CLI knows. */
export function explainStartFailure(error: unknown): KnownFailure | undefined {
  if (!(error instanceof SupervisorError) || error.code !== 'ERR_SUPERVISOR_SOCKET') return undefined;
  const cause = systemCause(error);
  const port = cause?.port;
  switch (cause?.code) {
    case 'EADDRINUSE':
      return new KnownFailure(
        `${error.message}: the port is in use (EADDRINUSE)`,
        `stop what listens there (\`ss -ltnp 'sport = :${port}'\` names it) or choose another port in the config (\`port: 0\` takes a free one)`,
        { cause: error },
      );
    case 'EACCES':
      return new KnownFailure(
        `${error.message}: permission denied (EACCES)`,
        'use a port above 1023, or let node bind low ports (`sudo setcap cap_net_bind_service=+ep "$(command -v node)"`)',
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new KnownFailure(
        `${error.message}: no address of this machine (${cause.code})`,
        "use a host this machine has: '127.0.0.1', '::1', or '0.0.0.0' for every interface",
        { cause: error },
      );
    default:
      return undefined;
  }
}

/**
 * Why a child's program could not be spawned, with the fix, on one line; undefined when `error` is no spawn failure.
 */
export function explainSpawnFailure(spec: ResolvedChildSpec | undefined, error: Error | undefined): string | undefined {
  const failure = error as SystemError | undefined;
  if (!failure?.syscall?.startsWith('spawn') || typeof failure.code !== 'string') return undefined;
  const spawn = spec?.spawn;
  const cwd = spawn && 'cwd' in spawn ? spawn.cwd : undefined;
  const program = spawn?.kind === 'command' ? spawn.command : (failure.path ?? failure.syscall.slice('spawn '.length));
  const argv0 = spawn?.kind === 'command' ? 'argv[0]' : 'the program';
  if (failure.code === 'ENOENT') {
    if (cwd !== undefined && !existsSync(cwd)) return `its cwd \`${cwd}\` does not exist (ENOENT); create it or fix \`cwd\` in its spec`;
    if (program.includes('/')) {
      const where = isAbsolute(program) ? '' : ` (relative to ${cwd ?? process.cwd()})`;
      return `\`${program}\` does not exist${where} (ENOENT); fix ${argv0} in its spec`;
    }
    return `\`${program}\` was not found on the PATH (ENOENT); install it, or give its absolute path as ${argv0} in its spec`;
  }
  if (failure.code === 'EACCES') {
    return `\`${program}\` is not executable (EACCES); \`chmod +x\` it, or run it through its interpreter (argv: ['sh', '${program}'])`;
  }
  return `\`${program}\` could not be spawned (${failure.code}): ${failure.message}`;
}
