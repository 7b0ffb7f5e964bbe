#!/usr/bin/env node
// drove-worker: one host of a remote pool. Takes tasks from a BullMQ queue and
// runs them in a local @drove/pool of the given worker module. Exit codes: 0
// stopped by SIGTERM/SIGINT after finishing or returning its tasks, 1 could not
// start or failed, 2 bad usage.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { KnownFailure, runCommand, UsageError } from '@drove/pool/cli';
import { describeConnection } from './connection.js';
import { RemoteError } from './errors.js';
import { closeOnSignal, hostFlags, integerFlag, parseHostFlags } from './host-cli.js';
import { createRemoteHost, type RemoteHostOptions } from './remote-host.js';

const synopsis = 'usage: drove-worker --queue NAME [--connection redis://…] [--threads N] [options] ./worker.mjs';
const usage = `${synopsis}

Takes tasks from the BullMQ queue NAME on Redis and runs them in a local pool of
the worker module (the same defineWorker module a local @drove/pool runs).

  --connection URL        Redis, redis://[user:password@]host:port[/db] or rediss:// for TLS
                          (default: $REDIS_URL; prefer it: a command line is visible to ps)
  --tls-ca FILE           a CA certificate (PEM) to trust for a rediss:// connection, besides the system's
  --queue NAME            the queue callers send to (createRemotePool({ queue }))
  --threads N             local workers (default: ${availableParallelism()}, the cores)
  --concurrency N         tasks taken from the queue at once (default: the threads); more keeps
                          the threads busy between Redis round trips, for tasks of 1 ms or less
  --kind thread|process   where the local workers run (default: thread)
  --prefix P              BullMQ key prefix, as the callers' (default: bull)
  --stall-interval-ms MS  a task whose host stops renewing its lock this long goes back
                          to the queue (default: 30000)
  --max-stalled N         times a task may be lost by a dying host before it fails (default: 1)
  --shutdown-timeout-ms MS  on SIGTERM/SIGINT, time running tasks get to finish before they
                          go back to the queue (default: 30000); a second signal stops at once
  --connect-timeout-ms MS  how long to wait for Redis at start (default: 10000)
  --report-interval-ms MS  how often this host writes its stats and telemetry to Redis for
                          remote.hosts() (default: 2000; 0: never)
  --quiet                 no "ready" and "stopped" lines
  --verbose               stacks with errors
  -h, --help              this help
  --version               the version`;

interface CliArgs {
  options: RemoteHostOptions;
  quiet: boolean;
}

function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...hostFlags,
        concurrency: { type: 'string' },
        kind: { type: 'string' },
        'max-stalled': { type: 'string' },
        'report-interval-ms': { type: 'string' },
        quiet: { type: 'boolean' },
        verbose: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the worker module' : `one worker module, got ${positionals.length}: ${positionals.join(' ')}`);
  const options: RemoteHostOptions = { ...parseHostFlags(values), worker: positionals[0] ?? '' };
  if (values.kind !== undefined && values.kind !== 'thread' && values.kind !== 'process') throw new UsageError(`--kind expects thread or process, got ${JSON.stringify(values.kind)}`);
  const concurrency = integerFlag('concurrency', values.concurrency, 1);
  if (concurrency !== undefined) options.concurrency = concurrency;
  if (values.kind !== undefined) options.kind = values.kind;
  const maxStalled = integerFlag('max-stalled', values['max-stalled'], 0);
  if (maxStalled !== undefined) options.maxStalledCount = maxStalled;
  const report = integerFlag('report-interval-ms', values['report-interval-ms'], 0);
  if (report !== undefined && report > 0 && report < 50) throw new UsageError(`--report-interval-ms expects 0 or an integer >= 50, got "${report}"`);
  if (report !== undefined) options.reportIntervalMs = report;
  return { options, quiet: values.quiet === true };
}

async function serve({ options, quiet }: CliArgs): Promise<number> {
  const module = resolve(String(options.worker));
  if (!existsSync(module)) throw new KnownFailure(`no worker module at ${module}`, 'give the path of a module that exports defineWorker({ handlers })');
  const where = describeConnection(options.connection);
  const host = createRemoteHost({ ...options, worker: pathToFileURL(module) });
  const stopped = closeOnSignal(host, { program: 'drove-worker', quiet, stopping: (running) => `taking no new tasks; finishing ${running} running` });
  try {
    await host.start();
  } catch (error) {
    if (error instanceof RemoteError && error.code === 'ERR_REMOTE_CONNECTION') {
      throw new KnownFailure(`could not reach Redis at ${where}`, 'check --connection (or REDIS_URL) and that Redis runs there', { cause: error });
    }
    throw error;
  }
  const threads = options.threads ?? availableParallelism();
  if (!quiet) process.stderr.write(`drove-worker: ready: queue ${options.queue} at ${where}, ${threads} ${options.kind ?? 'thread'}${threads === 1 ? '' : 's'}\n`);
  await stopped;
  const stats = host.stats();
  if (!quiet) process.stderr.write(`drove-worker: stopped: ${stats.completed} completed, ${stats.failed} failed, ${stats.returned} returned to the queue\n`);
  return 0;
}

function main(argv: string[]): Promise<number> {
  return runCommand(argv, {
    program: 'drove-worker',
    usage,
    synopsis,
    packageJson: new URL('../package.json', import.meta.url),
    run: () => serve(parseCliArgs(argv)),
  });
}

process.exitCode = await main(process.argv.slice(2));
// Connections and timers of a host that could not start must not keep the process open.
if (process.exitCode !== 0) process.exit();
