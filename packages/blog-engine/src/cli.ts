#!/usr/bin/env node
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { build, type BuildOptions, type LockHolder } from './build.js';
import { configFileNames } from './config.js';
import { BlogEngineError, BuildError } from './errors.js';
import { generateSite } from './generate.js';
import { initSite } from './init-site.js';
import { createPost } from './new-post.js';
import { BuildProgress } from './internal/build-progress.js';
import { KnownFailure, packageVersion, reportFailure, UsageError } from '@drove/pool/cli';
import { formatProblems, formatSkipped, formatSummary } from './internal/report.js';
import { serve } from './serve.js';

type CommandName = 'init' | 'build' | 'serve' | 'new' | 'generate';

interface Command {
  synopsis: string;
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const common = `  -h, --help             this text
      --verbose          stacks with errors`;

const workersHelp = '  -w, --workers auto|N   worker threads (default: auto: none below 1,000 posts, one a core above)';
const publishingFlags = { drafts: { type: 'boolean' }, future: { type: 'boolean' }, expired: { type: 'boolean' }, unpublished: { type: 'boolean' } } as const;

/** The publishing flags of `build` and `serve` as build options. */
function publishingOf(values: Record<string, string | boolean | undefined>): Pick<BuildOptions, 'drafts' | 'future' | 'expired' | 'unpublished'> {
  return { drafts: values.drafts === true, future: values.future === true, expired: values.expired === true, unpublished: values.unpublished === true };
}

const commands: Record<CommandName, Command> = {
  init: {
    synopsis: 'drove-blog init [dir] [--title "My Blog"] [--base-url https://example.com/] [--force]',
    help: `Creates a site in dir (default: the current folder): site.config.json with the
title and base URL, a first post, an About page and a .gitignore. build and
serve take it as it is. Refuses a folder that is not empty, unless --force.

      --title <text>     the site's title (default: the folder's name in words)
      --base-url <url>   the site's public address (default: https://example.com/)
      --force            write into a folder that is not empty
${common}`,
    options: { title: { type: 'string' }, 'base-url': { type: 'string' }, force: { type: 'boolean' } },
    async run(values, positionals) {
      atMostOne(positionals, 'a folder');
      const site = await initSite({
        ...(positionals[0] === undefined ? {} : { dir: positionals[0] }),
        ...(typeof values.title === 'string' ? { title: values.title } : {}),
        ...(typeof values['base-url'] === 'string' ? { baseUrl: values['base-url'] } : {}),
        force: values.force === true,
      });
      const cd = site.dir === process.cwd() ? '' : `cd ${positionals[0]} && `;
      process.stdout.write(`created "${site.title}" in ${site.dir}: ${site.files.join(', ')}\nnext: ${cd}npx drove-blog serve\n`);
      return 0;
    },
  },
  build: {
    synopsis: 'drove-blog build [site] [--out dir] [--workers auto|N] [--inline] [--drafts] [--future] [--expired] [--unpublished] [--clean] [--force] [--json]',
    help: `Builds the site (default: the current folder) into its output folder, rendering
in worker threads and writing only what changed since the last build. Prints
a summary per section; on a terminal, one progress line with an ETA.

  -o, --out <dir>        the output folder (default: the config's outDir, _site)
${workersHelp}
      --inline           render on the main thread
      --drafts           include posts with draft: true
      --future           include posts dated in the future (by date or publishDate)
      --expired          include posts whose expiryDate has passed
      --unpublished      include posts with published: false
      --clean            forget earlier builds: render every page again
      --force            replace files in the output folder that drove-blog did not write
      --json             print the result as JSON on stdout (no progress)
${common}`,
    options: {
      out: { type: 'string', short: 'o' },
      workers: { type: 'string', short: 'w' },
      inline: { type: 'boolean' },
      ...publishingFlags,
      clean: { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    async run(values, positionals) {
      atMostOne(positionals, 'a site folder');
      const workers = workersOf(values.workers);
      const site = checkSite(positionals[0]);
      const progress = values.json === true ? undefined : new BuildProgress(process.stderr);
      try {
        const result = await build({
          site,
          ...(typeof values.out === 'string' ? { out: values.out } : {}),
          ...(workers ? { workers } : {}),
          ...(values.inline === true ? { kind: 'inline' as const } : {}),
          ...publishingOf(values),
          clean: values.clean === true,
          force: values.force === true,
          ...(progress ? { onProgress: progress.update } : {}),
          onWait: reportWait,
        });
        progress?.stop();
        if (values.json !== true) process.stderr.write(formatSkipped(result));
        process.stdout.write(values.json === true ? `${JSON.stringify(result)}\n` : `${formatSummary(result)}\n`);
        return 0;
      } finally {
        progress?.stop();
      }
    },
  },
  serve: {
    synopsis: 'drove-blog serve [site] [--port 4000] [--out dir] [--workers auto|N] [--drafts] [--future] [--expired] [--unpublished] [--force]',
    help: `Builds the site, serves it on http://127.0.0.1:<port>/, rebuilds when a file
changes and reloads open pages. Ctrl-C stops it.

  -p, --port <n>         the port on 127.0.0.1 (default: 4000; 0 picks a free one)
  -o, --out <dir>        the output folder (default: the config's outDir, _site)
${workersHelp}
      --drafts           include posts with draft: true
      --future           include posts dated in the future (by date or publishDate)
      --expired          include posts whose expiryDate has passed
      --unpublished      include posts with published: false
      --force            replace files in the output folder that drove-blog did not write
${common}`,
    options: { port: { type: 'string', short: 'p' }, out: { type: 'string', short: 'o' }, workers: { type: 'string', short: 'w' }, ...publishingFlags, force: { type: 'boolean' } },
    async run(values, positionals) {
      atMostOne(positionals, 'a site folder');
      const workers = workersOf(values.workers);
      const port = portOf(values.port);
      const site = checkSite(positionals[0]);
      let server;
      try {
        // Fails before a long first build, not after it; serve() still reports a port taken meanwhile.
        if (port !== 0) await probePort(port);
        server = await serve({
          site,
          port,
          ...(typeof values.out === 'string' ? { out: values.out } : {}),
          ...(workers ? { workers } : {}),
          ...publishingOf(values),
          force: values.force === true,
          onWait: reportWait,
          onBuild: ({ result, error }) => {
            if (result) {
              process.stderr.write(formatSkipped(result));
              process.stdout.write(`built: ${result.written} written, ${result.unchanged} unchanged, ${result.removed} removed, ${result.filesSkipped} skipped in ${result.phasesMs.total} ms\n`);
            }
            else if (error instanceof BuildError) process.stderr.write(`${formatProblems(error.problems)}\n`);
            else if (error) process.stderr.write(`drove-blog: ${error.message}\n`);
          },
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new KnownFailure(`port ${port} on 127.0.0.1 is in use`, 'stop what listens there, or choose another port with --port (--port 0 picks a free one)', { cause: error });
        }
        if ((error as NodeJS.ErrnoException).code === 'EACCES') {
          throw new KnownFailure(`not allowed to listen on port ${port}`, 'choose a port above 1023 with --port', { cause: error });
        }
        throw error;
      }
      process.stdout.write(`serving ${server.url} (Ctrl-C stops)\n`);
      const running = server;
      await new Promise<void>((done) => {
        const stop = () => void running.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return 0;
    },
  },
  new: {
    synopsis: 'drove-blog new "Title" [--site dir] [--tags a,b] [--lang code] [--draft]',
    help: `Writes posts/YYYY/<slug>.md with front matter, in a site that init made (or any
folder with a site configuration). Refuses an existing file, and a language
the site's configuration does not list.

  -s, --site <dir>       the site (default: the current folder)
  -t, --tags <a,b>       tags for the front matter
      --lang <code>      one of the site's languages (default: the first)
      --draft            write draft: true (build leaves it out without --drafts)
${common}`,
    options: { site: { type: 'string', short: 's' }, tags: { type: 'string', short: 't' }, lang: { type: 'string' }, draft: { type: 'boolean' } },
    async run(values, positionals) {
      if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'new needs a title' : `new takes one title, got ${positionals.length} (quote a title with spaces)`);
      const site = checkSite(typeof values.site === 'string' ? values.site : undefined);
      const file = await createPost({
        title: positionals[0]!,
        site,
        tags: typeof values.tags === 'string' ? values.tags.split(',').map((t) => t.trim()).filter(Boolean) : [],
        ...(typeof values.lang === 'string' ? { lang: values.lang } : {}),
        draft: values.draft === true,
      });
      process.stdout.write(`created ${file}\n`);
      return 0;
    },
  },
  generate: {
    synopsis: 'drove-blog generate [--posts 10000] [--seed 1] [--out generated-blog] [--force]',
    help: `Writes a deterministic test blog (three languages, tags, code blocks, drafts):
the same seed and count give the same files. For benchmarks and demos.
Refuses a folder that is not empty, unless --force.

  -n, --posts <n>        post files, translations included (default: 10000)
      --seed <n>         the seed (default: 1)
  -o, --out <dir>        the folder (default: generated-blog)
      --force            write into a folder that is not empty
${common}`,
    options: { posts: { type: 'string', short: 'n' }, seed: { type: 'string' }, out: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
    async run(values, positionals) {
      if (positionals.length > 0) throw new UsageError(`generate takes no folder argument, got "${positionals[0]}" (give it with --out)`);
      const started = performance.now();
      const site = await generateSite({
        out: typeof values.out === 'string' ? values.out : 'generated-blog',
        posts: integerOf('posts', values.posts, 10_000),
        seed: integerOf('seed', values.seed, 1),
        ifNotEmpty: values.force === true ? 'replace' : 'refuse',
      });
      process.stdout.write(
        `generated ${site.posts} posts (${site.translations} translations, ${site.drafts} drafts) in ${site.dir} in ${Math.round(performance.now() - started)} ms\n`,
      );
      return 0;
    },
  },
};

const names = Object.keys(commands) as CommandName[];

const topUsage = `Usage:\n${names.map((name) => `  ${commands[name].synopsis}`).join('\n')}\nRun drove-blog <command> --help for a command's options.`;

const topHelp = `drove-blog — a static blog engine that renders in worker threads

${topUsage}

Start a site with drove-blog init my-blog, then cd my-blog && drove-blog serve.

No command replaces or removes a file it did not write unless given --force
(init and generate: anything in a non-empty folder; build: files in the output
folder that earlier builds did not write).

Every command takes -h/--help and --verbose (stacks with errors);
drove-blog --version prints the version.

Exit codes: 0 success, 1 the build failed (every problem is listed) or
something was in the way (one line with the fix), 2 bad usage.`;

function commandUsage(name: CommandName): string {
  return `Usage: ${commands[name].synopsis}\nRun drove-blog ${name} --help for the options.`;
}

function atMostOne(positionals: string[], what: string): void {
  if (positionals.length > 1) throw new UsageError(`expected at most ${what}, got ${positionals.slice(1).map((p) => JSON.stringify(p)).join(' ')} too`);
}

function workersOf(value: string | boolean | undefined): number | 'auto' | undefined {
  if (typeof value !== 'string' || value === 'auto') return typeof value === 'string' ? value : undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--workers expects "auto" or an integer >= 1, got "${value}"`);
  return Number(value);
}

function portOf(value: string | boolean | undefined): number {
  if (typeof value !== 'string') return 4000;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`--port expects an integer from 0 to 65535, got "${value}"`);
  return Number(value);
}

function integerOf(name: string, value: string | boolean | undefined, fallback: number): number {
  if (typeof value !== 'string') return fallback;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} expects an integer, got "${value}"`);
  return Number(value);
}

/** Resolves when `port` on 127.0.0.1 can be listened on; rejects with the listen error (EADDRINUSE…) when not. */
function probePort(port: number): Promise<void> {
  return new Promise((done, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => probe.close(() => done()));
  });
}

/** The site folder, once it is known to hold a site configuration: the known failures, each with its fix. */
function checkSite(dir: string | undefined): string {
  const site = resolve(dir ?? process.cwd());
  const named = dir ?? '.';
  if (!existsSync(site)) throw new KnownFailure(`no folder ${site}`, `create a site there with: npx drove-blog init ${named}`);
  if (!statSync(site).isDirectory()) throw new KnownFailure(`${site} is a file, not a site folder`, 'give the folder that holds site.config.json');
  if (!configFileNames.some((name) => existsSync(resolve(site, name)))) {
    throw new KnownFailure(
      `no site configuration in ${site} (looked for ${configFileNames.join(', ')})`,
      `create a site there with: npx drove-blog init ${named}, or give the site's folder`,
    );
  }
  return site;
}

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  // `drove-blog --verbose build` reads as `drove-blog build --verbose`.
  const [first, ...rest] = argv[0] === '--verbose' ? [...argv.slice(1), '--verbose'] : argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    process.stdout.write(`${first === 'help' && topic !== undefined && topic in commands ? helpOf(topic as CommandName) : topHelp}\n`);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${packageVersion(new URL('../package.json', import.meta.url))}\n`);
    return 0;
  }
  if (first === undefined) return fail(new UsageError('no command given'), topUsage, verbose);
  if (!(first in commands)) {
    const problem = first.startsWith('-') ? `unknown option ${first} (options follow the command)` : `unknown command "${first}" (commands: ${names.join(', ')})`;
    return fail(new UsageError(problem), topUsage, verbose);
  }
  const name = first as CommandName;
  const command = commands[name];
  // --help anywhere on a command's line wins over the rest of it, as in git and npm.
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${helpOf(name)}\n`);
    return 0;
  }
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { ...command.options, verbose: { type: 'boolean' } } });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return await command.run(parsed.values, parsed.positionals);
  } catch (error) {
    return fail(error, commandUsage(name), verbose, name);
  }
}

function helpOf(name: CommandName): string {
  return `Usage: ${commands[name].synopsis}\n\n${commands[name].help}`;
}

/** Prints an error by the convention and returns the exit code. */
function fail(error: unknown, usage: string, verbose: boolean, command?: CommandName): number {
  if (error instanceof BuildError) {
    // Every problem of a build, one a line: the list is the message.
    process.stderr.write(`${formatProblems(error.problems, command === 'build' || command === 'serve' ? 'build failed' : 'the site has problems')}\n`);
    return 1;
  }
  let shown = error;
  // The engine's own errors name the problem (and, where there is one, the fix: `…; run again with --force`).
  if (error instanceof BlogEngineError) shown = error.code === 'ERR_BLOG_INVALID_OPTION' ? new UsageError(error.message) : new KnownFailure(error.message, '', { cause: error });
  const { text, exitCode } = reportFailure('drove-blog', shown, { usage, verbose });
  process.stderr.write(text);
  return exitCode;
}

/** Says why a build has not started: another build of the site is under way. */
function reportWait(holder: LockHolder): void {
  process.stderr.write(`drove-blog: waiting for another build of this site (pid ${holder.pid}, since ${holder.since}) to finish\n`);
}

process.exitCode = await main(process.argv.slice(2));
