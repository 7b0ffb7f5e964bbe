#!/usr/bin/env node
// drove-export: exports the paths of a file (or standard input) with a
// renderer module. Exit codes: 0 all rendered, 1 some path failed or the
// export could not run, 2 bad usage, 130 interrupted by SIGINT (143 SIGTERM).
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ExportAbortedError, StaticExportError } from './errors.js';
import { exportStatic } from './export-static.js';
import { parseCliArgs, usage, type CliArgs } from './internal/cli-args.js';
import { ProgressView } from './internal/progress-view.js';
import type { ExportSummary } from './report.js';

const signalExitCodes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`drove-export: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (args.version) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
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
      },
    });
    code = summary.failed > 0 ? 1 : 0;
  } catch (error) {
    view.stop();
    if (error instanceof ExportAbortedError) {
      summary = error.summary;
      code = signalExitCodes[stoppedBy ?? 'SIGINT'] ?? 130;
    } else {
      process.stderr.write(`drove-export: ${describeError(error)}\n`);
      return error instanceof StaticExportError && error.code === 'ERR_EXPORT_INVALID_OPTION' ? 2 : 1;
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

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  let text = `${typeof code === 'string' ? `${code} ` : ''}${error.message}`;
  if (error.cause instanceof Error && error.cause.stack) text += `\n  caused by: ${error.cause.stack.replace(/\n/g, '\n  ')}`;
  return text;
}

function mebibytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

process.exit(await main(process.argv.slice(2)));
