import { parseArgs } from 'node:util';
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
}

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
  -q, --quiet               no progress, only the summary (and log warnings and errors)
      --verbose             the renderer's info log lines too, and stacks with errors
  -h, --help                this text
      --version             the version`;

/**
 * Reads `drove-export`'s command line.
 *
 * @throws {StaticExportError} `ERR_EXPORT_INVALID_OPTION` with a message fit for the user.
 */
export function parseCliArgs(argv: string[]): CliArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        renderer: { type: 'string', short: 'r' },
        paths: { type: 'string', short: 'p' },
        out: { type: 'string', short: 'o' },
        workers: { type: 'string', short: 'w' },
        kind: { type: 'string' },
        shard: { type: 'string' },
        incremental: { type: 'boolean' },
        force: { type: 'boolean' },
        timeout: { type: 'string' },
        retries: { type: 'string' },
        options: { type: 'string' },
        manifest: { type: 'string' },
        'no-manifest': { type: 'boolean' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const help = values.help === true;
  const version = values.version === true;
  if (!help && !version) {
    for (const name of ['renderer', 'paths', 'out'] as const) {
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
    rendererOptions: parseJson(values.options as string | undefined),
    manifest: values['no-manifest'] === true ? false : (values.manifest as string | undefined),
    json: values.json === true,
    quiet: values.quiet === true,
    verbose: values.verbose === true,
  };
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

function parseJson(text: string | undefined): unknown {
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
