import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { post, read, runCli, spawnCli, tempDir, tree, writeSite } from './helpers.js';

const commands = ['init', 'build', 'serve', 'new', 'generate'];

/** Starts `serve` and resolves with the URL it prints. */
async function served(args: string[]): Promise<{ url: string; stop: () => Promise<unknown> }> {
  const { child, ended } = spawnCli(['serve', ...args]);
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (match) resolve(match[1]!);
    });
    child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    void ended.then(() => reject(new Error(`serve ended early: ${text}`)));
  });
  return { url, stop: () => (child.kill('SIGTERM'), ended) };
}

describe('the drove-blog command line', () => {
  it('prints help on stdout and exits 0 for --help and -h, at the top and on every command, whatever follows', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const top = await runCli(args);
      expect({ args, code: top.code, stderr: top.stderr }).toEqual({ args, code: 0, stderr: '' });
      for (const command of commands) expect(top.stdout).toContain(`drove-blog ${command} `);
    }
    for (const command of commands) {
      for (const args of [[command, '--help'], [command, '-h'], [command, 'x', '--workers', 'many', '--nope', '-h']]) {
        const help = await runCli(args);
        expect({ args, code: help.code, stderr: help.stderr }).toEqual({ args, code: 0, stderr: '' });
        expect(help.stdout).toMatch(new RegExp(`^Usage: drove-blog ${command} `));
        expect(help.stdout).toContain('--verbose');
      }
    }
  });

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('exits 2 on a usage error with one line naming the problem, then the usage', async () => {
    const site = writeSite({});
    const cases: [string[], string, string][] = [
      [[], 'drove-blog: no command given', 'Usage:\n  drove-blog init '],
      [['frobnicate'], 'drove-blog: unknown command "frobnicate" (commands: init, build, serve, new, generate)', 'Usage:\n  drove-blog init '],
      [['build', site, '--workers', 'many'], 'drove-blog: --workers expects "auto" or an integer >= 1, got "many"', 'Usage: drove-blog build '],
      [['build', site, '--nope'], "drove-blog: Unknown option '--nope'", 'Usage: drove-blog build '],
      [['serve', site, '--port', 'high'], 'drove-blog: --port expects an integer from 0 to 65535, got "high"', 'Usage: drove-blog serve '],
      [['new', '--site', site], 'drove-blog: new needs a title', 'Usage: drove-blog new '],
      [['generate', 'somewhere'], 'drove-blog: generate takes no folder argument, got "somewhere" (give it with --out)', 'Usage: drove-blog generate '],
    ];
    for (const [args, line, usage] of cases) {
      const result = await runCli(args);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      const [first, ...rest] = result.stderr.split('\n');
      expect(first).toContain(line);
      expect(first!.length).toBeLessThan(200);
      expect(rest.join('\n')).toMatch(new RegExp(`^${usage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^]*Run drove-blog .*--help for .*options\\.\\n$`));
    }
  });

  it('names a missing site folder or configuration in one line with the fix, no stack; exit 1', async () => {
    const empty = tempDir();
    for (const command of ['build', 'serve']) {
      const result = await runCli([command, join(empty, 'nope')]);
      expect(result).toEqual({ code: 1, stdout: '', stderr: `drove-blog: no folder ${join(empty, 'nope')}; create a site there with: npx drove-blog init ${join(empty, 'nope')}\n` });
    }
    const noConfig = await runCli(['build'], { cwd: empty });
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toBe(
      `drove-blog: no site configuration in ${empty} (looked for site.config.mjs, site.config.js, site.config.json); create a site there with: npx drove-blog init ., or give the site's folder\n`,
    );
  });

  it('names a busy port in one line with the fix, before building; exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const site = writeSite({ 'posts/a.md': post({ title: 'A', date: '2021-01-01' }) });
      const result = await runCli(['serve', site, '--port', String(port)]);
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: `drove-blog: port ${port} on 127.0.0.1 is in use; stop what listens there, or choose another port with --port (--port 0 picks a free one)\n`,
      });
      expect(existsSync(join(site, '_site'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('shows plain progress lines, never a carriage return, when stderr is not a terminal', async () => {
    const site = tempDir();
    expect((await runCli(['generate', '--posts', '300', '--out', site])).code).toBe(0);
    const result = await runCli(['build', site, '--workers', '2']);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('\r');
    expect(result.stderr).not.toContain('\x1b');
    const lines = result.stderr.trimEnd().split('\n');
    // A quarter of each phase a line: a few lines, whatever the size of the site.
    expect(lines.length).toBeLessThanOrEqual(8);
    expect(lines.at(-1)).toMatch(/^commit +[\d,]+\/[\d,]+ files {2}100%$/);
    expect((await runCli(['build', site, '--json'])).stderr).toBe('');
  });
});

describe('drove-blog init', () => {
  it('creates a site that build and serve take as it is, and refuses a folder that is not empty without --force', async () => {
    const parent = tempDir();
    const dir = join(parent, 'field-notes');
    const created = await runCli(['init', dir]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`created "Field Notes" in ${dir}`);
    expect(JSON.parse(read(dir, 'site.config.json'))).toMatchObject({ title: 'Field Notes', baseUrl: 'https://example.com/' });

    const built = await runCli(['build', dir]);
    expect(built.code).toBe(0);
    const out = join(dir, '_site');
    expect(read(out, 'index.html')).toContain('Hello, world');
    // The first paragraph's Markdown is rendered in the excerpt.
    expect(read(out, 'index.html')).toContain('<strong>excerpt</strong>');
    expect(read(out, 'about/index.html')).toContain('Field Notes is built with');

    const server = await served([dir, '--port', '0', '--workers', '1']);
    try {
      expect((await fetch(server.url)).status).toBe(200);
      expect(await (await fetch(`${server.url}about/`)).text()).toContain('About');
    } finally {
      await server.stop();
    }

    const refused = await runCli(['init', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^drove-blog: refusing to create a site in ${dir}: it is not empty, it holds \\d+ entries \\(.*\\); run again with --force to write the site into it anyway, or choose an empty folder\\n$`));
    writeFileSync(join(dir, 'site.config.json'), JSON.stringify({ title: 'Changed', baseUrl: 'https://example.com/' }));
    expect((await runCli(['init', dir, '--title', 'Again', '--base-url', 'https://notes.example.org/blog/', '--force'])).code).toBe(0);
    expect(JSON.parse(read(dir, 'site.config.json'))).toMatchObject({ title: 'Again', baseUrl: 'https://notes.example.org/blog/' });
  });

  it('creates the site in the current folder by default', async () => {
    const dir = tempDir();
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['build'], { cwd: dir })).code).toBe(0);
    expect(existsSync(join(dir, '_site', 'index.html'))).toBe(true);
  });
});

describe('drove-blog build', () => {
  it('builds a site, prints a summary per section with phases and peak memory, and rebuilds writing nothing', async () => {
    const site = writeSite({ 'posts/a.md': post({ title: 'A', date: '2021-01-01', tags: 'x' }), 'posts/b.md': post({ title: 'B', date: '2021-02-01' }) });
    const first = await runCli(['build', site, '--workers', '2']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/built .*_site in [\d.]+ s \(2 workers\)/);
    expect(first.stdout).toMatch(/single\s+2\s+0\s+0\s+2/);
    expect(first.stdout).toMatch(/phases: config \d+ ms · load \d+ ms · macros \d+ ms · index \d+ ms · plan \d+ ms · render \d+ ms · commit \d+ ms/);
    expect(first.stdout).toMatch(/peak RSS \d+ MiB/);
    const second = await runCli(['build', site, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ written: 0, removed: 0 });
    const out = tempDir();
    const inline = await runCli(['build', site, '--inline', '--out', join(out, 'x'), '--clean']);
    expect(inline.stdout).toContain('(inline)');
    expect(tree(join(out, 'x'))).toEqual(tree(join(site, '_site')));
  });

  it('exits 1 listing every problem with file and line, and 2 on bad usage', async () => {
    const site = writeSite({ 'posts/a.md': post({ title: 'A', date: 'soon' }), 'posts/b.md': post({ title: 'B', date: '2021-01-01', layout: 'nope' }) });
    const failed = await runCli(['build', site]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('posts/a.md:3: ERR_BLOG_FRONT_MATTER `date` is not a valid date: "soon"');
    expect(failed.stderr).toContain('posts/b.md:4: ERR_BLOG_UNKNOWN_LAYOUT unknown layout `nope`');
    expect(failed.stderr).toContain('build failed: 2 problems');
    expect((await runCli(['build', site, '--workers', 'many'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['build', site, '--nope'])).code).toBe(2);
  });
});

describe('drove-blog new and generate', () => {
  it('creates a post that the next build publishes, and refuses to overwrite it', async () => {
    const site = writeSite({});
    const created = await runCli(['new', 'Hello, Wörld!', '--site', site, '--tags', 'a,b']);
    expect(created.code).toBe(0);
    const year = String(new Date().getUTCFullYear());
    expect(readdirSync(join(site, 'posts', year))).toEqual(['hello-world.md']);
    expect(readFileSync(join(site, 'posts', year, 'hello-world.md'), 'utf8')).toMatch(/^---\ntitle: "Hello, Wörld!"\ndate: \d{4}-\d{2}-\d{2} \d{2}:\d{2}\ntags: \["a", "b"\]\n---\n/);
    const again = await runCli(['new', 'Hello, Wörld!', '--site', site]);
    expect(again).toEqual({ code: 1, stdout: '', stderr: `drove-blog: ${join(site, 'posts', year, 'hello-world.md')}: already exists; choose another title, or edit that post\n` });
    expect((await runCli(['build', site])).code).toBe(0);
    expect(read(join(site, '_site'), 'index.html')).toContain('Hello, Wörld!');
  });

  it('checks the site before writing: no configuration, or a language the site does not have, writes nothing', async () => {
    const fresh = tempDir();
    const none = await runCli(['new', 'First'], { cwd: fresh });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^drove-blog: no site configuration in .*; create a site there with: npx drove-blog init \., or give the site's folder\n$/);
    expect(readdirSync(fresh)).toEqual([]);

    const site = writeSite({ 'site.config.json': JSON.stringify({ title: 'Two', baseUrl: 'https://example.com/', languages: ['en', 'fr'] }) });
    const german = await runCli(['new', 'Hallo', '--site', site, '--lang', 'de']);
    expect(german.code).toBe(2);
    expect(german.stderr.split('\n')[0]).toBe('drove-blog: unknown language `de`: this site has `en`, `fr` (add it to `languages` in the site configuration first)');
    expect(existsSync(join(site, 'posts'))).toBe(false);

    const french = await runCli(['new', 'Bonjour', '--site', site, '--lang', 'fr']);
    expect(french.code).toBe(0);
    const english = await runCli(['new', 'Hello', '--site', site, '--lang', 'en']);
    expect(english.stdout).toMatch(/hello\.md\n$/);
    expect((await runCli(['build', site])).code).toBe(0);
  });

  it('generates the same corpus for the same seed', async () => {
    const a = tempDir();
    const b = tempDir();
    const first = await runCli(['generate', '--posts', '40', '--seed', '9', '--out', a]);
    expect(first.stdout).toMatch(/generated 40 posts \(\d+ translations, \d+ drafts\)/);
    await runCli(['generate', '--posts', '40', '--seed', '9', '--out', b]);
    expect(tree(a)).toEqual(tree(b));
    const langs = new Set([...tree(a).keys()].map((p) => /\.(de|fr)\.md$/.exec(p)?.[1] ?? 'en'));
    expect(langs.has('en')).toBe(true);
    const refused = await runCli(['generate', '--posts', '40', '--out', a]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^drove-blog: refusing to generate into .*; run again with --force to replace them, or choose an empty folder\n$/);
  });
});

describe('drove-blog serve', () => {
  it('serves on 127.0.0.1, rebuilds when a post changes and tells the page to reload', async () => {
    const site = writeSite({ 'posts/a.md': post({ title: 'Served', date: '2021-01-01' }, 'Before the edit.\n') });
    const { child, ended } = spawnCli(['serve', site, '--port', '0', '--workers', '1']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
          if (match) resolve(match[1]!);
        });
        void ended.then(() => reject(new Error(`serve ended early: ${text}`)));
      });
      const page = await fetch(`${url}2021/01/a/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Before the edit.');
      expect(html).toContain("new EventSource(\"/__drove/events\")");
      expect((await fetch(`${url}nope/`)).status).toBe(404);
      expect((await fetch(`${url}..%2f..%2fetc/passwd`)).status).toBe(404);

      const events = await fetch(`${url}__drove/events`);
      const reader = events.body!.getReader();
      const reload = (async () => {
        let seen = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return seen;
          seen += Buffer.from(value).toString();
          if (seen.includes('event: reload')) return seen;
        }
      })();
      writeFileSync(join(site, 'posts/a.md'), post({ title: 'Served', date: '2021-01-01' }, 'After the edit.\n'));
      expect(await reload).toContain('event: reload');
      await reader.cancel();
      expect(await (await fetch(`${url}2021/01/a/`)).text()).toContain('After the edit.');
    } finally {
      child.kill('SIGTERM');
      await ended;
    }
  });
});
