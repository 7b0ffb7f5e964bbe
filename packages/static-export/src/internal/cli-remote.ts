// `drove-export --remote URL --queue NAME --paths FILE`: the coordinator of an export spread over hosts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { KnownFailure } from '@drove/pool/cli';
import { exportRemote, RemoteExportAbortedError } from '../remote-export.js';
import type { RemoteExportSummary } from '../remote-report.js';
import type { CliArgs } from './cli-args.js';
import { failureLines, runCliExport, summaryHead } from './cli-export.js';
import { loadRemote } from './load-remote.js';
import { ProgressView } from './progress-view.js';

export async function exportRemoteFromArgs(args: CliArgs, remote: NonNullable<CliArgs['remote']>, paths: AsyncIterable<string>): Promise<number> {
  if (args.paths !== '-') {
    const file = resolve(args.paths);
    if (!existsSync(file) || statSync(file).isDirectory()) throw new KnownFailure(`no paths file at ${file}`, 'check --paths: a file of paths, one a line, or - to read them from standard input');
  }
  let connection: Parameters<typeof exportRemote>[0]['connection'] = remote.connection;
  if (remote.caFile !== undefined) {
    const caFile = resolve(remote.caFile);
    if (!existsSync(caFile)) throw new KnownFailure(`no CA certificate at ${caFile}`, 'check --tls-ca: a PEM file');
    connection = (await loadRemote()).connectionWithTls(remote.connection, { ca: readFileSync(caFile, 'utf8') });
  }
  const view = new ProgressView(process.stderr, { total: undefined, quiet: args.quiet });
  return runCliExport<RemoteExportSummary>({
    view,
    stopping: 'no new paths; taking back the tasks in flight',
    json: args.json,
    report,
    abortedSummary: (error) => (error instanceof RemoteExportAbortedError ? error.summary : undefined),
    knownFailure: (error) =>
      error.code === 'ERR_EXPORT_REMOTE' ? new KnownFailure(error.message, 'check --remote (or REDIS_URL) and that Redis runs there', { cause: error }) : undefined,
    run: (signal) =>
      exportRemote({
        connection,
        queue: remote.queue,
        paths,
        incremental: args.incremental,
        signal,
        ...(remote.prefix !== undefined && { prefix: remote.prefix }),
        ...(remote.chunkPaths !== undefined && { chunkPaths: remote.chunkPaths }),
        onProgress: (progress) => view.update(progress),
        onLog: (entry) => {
          if (entry.type === 'failure') view.failure(entry);
          else if (entry.type === 'message' && (entry.level !== 'info' || args.verbose)) view.log({ ...entry, message: `${entry.message} (on host ${entry.host ?? '?'})` });
        },
      }),
  });
}

function report(summary: RemoteExportSummary): string {
  const lines = [
    `${summaryHead(summary)} on ${summary.hosts.length} host${summary.hosts.length === 1 ? '' : 's'}`,
    `  ${summary.artifacts} files written, ${summary.unchanged} unchanged${summary.stalled > 0 ? `; ${summary.stalled} tasks taken back from a host that died or stalled` : ''}`,
    `  run ${summary.run}: drove-export merge <each host's --out> --out <dir> joins the hosts' folders`,
    ...failureLines(summary),
  ];
  return `${lines.join('\n')}\n`;
}
