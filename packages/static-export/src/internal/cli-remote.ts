// `drove-export --remote URL --queue NAME --paths FILE`: the coordinator of an export spread over hosts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { KnownFailure, UsageError } from '@drove/pool/cli';
import { StaticExportError } from '../errors.js';
import { exportRemote, RemoteExportAbortedError } from '../remote-export.js';
import type { RemoteExportSummary } from '../remote-report.js';
import type { CliArgs } from './cli-args.js';
import { loadRemote } from './load-remote.js';
import { ProgressView } from './progress-view.js';

const signalExitCodes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

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
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) {
      view.stop();
      process.exit(signalExitCodes[signal] ?? 1);
    }
    stoppedBy = signal;
    view.note(`${signal}: no new paths; taking back the tasks in flight (again to stop at once)`);
    controller.abort(new Error(`Interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let summary: RemoteExportSummary;
  let code: number;
  try {
    summary = await exportRemote({
      connection,
      queue: remote.queue,
      paths,
      incremental: args.incremental,
      signal: controller.signal,
      ...(remote.prefix !== undefined && { prefix: remote.prefix }),
      ...(remote.chunkPaths !== undefined && { chunkPaths: remote.chunkPaths }),
      onProgress: (progress) => view.update(progress),
      onLog: (entry) => {
        if (entry.type === 'failure') view.failure(entry);
        else if (entry.type === 'message' && (entry.level !== 'info' || args.verbose)) view.log({ ...entry, message: `${entry.message} (on host ${entry.host ?? '?'})` });
      },
    });
    code = summary.failed > 0 ? 1 : 0;
  } catch (error) {
    view.stop();
    if (error instanceof RemoteExportAbortedError) {
      summary = error.summary;
      code = signalExitCodes[stoppedBy ?? 'SIGINT'] ?? 130;
    } else if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_INVALID_OPTION') {
      throw new UsageError(error.message);
    } else if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_REMOTE') {
      throw new KnownFailure(error.message, 'check --remote (or REDIS_URL) and that Redis runs there', { cause: error });
    } else {
      throw error;
    }
  }
  view.stop();
  const text = args.json ? `${JSON.stringify(summary)}\n` : report(summary);
  await new Promise<void>((done) => process.stdout.write(text, () => done()));
  return code;
}

function report(summary: RemoteExportSummary): string {
  const seconds = summary.durationMs / 1000;
  const rate = seconds > 0 ? Math.round(summary.paths / seconds) : summary.paths;
  const head = summary.aborted ? 'interrupted:' : summary.failed > 0 ? '✗' : '✓';
  const lines = [
    `${head} ${summary.paths} paths finished: ${summary.rendered} rendered, ${summary.failed} failed, in ${seconds.toFixed(1)} s (${rate} pages/s) on ${summary.hosts.length} host${summary.hosts.length === 1 ? '' : 's'}`,
    `  ${summary.artifacts} files written, ${summary.unchanged} unchanged${summary.stalled > 0 ? `; ${summary.stalled} tasks taken back from a host that died or stalled` : ''}`,
    `  run ${summary.run}: drove-export merge <each host's --out> --out <dir> joins the hosts' folders`,
  ];
  for (const failure of summary.failures) lines.push(`  ✗ ${failure.path}: ${failure.code} ${failure.message}`);
  if (summary.failed > summary.failures.length) lines.push(`  … and ${summary.failed - summary.failures.length} more failures`);
  return `${lines.join('\n')}\n`;
}
