#!/usr/bin/env node
// drove-export: exports the paths of a file (or standard input) with a
// renderer module. Exit codes: 0 all rendered, 1 some path failed or the
// export could not run, 2 bad usage, 130 interrupted by SIGINT (143 SIGTERM).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ExportAbortedError, StaticExportError } from './errors.js';
import { exportStatic } from './export-static.js';
import { parseCliArgs, synopsis, usage, type CliArgs } from './internal/cli-args.js';
import { KnownFailure, runCommand, UsageError } from '@drove/pool/cli';
import { ProgressView } from './internal/progress-view.js';
import type { ExportSummary } from './report.js';

const signalExitCodes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

async function main(argv: string[]): Promise<number> {
  // Subcommands of a remote export, loaded only when used.
  if (argv[0] === 'worker') return (await import('./internal/cli-worker.js')).workerCommand(argv.slice(1));
  if (argv[0] === 'merge') return (await import('./internal/cli-merge.js')).mergeCommand(argv.slice(1));
  return runCommand(argv, {
    program: 'drove-export',
    usage,
    synopsis,
    packageJson: new URL('../package.json', import.meta.url),
    run: () => exportFromArgs(parseArgsOrUsage(argv)),
  });
}

function parseArgsOrUsage(argv: string[]): CliArgs {
  try {
    return parseCliArgs(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The known reasons an export cannot start, each with its fix, before any child is spawned. */
function checkInputs(args: CliArgs): void {
  const renderer = resolve(args.renderer);
  if (!existsSync(renderer)) {
    throw new KnownFailure(`no renderer module at ${renderer}`, 'check --renderer: a path from the current folder to a module that exports render(path, ctx)');
  }
  if (args.paths !== '-') {
    const paths = resolve(args.paths);
    if (!existsSync(paths)) throw new KnownFailure(`no paths file at ${paths}`, 'check --paths: a file of paths, one a line, or - to read them from standard input');
    if (statSync(paths).isDirectory()) throw new KnownFailure(`--paths names a folder, ${paths}`, 'give a file of paths, one a line, or - to read them from standard input');
  }
}

async function exportFromArgs(args: CliArgs): Promise<number> {
  if (args.remote) return (await import('./internal/cli-remote.js')).exportRemoteFromArgs(args, args.remote, readPaths(args.paths));
  checkInputs(args);
  const total = process.stderr.isTTY && args.paths !== '-' && !args.quiet ? await countPaths(args.paths) : undefined;
  const view = new ProgressView(process.stderr, { total, quiet: args.quiet });
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) {
      // A second signal: stop now. Forked children exit when their IPC channel closes.
      view.stop();
      process.exit(signalExitCodes[signal] ?? 1);
    }
    stoppedBy = signal;
    view.note(`${signal}: no new paths; waiting for the paths being rendered (again to stop at once)`);
    controller.abort(new Error(`Interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let summary: ExportSummary;
  let code: number;
  try {
    summary = await exportStatic({
      renderer: args.renderer,
      paths: readPaths(args.paths),
      outDir: args.out,
      workers: args.workers,
      kind: args.kind,
      shard: args.shard,
      incremental: args.incremental,
      force: args.force,
      rendererOptions: args.rendererOptions,
      ...(args.timeoutMs !== undefined && { timeoutMs: args.timeoutMs }),
      ...(args.retries !== undefined && { retries: args.retries }),
      ...(args.manifest !== undefined && { manifest: args.manifest }),
      signal: controller.signal,
      onProgress: (progress) => view.update(progress),
      onLog: (entry) => {
        if (entry.type === 'failure') view.failure(entry);
        else if (entry.type === 'message' && (entry.level !== 'info' || args.verbose)) view.log(entry);
      },
    });
    code = summary.failed > 0 ? 1 : 0;
  } catch (error) {
    view.stop();
    if (error instanceof ExportAbortedError) {
      summary = error.summary;
      code = signalExitCodes[stoppedBy ?? 'SIGINT'] ?? 130;
    } else if (error instanceof StaticExportError && error.code === 'ERR_EXPORT_INVALID_OPTION') {
      throw new UsageError(error.message);
    } else {
      throw error;
    }
  }
  view.stop();
  await write(process.stdout, args.json ? `${JSON.stringify(summary)}\n` : report(summary));
  return code;
}

/** The paths of a file or of standard input, one a line, without blank lines and # comments. */
async function* readPaths(source: string): AsyncGenerator<string> {
  const input = source === '-' ? process.stdin : createReadStream(source, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      const path = line.trim();
      if (path !== '' && !path.startsWith('#')) yield path;
    }
  } finally {
    lines.close();
    if (source === '-') process.stdin.destroy();
  }
}

/** Counts the paths of a file (one pass, constant memory), for the progress bar's ETA. */
async function countPaths(file: string): Promise<number | undefined> {
  try {
    let count = 0;
    for await (const _path of readPaths(file)) count++;
    return count;
  } catch {
    return undefined;
  }
}

function report(summary: ExportSummary): string {
  const lines: string[] = [];
  const seconds = summary.durationMs / 1000;
  const rate = seconds > 0 ? Math.round(summary.paths / seconds) : summary.paths;
  const head = summary.aborted ? 'interrupted:' : summary.failed > 0 ? '✗' : '✓';
  lines.push(
    `${head} ${summary.paths} paths finished: ${summary.rendered} rendered, ${summary.failed} failed, in ${seconds.toFixed(1)} s (${rate} pages/s)`,
  );
  if (summary.aborted) {
    lines.push(`  ${summary.interrupted} paths were cut short and left nothing behind; the paths not yet read were not exported`);
  }
  lines.push(
    `  ${summary.artifacts} files written (${mebibytes(summary.bytes)} MiB), ${summary.unchanged} unchanged${
      summary.otherShards > 0 ? `, ${summary.otherShards} paths left to other shards` : ''
    }`,
  );
  if (summary.manifestFile) lines.push(`  manifest: ${summary.manifestFile}`);
  for (const failure of summary.failures) lines.push(`  ✗ ${failure.path}: ${failure.code} ${failure.message}`);
  if (summary.failed > summary.failures.length) lines.push(`  … and ${summary.failed - summary.failures.length} more failures`);
  return `${lines.join('\n')}\n`;
}

function mebibytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

process.exit(await main(process.argv.slice(2)));
