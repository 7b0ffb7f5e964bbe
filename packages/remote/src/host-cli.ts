/**
 * The parts of a host's command line that `drove-worker` and the commands
 * built on a {@link RemoteHost} (such as `drove-export worker`) share: the
 * flags of the host itself (`--connection` with `--tls-ca`, `--queue`,
 * `--threads`, `--prefix` and the timings), integer flags, and closing the
 * host on SIGTERM or SIGINT. They throw `@drove/pool/cli`'s `UsageError` and `KnownFailure`, for
 * its `runCommand`.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KnownFailure, oneLine, UsageError } from '@drove/pool/cli';
import { checkConnection, connectionWithTls, type Connection } from './connection.js';
import type { RemoteHost, RemoteHostOptions } from './remote-host.js';

/**
 * An integer flag's value, `undefined` when it was not given.
 *
 * @throws {UsageError} for what is not an integer >= `min`.
 * @example
 * ```ts
 * import { integerFlag } from '@drove/remote/host-cli';
 * const threads = integerFlag('threads', values.threads, 1);
 * ```
 */
export function integerFlag(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} expects an integer >= ${min}, got ${JSON.stringify(text)}`);
  return value;
}

/** The flags every host command takes, for `node:util`'s `parseArgs`: spread them into its `options`. */
export const hostFlags = {
  connection: { type: 'string' },
  'tls-ca': { type: 'string' },
  queue: { type: 'string' },
  threads: { type: 'string' },
  prefix: { type: 'string' },
  'stall-interval-ms': { type: 'string' },
  'shutdown-timeout-ms': { type: 'string' },
  'connect-timeout-ms': { type: 'string' },
} as const;

/** What {@link hostFlags} give a host. */
export type HostFlagOptions = Pick<RemoteHostOptions, 'connection' | 'queue' | 'threads' | 'prefix' | 'stallIntervalMs' | 'shutdownTimeoutMs' | 'connectTimeoutMs'>;

/**
 * The host options of the {@link hostFlags} `parseArgs` read. `--connection`
 * defaults to `$REDIS_URL`; with `--tls-ca FILE` the connection is ioredis
 * options that trust that CA ({@link connectionWithTls}).
 *
 * @throws {UsageError} for a missing `--queue` or connection, a URL that is not redis:// or rediss://, `--tls-ca` with redis://, or a bad integer.
 * @throws {KnownFailure} when the `--tls-ca` file does not exist.
 * @example
 * ```ts
 * import { parseArgs } from 'node:util';
 * import { hostFlags, parseHostFlags } from '@drove/remote/host-cli';
 * const { values } = parseArgs({ options: { ...hostFlags, out: { type: 'string' } } });
 * const options = parseHostFlags(values);
 * ```
 */
export function parseHostFlags(values: { [Flag in keyof typeof hostFlags]?: string | undefined }): HostFlagOptions {
  if (values.queue === undefined || values.queue === '') throw new UsageError('--queue is required');
  const options: HostFlagOptions = { queue: values.queue, connection: connectionFlags(values.connection, values['tls-ca']) };
  const threads = integerFlag('threads', values.threads, 1);
  if (threads !== undefined) options.threads = threads;
  if (values.prefix !== undefined) options.prefix = values.prefix;
  const stall = integerFlag('stall-interval-ms', values['stall-interval-ms'], 100);
  if (stall !== undefined) options.stallIntervalMs = stall;
  const shutdown = integerFlag('shutdown-timeout-ms', values['shutdown-timeout-ms'], 0);
  if (shutdown !== undefined) options.shutdownTimeoutMs = shutdown;
  const connect = integerFlag('connect-timeout-ms', values['connect-timeout-ms'], 1);
  if (connect !== undefined) options.connectTimeoutMs = connect;
  return options;
}

/** `--connection URL` (else `$REDIS_URL`) and `--tls-ca FILE`, as a connection. */
function connectionFlags(url: string | undefined, caFile: string | undefined): Connection {
  const connection = url ?? process.env.REDIS_URL;
  if (connection === undefined || connection === '') throw new UsageError('--connection is required (or set REDIS_URL)');
  try {
    checkConnection('--connection', connection);
  } catch (error) {
    throw new UsageError((error as Error).message.replace('`--connection`', '--connection'));
  }
  if (caFile === undefined) return connection;
  if (!connection.startsWith('rediss://')) throw new UsageError('--tls-ca goes with a rediss:// connection');
  const file = resolve(caFile);
  if (!existsSync(file)) throw new KnownFailure(`no CA certificate at ${file}`, 'check --tls-ca: a PEM file');
  return connectionWithTls(connection, { ca: readFileSync(file, 'utf8') });
}

/** How {@link closeOnSignal} speaks: lines on standard error, each after `program: `. */
export interface CloseOnSignalOptions {
  /** The command's name, before each line: `drove-worker`. */
  program: string;
  /** No line on the first signal. */
  quiet: boolean;
  /** What the first signal does, given the tasks running: `taking no new tasks; finishing 3 running`. */
  stopping(running: number): string;
}

/**
 * Closes `host` on the first SIGTERM or SIGINT (its running tasks finish or
 * go back to the queue) and exits the process at once, code 1, on a second.
 * Its `error` events are written to standard error, once for each distinct
 * message. Resolves once the host is closed.
 *
 * @example
 * ```ts
 * import { closeOnSignal } from '@drove/remote/host-cli';
 * await closeOnSignal(host, { program: 'my-worker', quiet: false, stopping: (running) => `finishing ${running} tasks` });
 * ```
 */
export function closeOnSignal(host: Pick<RemoteHost, 'on' | 'stats' | 'close'>, { program, quiet, stopping }: CloseOnSignalOptions): Promise<void> {
  // Redis drops and comes back: ioredis reconnects by itself; say so once per distinct message, never with credentials.
  let lastError = '';
  host.on('error', (error) => {
    const line = oneLine(error);
    if (line !== lastError) process.stderr.write(`${program}: ${line}\n`);
    lastError = line;
  });
  return new Promise<void>((done) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (closing) process.exit(1);
      closing = true;
      if (!quiet) process.stderr.write(`${program}: ${signal}: ${stopping(host.stats().running)} (again to stop at once)\n`);
      void host.close().then(done, (error: unknown) => {
        process.stderr.write(`${program}: ${oneLine(error)}\n`);
        done();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
