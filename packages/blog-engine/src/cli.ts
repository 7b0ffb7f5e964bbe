#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { build } from './build.js';
import { BlogEngineError, OverwriteError } from './errors.js';
import { generateSite } from './generate.js';
import { createPost } from './new-post.js';
import { formatProblems, formatSummary, progressPrinter } from './internal/report.js';
import { serve } from './serve.js';

const usage = `drove-blog — a static blog engine that renders in worker threads

  drove-blog build [site] [--out dir] [--workers auto|N] [--inline] [--drafts] [--clean] [--force] [--json]
  drove-blog serve [site] [--port 4000] [--out dir] [--workers auto|N] [--drafts] [--force]
  drove-blog new "Title" [--site dir] [--tags a,b] [--lang de] [--draft]
  drove-blog generate [--posts 10000] [--seed 1] [--out dir] [--force]

No command replaces or removes a file it did not write unless given --force
(build: files in the output folder earlier builds did not write; generate: anything in a non-empty folder).

Exit codes: 0 success, 1 the build failed (every problem is listed) or a file was in the way, 2 bad usage.`;

function workersOf(value: string | undefined): number | 'auto' | undefined {
  if (value === undefined || value === 'auto') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--workers expects "auto" or an integer >= 1, got "${value}"`);
  return n;
}

function integerOf(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} expects an integer, got "${value}"`);
  return n;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${usage}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  switch (command) {
    case 'build': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          out: { type: 'string' },
          workers: { type: 'string' },
          inline: { type: 'boolean' },
          drafts: { type: 'boolean' },
          clean: { type: 'boolean' },
          force: { type: 'boolean' },
          json: { type: 'boolean' },
        },
      });
      const workers = workersOf(values.workers);
      const tty = process.stderr.isTTY && !values.json;
      const result = await build({
        site: positionals[0] ?? process.cwd(),
        ...(values.out ? { out: values.out } : {}),
        ...(workers ? { workers } : {}),
        ...(values.inline ? { kind: 'inline' as const } : {}),
        drafts: values.drafts ?? false,
        clean: values.clean ?? false,
        force: values.force ?? false,
        ...(tty ? { onProgress: progressPrinter(process.stderr) } : {}),
      });
      process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${formatSummary(result)}\n`);
      return 0;
    }
    case 'serve': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { port: { type: 'string' }, out: { type: 'string' }, workers: { type: 'string' }, drafts: { type: 'boolean' }, force: { type: 'boolean' } },
      });
      const workers = workersOf(values.workers);
      const server = await serve({
        site: positionals[0] ?? process.cwd(),
        port: integerOf('port', values.port, 4000),
        ...(values.out ? { out: values.out } : {}),
        ...(workers ? { workers } : {}),
        drafts: values.drafts ?? false,
        force: values.force ?? false,
        onBuild: ({ result, error }) => {
          if (result) process.stdout.write(`rebuilt: ${result.written} written, ${result.unchanged} unchanged, ${result.removed} removed in ${result.phasesMs.total} ms\n`);
          else if (error instanceof OverwriteError) process.stderr.write(`drove-blog: ${error.message}\n`);
          else if (error instanceof BlogEngineError) process.stderr.write(`${formatProblems(error.problems)}\n`);
          else process.stderr.write(`${String(error)}\n`);
        },
      });
      process.stdout.write(`serving ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return 0;
    }
    case 'new': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { site: { type: 'string' }, tags: { type: 'string' }, lang: { type: 'string' }, draft: { type: 'boolean' } },
      });
      if (positionals.length !== 1) throw new UsageError('new expects one title: drove-blog new "My title"');
      const file = await createPost({
        title: positionals[0]!,
        ...(values.site ? { site: values.site } : {}),
        tags: values.tags ? values.tags.split(',').map((t) => t.trim()).filter(Boolean) : [],
        ...(values.lang ? { lang: values.lang } : {}),
        draft: values.draft ?? false,
      });
      process.stdout.write(`created ${file}\n`);
      return 0;
    }
    case 'generate': {
      const { values } = parseArgs({
        args: rest,
        options: { posts: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
      });
      const started = performance.now();
      const site = await generateSite({
        out: values.out ?? 'generated-blog',
        posts: integerOf('posts', values.posts, 10_000),
        seed: integerOf('seed', values.seed, 1),
        ifNotEmpty: values.force ? 'replace' : 'refuse',
      });
      process.stdout.write(
        `generated ${site.posts} posts (${site.translations} translations, ${site.drafts} drafts) in ${site.dir} in ${Math.round(performance.now() - started)} ms\n`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`drove-blog: ${(error as Error).message}\n\n${usage}\n`);
      process.exitCode = 2;
    } else if (error instanceof OverwriteError) {
      process.stderr.write(`drove-blog: ${error.message}\n`);
      process.exitCode = 1;
    } else if (error instanceof BlogEngineError) {
      process.stderr.write(`${formatProblems(error.problems)}\n`);
      process.exitCode = error.code === 'ERR_BLOG_INVALID_OPTION' ? 2 : 1;
    } else {
      process.stderr.write(`drove-blog: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
