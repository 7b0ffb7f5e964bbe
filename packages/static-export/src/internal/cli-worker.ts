// `drove-export worker`: one host of an export spread over machines. It renders the paths the
// coordinator (`drove-export --remote`) sends into its own --out folder, until SIGTERM or SIGINT.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KnownFailure, oneLine, runCommand, UsageError } from '@drove/pool/cli';
import { StaticExportError } from '../errors.js';
import { startExportHost, type ExportHostOptions } from '../export-host.js';
import { loadRemote } from './load-remote.js';

const synopsis = `Usage: drove-export worker --queue <name> --renderer <module> --out <dir> [options]
Run drove-export worker --help for the options.`;

const usage = `Usage: drove-export worker --queue site --renderer ./render.mjs --out host-out [options]

One host of an export spread over machines: takes the paths that
drove-export --remote sends to the queue, renders them with the renderer module
into --out (atomically, as a local export), and writes a run file there that
drove-export merge reads. Runs until SIGTERM or SIGINT (a second one stops at once).

Options:
      --connection <url>    Redis, redis://[user:password@]host:port or rediss:// for TLS
                            (default: $REDIS_URL; prefer it: a command line is visible to ps)
      --tls-ca <file>       a CA certificate (PEM) to trust for rediss://, besides the system's
      --queue <name>        the queue drove-export --remote --queue sends to
  -r, --renderer <module>   the renderer module (exports render, optionally setup)
  -o, --out <dir>           this host's folder (its own, or one every host shares)
      --previous <file>     the previous merged manifest: with drove-export --remote --incremental,
                            files it lists with the same content are not written again
      --name <name>         this host's name in failures (default: hostname-pid)
      --threads <n>         render threads (default: ${availableParallelism()}, the cores)
      --options <json>      passed to the renderer's setup(options)
      --prefix <p>          BullMQ key prefix, as the coordinator's (default: bull)
      --stall-interval-ms <ms>  a task whose host stops answering this long goes to another host (default: 30000)
      --shutdown-timeout-ms <ms>  on SIGTERM/SIGINT, time running tasks get before they go back (default: 30000)
      --connect-timeout-ms <ms>   how long to wait for Redis at start (default: 10000)
  -q, --quiet               no ready and stopped lines
      --verbose             stacks with errors
  -h, --help                this text
      --version             the version`;

interface WorkerArgs {
  options: ExportHostOptions;
  /** --tls-ca: a CA file to trust for the rediss:// connection. */
  caFile: string | undefined;
  quiet: boolean;
}

function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} expects an integer >= ${min}, got ${JSON.stringify(text)}`);
  return value;
}

function parseWorkerArgs(argv: string[]): WorkerArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        connection: { type: 'string' },
        'tls-ca': { type: 'string' },
        queue: { type: 'string' },
        renderer: { type: 'string', short: 'r' },
        out: { type: 'string', short: 'o' },
        previous: { type: 'string' },
        name: { type: 'string' },
        threads: { type: 'string' },
        options: { type: 'string' },
        prefix: { type: 'string' },
        'stall-interval-ms': { type: 'string' },
        'shutdown-timeout-ms': { type: 'string' },
        'connect-timeout-ms': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        verbose: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  for (const name of ['queue', 'renderer', 'out'] as const) {
    if (typeof values[name] !== 'string' || values[name] === '') throw new UsageError(`--${name} is required`);
  }
  const url = (values.connection as string | undefined) ?? process.env.REDIS_URL;
  if (url === undefined || url === '') throw new UsageError('--connection is required (or set REDIS_URL)');
  const renderer = resolve(values.renderer as string);
  if (!existsSync(renderer)) throw new KnownFailure(`no renderer module at ${renderer}`, 'check --renderer: a path from the current folder to a module that exports render(path, ctx)');
  const previous = values.previous as string | undefined;
  if (previous !== undefined && !existsSync(previous)) throw new KnownFailure(`no manifest at ${resolve(previous)}`, 'check --previous: the merged output\'s .drove-manifest.jsonl (or a copy of it)');
  let rendererOptions: unknown;
  if (values.options !== undefined) {
    try {
      rendererOptions = JSON.parse(values.options as string) as unknown;
    } catch (error) {
      throw new UsageError(`--options must be JSON: ${(error as Error).message}`);
    }
  }
  const options: ExportHostOptions = {
    connection: url,
    queue: values.queue as string,
    renderer,
    outDir: values.out as string,
    ...(rendererOptions !== undefined && { rendererOptions }),
    ...(previous !== undefined && { previousManifest: previous }),
    ...(values.name !== undefined && { name: values.name as string }),
    ...(values.prefix !== undefined && { prefix: values.prefix as string }),
  };
  const threads = integer('threads', values.threads as string | undefined, 1);
  if (threads !== undefined) options.threads = threads;
  const stall = integer('stall-interval-ms', values['stall-interval-ms'] as string | undefined, 100);
  if (stall !== undefined) options.stallIntervalMs = stall;
  const shutdown = integer('shutdown-timeout-ms', values['shutdown-timeout-ms'] as string | undefined, 0);
  if (shutdown !== undefined) options.shutdownTimeoutMs = shutdown;
  const connect = integer('connect-timeout-ms', values['connect-timeout-ms'] as string | undefined, 1);
  if (connect !== undefined) options.connectTimeoutMs = connect;
  const caFile = values['tls-ca'] as string | undefined;
  if (caFile !== undefined) {
    if (!url.startsWith('rediss://')) throw new UsageError('--tls-ca goes with a rediss:// connection');
    if (!existsSync(caFile)) throw new KnownFailure(`no CA certificate at ${resolve(caFile)}`, 'check --tls-ca: a PEM file');
  }
  return { options, caFile, quiet: values.quiet === true };
}

async function serve({ options: given, caFile, quiet }: WorkerArgs): Promise<number> {
  const { connectionWithTls, describeConnection } = await loadRemote();
  const options = caFile === undefined ? given : { ...given, connection: connectionWithTls(String(given.connection), { ca: readFileSync(caFile, 'utf8') }) };
  const where = describeConnection(options.connection);
  let host;
  try {
    host = await startExportHost(options);
  } catch (error) {
    if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_REMOTE') {
      throw new KnownFailure(`could not reach Redis at ${where}`, 'check --connection (or REDIS_URL) and that Redis runs there', { cause: error });
    }
    if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_INVALID_OPTION') throw new UsageError(error.message);
    throw error;
  }
  let lastError = '';
  host.on('error', (error) => {
    const line = oneLine(error);
    if (line !== lastError) process.stderr.write(`drove-export worker: ${line}\n`);
    lastError = line;
  });
  const stopped = new Promise<void>((done) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(1);
      stopping = true;
      if (!quiet) process.stderr.write(`drove-export worker: ${signal}: taking no new paths; finishing ${host.stats().running} tasks (again to stop at once)\n`);
      void host.close().then(done, (error: unknown) => {
        process.stderr.write(`drove-export worker: ${oneLine(error)}\n`);
        done();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const threads = options.threads ?? availableParallelism();
  if (!quiet) process.stderr.write(`drove-export worker: ready: queue ${options.queue} at ${where}, ${threads} thread${threads === 1 ? '' : 's'}, writing into ${resolve(String(options.outDir))}\n`);
  await stopped;
  const stats = host.stats();
  if (!quiet) process.stderr.write(`drove-export worker: stopped: ${stats.completed} tasks completed, ${stats.failed} failed, ${stats.returned} returned to the queue\n`);
  return 0;
}

export async function workerCommand(argv: string[]): Promise<number> {
  const code = await runCommand(argv, {
    program: 'drove-export worker',
    usage,
    synopsis,
    packageJson: new URL('../package.json', import.meta.url),
    run: () => serve(parseWorkerArgs(argv)),
  });
  return code;
}
