#!/usr/bin/env node
// drove-export: exports the paths of a file (or standard input) with a
// renderer module. Exit codes: 0 all rendered, 1 some path failed or the
// export could not run, 2 bad usage, 130 interrupted by SIGINT (143 SIGTERM).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ExportAbortedError } from './errors.js';
import { exportStatic } from './export-static.js';
import { parseCliArgs, synopsis, usage, type CliArgs } from './internal/cli-args.js';
import { failureLines, runCliExport, summaryHead } from './internal/cli-export.js';
import { KnownFailure, runCommand, UsageError } from '@drove/pool/cli';
import { ProgressView } from './internal/progress-view.js';
import type { ExportSummary } from './report.js';

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
  return runCliExport<ExportSummary>({
    view,
    stopping: 'no new paths; waiting for the paths being rendered',
    json: args.json,
    report,
    abortedSummary: (error) => (error instanceof ExportAbortedError ? error.summary : undefined),
    run: (signal) =>
      exportStatic({
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
        signal,
        onProgress: (progress) => view.update(progress),
        onLog: (entry) => {
          if (entry.type === 'failure') view.failure(entry);
          else if (entry.type === 'message' && (entry.level !== 'info' || args.verbose)) view.log(entry);
        },
      }),
  });
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
  const lines = [summaryHead(summary)];
  if (summary.aborted) {
    lines.push(`  ${summary.interrupted} paths were cut short and left nothing behind; the paths not yet read were not exported`);
  }
  lines.push(
    `  ${summary.artifacts} files written (${mebibytes(summary.bytes)} MiB), ${summary.unchanged} unchanged${
      summary.otherShards > 0 ? `, ${summary.otherShards} paths left to other shards` : ''
    }`,
  );
  if (summary.manifestFile) lines.push(`  manifest: ${summary.manifestFile}`);
  lines.push(...failureLines(summary));
  return `${lines.join('\n')}\n`;
}

function mebibytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

process.exit(await main(process.argv.slice(2)));
