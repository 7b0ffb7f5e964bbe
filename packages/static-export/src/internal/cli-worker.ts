// `drove-export worker`: one host of an export spread over machines. It renders the paths the
// coordinator (`drove-export --remote`) sends into its own --out folder, until SIGTERM or SIGINT.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { KnownFailure, runCommand, UsageError } from '@drove/pool/cli';
import { StaticExportError } from '../errors.js';
import { startExportHost, type ExportHostOptions } from '../export-host.js';
import { parseFlags, parseRendererOptions, rendererFlags } from './cli-args.js';
import { loadRemote, loadRemoteHostCli } from './load-remote.js';

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
  quiet: boolean;
}

type HostCli = Awaited<ReturnType<typeof loadRemoteHostCli>>;

function parseWorkerArgs(argv: string[], { hostFlags, parseHostFlags }: HostCli): WorkerArgs {
  const values = parseFlags(argv, {
    ...hostFlags,
    ...rendererFlags,
    previous: { type: 'string' },
    name: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    verbose: { type: 'boolean' },
  });
  for (const name of ['renderer', 'out'] as const) {
    if (values[name] === undefined || values[name] === '') throw new UsageError(`--${name} is required`);
  }
  const host = parseHostFlags(values);
  const renderer = resolve(values.renderer!);
  if (!existsSync(renderer)) throw new KnownFailure(`no renderer module at ${renderer}`, 'check --renderer: a path from the current folder to a module that exports render(path, ctx)');
  const previous = values.previous;
  if (previous !== undefined && !existsSync(previous)) throw new KnownFailure(`no manifest at ${resolve(previous)}`, 'check --previous: the merged output\'s .drove-manifest.jsonl (or a copy of it)');
  const rendererOptions = parseRendererOptions(values.options);
  const options: ExportHostOptions = {
    ...host,
    renderer,
    outDir: values.out!,
    ...(rendererOptions !== undefined && { rendererOptions }),
    ...(previous !== undefined && { previousManifest: previous }),
    ...(values.name !== undefined && { name: values.name }),
  };
  return { options, quiet: values.quiet === true };
}

async function serve({ options, quiet }: WorkerArgs, { closeOnSignal }: HostCli): Promise<number> {
  const where = (await loadRemote()).describeConnection(options.connection);
  let host;
  try {
    host = await startExportHost(options);
  } catch (error) {
    if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_REMOTE') {
      throw new KnownFailure(`could not reach Redis at ${where}`, 'check --connection (or REDIS_URL) and that Redis runs there', { cause: error });
    }
    throw error;
  }
  const stopped = closeOnSignal(host, { program: 'drove-export worker', quiet, stopping: (running) => `taking no new paths; finishing ${running} tasks` });
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
    run: async () => {
      const hostCli = await loadRemoteHostCli();
      try {
        return await serve(parseWorkerArgs(argv, hostCli), hostCli);
      } catch (error) {
        // A flag parseFlags does not know, --options that are not JSON, an option startExportHost refuses.
        if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_INVALID_OPTION') throw new UsageError(error.message);
        throw error;
      }
    },
  });
  return code;
}
