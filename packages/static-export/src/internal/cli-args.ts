import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StaticExportError } from '../errors.js';
import type { ExportKind } from '../options.js';
import { parseShard, type Shard } from '../shard.js';

/** What `drove-export` was asked to do. */
export interface CliArgs {
  help: boolean;
  version: boolean;
  renderer: string;
  /** A file of paths, one a line, or `-` for standard input. */
  paths: string;
  out: string;
  workers: number | 'auto';
  kind: ExportKind;
  shard: Shard | undefined;
  incremental: boolean;
  /** Replace files in --out that no earlier export wrote. */
  force: boolean;
  timeoutMs: number | undefined;
  retries: number | undefined;
  rendererOptions: unknown;
  manifest: string | false | undefined;
  json: boolean;
  quiet: boolean;
  /** Info lines of `ctx.log()`, and stacks with errors. */
  verbose: boolean;
  /** Spread over hosts: the Redis connection and queue (`--remote`, `--queue`), else `undefined`. */
  remote: { connection: string; queue: string; prefix: string | undefined; chunkPaths: number | undefined; caFile: string | undefined } | undefined;
}

/** The flags that name the renderer, its options and where it writes: `drove-export` and `drove-export worker` take them alike. */
export const rendererFlags = {
  renderer: { type: 'string', short: 'r' },
  out: { type: 'string', short: 'o' },
  options: { type: 'string' },
} as const;

/** The usage a usage error prints under its one line. */
export const synopsis = `Usage: drove-export --renderer <module> --paths <file|-> --out <dir> [options]
Run drove-export --help for the options.`;

export const usage = `Usage: drove-export --renderer ./render.mjs --paths paths.txt|- --out dist [options]

Renders every path (one a line; blank lines and # comments are skipped) with the
renderer module's render(path, ctx), in parallel render children that write the
files themselves, atomically. Exit code 0: all rendered; 1: some path failed or
the export could not run; 2: bad usage; 130: interrupted (SIGINT).
The renderer's ctx.log() warnings and errors are printed as they come; info
lines too with --verbose.

Options:
  -r, --renderer <module>   the renderer module (exports render, optionally setup)
  -p, --paths <file|->      the paths, one a line; - reads standard input
  -o, --out <dir>           where files are written
  -w, --workers <n|auto>    render children (default: auto, one a core)
      --kind <kind>         process (default), thread or inline
      --shard <i/n>         export only shard i of n (1-based, like Jest's)
      --incremental         leave files whose content is unchanged since the last manifest
      --force               replace files in --out that no earlier export wrote
      --timeout <ms>        fail a path that renders longer than this
      --retries <n>         render again a path whose child crashed (default 0)
      --options <json>      passed to the renderer's setup(options)
      --manifest <name>     the manifest's file name in --out; --no-manifest for none
      --json                print the summary as JSON on standard output
      --remote <url>        spread the paths over hosts through Redis (default: $REDIS_URL);
                            each host runs drove-export worker; see drove-export worker --help
      --queue <name>        the hosts' queue (with --remote)
      --tls-ca <file>       a CA certificate (PEM) to trust for a rediss:// --remote
      --chunk-paths <n>     paths a task sent to a host (with --remote; default 16)
      --prefix <p>          BullMQ key prefix, as the hosts' (with --remote; default bull)
  -q, --quiet               no progress, only the summary (and log warnings and errors)
      --verbose             the renderer's info log lines too, and stacks with errors
  -h, --help                this text
      --version             the version

Over several machines (Redis between them):
  drove-export worker --queue site --renderer ./render.mjs --out host-out   (each host)
  drove-export --remote redis://… --queue site --paths paths.txt            (one coordinator)
  drove-export merge host-a-out host-b-out --out dist                        (after it)`;

/**
 * A command line of flags alone (no positionals), read strictly: `drove-export`'s and `drove-export worker`'s.
 *
 * @throws {StaticExportError} `ERR_EXPORT_INVALID_OPTION` for a flag it does not know or one without its value.
 */
export function parseFlags<const T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: T }>>['values'] {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

/**
 * Reads `drove-export`'s command line.
 *
 * @throws {StaticExportError} `ERR_EXPORT_INVALID_OPTION` with a message fit for the user.
 */
export function parseCliArgs(argv: string[]): CliArgs {
  const values: Record<string, string | boolean | undefined> = parseFlags(argv, {
    ...rendererFlags,
    paths: { type: 'string', short: 'p' },
    workers: { type: 'string', short: 'w' },
    kind: { type: 'string' },
    shard: { type: 'string' },
    incremental: { type: 'boolean' },
    force: { type: 'boolean' },
    timeout: { type: 'string' },
    retries: { type: 'string' },
    manifest: { type: 'string' },
    'no-manifest': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
    remote: { type: 'string' },
    queue: { type: 'string' },
    'chunk-paths': { type: 'string' },
    'tls-ca': { type: 'string' },
    prefix: { type: 'string' },
  });
  const help = values.help === true;
  const version = values.version === true;
  const remote = remoteArgs(values);
  if (!help && !version) {
    for (const name of remote ? (['paths'] as const) : (['renderer', 'paths', 'out'] as const)) {
      if (typeof values[name] !== 'string' || values[name] === '') throw usageError(`--${name} is required`);
    }
  }
  const kind = (values.kind as string | undefined) ?? 'process';
  if (!['process', 'thread', 'inline'].includes(kind)) throw usageError(`--kind must be process, thread or inline, got ${kind}`);
  return {
    help,
    version,
    renderer: (values.renderer as string | undefined) ?? '',
    paths: (values.paths as string | undefined) ?? '',
    out: (values.out as string | undefined) ?? '',
    workers: parseWorkers(values.workers as string | undefined),
    kind: kind as ExportKind,
    shard: values.shard === undefined ? undefined : parseShard(values.shard as string),
    incremental: values.incremental === true,
    force: values.force === true,
    timeoutMs: parseCount('--timeout', values.timeout as string | undefined),
    retries: parseCount('--retries', values.retries as string | undefined),
    rendererOptions: parseRendererOptions(values.options as string | undefined),
    manifest: values['no-manifest'] === true ? false : (values.manifest as string | undefined),
    json: values.json === true,
    quiet: values.quiet === true,
    verbose: values.verbose === true,
    remote,
  };
}

function remoteArgs(values: Record<string, string | boolean | undefined>): CliArgs['remote'] {
  if (values.remote === undefined && values.queue === undefined) {
    for (const flag of ['chunk-paths', 'prefix', 'tls-ca']) if (values[flag] !== undefined) throw usageError(`--${flag} goes with --remote`);
    return undefined;
  }
  const connection = (values.remote as string | undefined) || process.env.REDIS_URL;
  if (!connection) throw usageError('--remote needs a redis:// URL (or set REDIS_URL)');
  if (typeof values.queue !== 'string' || values.queue === '') throw usageError('--queue is required with --remote');
  for (const flag of ['renderer', 'out', 'workers', 'kind', 'shard', 'timeout', 'retries', 'options', 'manifest', 'no-manifest', 'force']) {
    if (values[flag] !== undefined) throw usageError(`--${flag} does not go with --remote: the hosts (drove-export worker) render, and drove-export merge writes the output`);
  }
  const chunkPaths = parseCount('--chunk-paths', values['chunk-paths'] as string | undefined);
  if (chunkPaths === 0) throw usageError('--chunk-paths must be an integer >= 1, got 0');
  const caFile = values['tls-ca'] as string | undefined;
  if (caFile !== undefined && !connection.startsWith('rediss://')) throw usageError('--tls-ca goes with a rediss:// connection');
  return { connection, queue: values.queue, prefix: values.prefix as string | undefined, chunkPaths, caFile };
}

function parseWorkers(text: string | undefined): number | 'auto' {
  if (text === undefined || text === 'auto') return 'auto';
  if (!/^\d+$/.test(text) || Number(text) < 1) throw usageError(`--workers must be auto or an integer >= 1, got ${text}`);
  return Number(text);
}

function parseCount(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw usageError(`${flag} must be an integer >= 0, got ${text}`);
  return Number(text);
}

/** `--options <json>`, given to the renderer's `setup()`. */
export function parseRendererOptions(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw usageError(`--options must be JSON: ${(error as Error).message}`);
  }
}

function usageError(message: string): StaticExportError {
  return new StaticExportError('ERR_EXPORT_INVALID_OPTION', message);
}
