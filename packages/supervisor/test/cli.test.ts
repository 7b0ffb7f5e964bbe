import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { fixture, waitFor } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const config = fileURLToPath(fixture('fleet.config.mjs'));

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Child pids from the "spawned (pid N)" lines, by name. */
  pids: () => Map<string, number[]>;
}

const runs: Run[] = [];

function supervise(fleet: string, args: string[] = [config]): Run {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, DROVE_TEST_FLEET: fleet } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const run: Run = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    pids: () => {
      const pids = new Map<string, number[]>();
      for (const [, name, pid] of stderr.matchAll(/supervisor \| (\S+) spawned \(pid (\d+)/g)) {
        pids.set(name!, [...(pids.get(name!) ?? []), Number(pid)]);
      }
      return pids;
    },
  };
  runs.push(run);
  return run;
}

afterAll(removeTempDirs);

afterEach(async () => {
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await run.exited;
  }
});

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('drove-supervise', () => {
  it("runs a fleet, prefixes each child's lines with its name, rolls a restart on SIGHUP and stops on SIGTERM", async () => {
    const run = supervise('ok');
    expect(await waitFor(() => (run.stderr().match(/ ready in /g) ?? []).length === 3)).toBe(true);
    expect(await waitFor(() => run.stdout().includes('echo | echo says hi'))).toBe(true);
    expect(lines(run.stdout())).toEqual(
      expect.arrayContaining([expect.stringMatching(/^alpha \| hello from alpha \(pid \d+\)$/), expect.stringMatching(/^beta \| hello from beta \(thread \d+\)$/)]),
    );
    const before = run.pids();
    const mark = run.stderr().length;

    run.child.kill('SIGHUP');
    expect(await waitFor(() => (run.stderr().slice(mark).match(/ ready in /g) ?? []).length === 3)).toBe(true);
    const roll = lines(run.stderr().slice(mark))
      .map((line) => /supervisor \| (\S+) (exited: \S+|ready)/.exec(line))
      .filter((match) => match)
      .map((match) => `${match![1]} ${match![2]}`);
    // One at a time, in start order: each new one ready before the next old one stops.
    expect(roll).toEqual(['alpha exited: shutdown', 'alpha ready', 'beta exited: shutdown', 'beta ready', 'echo exited: shutdown', 'echo ready']);
    expect(pidExists(before.get('alpha')![0]!)).toBe(false);

    const after = run.pids();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('supervisor | stopping (SIGTERM)');
    expect(run.stderr()).toContain('supervisor | stopped');
    for (const name of ['alpha', 'echo']) expect(pidExists(after.get(name)!.at(-1)!)).toBe(false);
  });

  it('kills at once on a second SIGTERM', async () => {
    const run = supervise('stubborn');
    expect(await waitFor(() => (run.stderr().match(/ ready in /g) ?? []).length === 2)).toBe(true);
    const pids = [...run.pids().values()].flat();
    run.child.kill('SIGTERM');
    expect(await waitFor(() => run.stderr().includes('stopping (SIGTERM)'))).toBe(true);
    expect(pids.every(pidExists)).toBe(true); // they ignore SIGTERM, with two minutes of grace
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(pids.filter(pidExists)).toEqual([]);
  });

  it('acts on SIGTERM during a back-off: no restart is left pending', async () => {
    const run = supervise('in-backoff');
    expect(await waitFor(() => run.stderr().includes('broken restarts in'))).toBe(true);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.pids().get('broken')).toHaveLength(1);
  });

  it('acts on SIGTERM during a spawn: the child that was starting is stopped', async () => {
    const run = supervise('in-spawn');
    expect(await waitFor(() => run.stderr().includes('mute spawned'))).toBe(true);
    const [pid] = run.pids().get('mute')!;
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(pidExists(pid!)).toBe(false);
    expect(run.stderr()).toMatch(/mute exited: shutdown/);
  });

  it('exits non-zero when the supervisor gives up', async () => {
    const run = supervise('give-up');
    expect(await run.exited).toBe(1);
    expect(run.stderr().match(/Gave up: more than 2 restarts within 60000 ms \(the last one for child `broken`\)/g)).toHaveLength(1);
    const steady = run.pids().get('steady')!;
    expect(steady.filter(pidExists)).toEqual([]);
  });

  it('refuses an invalid config with every problem, exit code 2', async () => {
    const run = supervise('invalid');
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain(`drove-supervise: ${config}: Invalid supervisor spec (3 problems)`);
    expect(run.stderr()).toContain('Expected `strategy` to be one of `one-for-one`, `one-for-all`, `rest-for-one`, got `"one-for-some"` (string)');
    expect(run.stderr()).toContain('Expected `children[0].restart` to be one of `permanent`, `transient`, `temporary`, got `"sometimes"` (string)');
    expect(run.stderr()).toMatch(/Expected `children\[0\]\.entry` to name an existing file, got `.*missing\.mjs` \(missing\)/);
  });

  it('prints its usage without a config', async () => {
    const run = supervise('ok', []);
    expect(await run.exited).toBe(2);
    expect(lines(run.stderr())).toEqual(['drove-supervise: missing the config file', expect.stringMatching(/^Usage: drove-supervise \[--verbose\] <fleet\.config\.mjs>/)]);
    expect(run.stdout()).toBe('');
  });
});

/** Writes a config module into a fresh temp folder and returns its path. */
function tempConfig(source: string): string {
  const file = join(makeTempDir('drove-supervise-cli-'), 'fleet.config.mjs');
  writeFileSync(file, source);
  return file;
}

const fixturePath = (name: string) => JSON.stringify(fileURLToPath(fixture(name)));
const supervisorLines = (run: Run) => lines(run.stderr()).filter((line) => line.startsWith('supervisor | '));

describe('drove-supervise, by the CLI convention', () => {
  it('prints its help on stdout, exit 0, listing every option, the signals and the exit codes', async () => {
    for (const flag of ['--help', '-h']) {
      const run = supervise('ok', [flag, config]);
      expect(await run.exited).toBe(0);
      expect(run.stderr()).toBe('');
      const help = run.stdout();
      expect(help).toMatch(/^Usage: drove-supervise \[options\] <fleet\.config\.mjs>$/m);
      for (const option of ['-h, --help', '-v, --version', '--verbose', 'SIGTERM, SIGINT', 'SIGHUP', "readiness: 'spawn'"]) expect(help).toContain(option);
      expect(help).toMatch(/^ {2}2 {2}bad usage/m);
    }
  });

  it("prints the package's version on stdout, exit 0", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const run = supervise('ok', [flag]);
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toBe(`${version}\n`);
      expect(run.stderr()).toBe('');
    }
  });

  it('answers a usage error with one line naming it and the usage, exit 2', async () => {
    const unknown = supervise('ok', ['--frobnicate', config]);
    expect(await unknown.exited).toBe(2);
    expect(lines(unknown.stderr())).toEqual(['drove-supervise: unknown option `--frobnicate`', expect.stringMatching(/^Usage: drove-supervise /)]);
    const two = supervise('ok', [config, config]);
    expect(await two.exited).toBe(2);
    expect(lines(two.stderr())).toEqual([expect.stringMatching(/^drove-supervise: one config file expected, got 2: /), expect.stringMatching(/^Usage: /)]);
  });

  it('names a missing config file and the fix in one line, exit 2, without a stack', async () => {
    const missing = join(makeTempDir('drove-supervise-cli-'), 'nowhere.config.mjs');
    const run = supervise('ok', [missing]);
    expect(await run.exited).toBe(2);
    expect(lines(run.stderr())).toEqual([
      `drove-supervise: no config file at ${missing}; pass the path of a module that default-exports the supervisor options (drove-supervise --help)`,
    ]);
  });

  it('names a config that does not load in one line, exit 2; --verbose adds the stack', async () => {
    const broken = tempConfig('export default { children: [\n');
    const run = supervise('ok', [broken]);
    expect(await run.exited).toBe(2);
    expect(lines(run.stderr())).toEqual([expect.stringMatching(new RegExp(`^drove-supervise: could not load the config ${broken}: SyntaxError: .*; fix the module`))]);
    expect(run.stderr()).not.toMatch(/^\s+at /m);

    const throwing = tempConfig('throw new Error("no DATABASE_URL");\n');
    const verbose = supervise('ok', ['--verbose', throwing]);
    expect(await verbose.exited).toBe(2);
    expect(lines(verbose.stderr())[0]).toMatch(/^drove-supervise: could not load the config .*: Error: no DATABASE_URL; fix the module/);
    expect(verbose.stderr()).toMatch(/^\s+at .*fleet\.config\.mjs/m);
  });

  it('names a busy port and the fix in one line, exit 1', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const run = supervise('ok', [tempConfig(`export default { sockets: { http: { port: ${port} } }, children: [] };\n`)]);
      expect(await run.exited).toBe(1);
      const failures = lines(run.stderr()).filter((line) => line.startsWith('drove-supervise: '));
      expect(failures).toEqual([
        expect.stringMatching(new RegExp(`^drove-supervise: Could not listen on 127\\.0\\.0\\.1:${port} for shared socket \`http\`: the port is in use \\(EADDRINUSE\\); stop what listens there`)),
      ]);
      expect(run.stderr().match(/EADDRINUSE/g)).toHaveLength(1);
      expect(run.stderr()).not.toMatch(/^\s+at /m);
    } finally {
      server.close();
    }
  });

  it('prints the address a shared socket listens on once bound, the port of `port: 0` included', async () => {
    const run = supervise('ok', [
      tempConfig(
        `export default { sockets: { http: { port: 0 } }, children: [{ name: 'web', kind: 'process', entry: ${fixturePath('http-child.mjs')}, args: ['--shared'] }] };\n`,
      ),
    ]);
    expect(await waitFor(() => run.stderr().includes('web ready in'))).toBe(true);
    const listening = supervisorLines(run).filter((line) => line.includes('listening on'));
    expect(listening).toEqual([expect.stringMatching(/^supervisor \| socket http listening on 127\.0\.0\.1:\d+$/)]);
    const port = Number(/:(\d+)$/.exec(listening[0]!)![1]);
    expect(port).toBeGreaterThan(0);
    // The printed address is the one that answers: the child's pid comes back through it.
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(run.pids().get('web')).toContain(Number(await response.text()));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('names a missing command binary and ENOENT once, however often it is restarted', async () => {
    const run = supervise('ok', [
      tempConfig(
        "export default { maxRestarts: 3, periodMs: 60_000, backoff: { baseMs: 10, maxMs: 10 }, children: [{ name: 'cache', kind: 'command', argv: ['drove-no-such-binary', '--port', '6380'] }] };\n",
      ),
    ]);
    expect(await run.exited).toBe(1);
    const stderr = run.stderr();
    expect(stderr.match(/ENOENT/g)).toHaveLength(1);
    expect(stderr).toContain(
      'supervisor | cache could not be spawned: `drove-no-such-binary` was not found on the PATH (ENOENT); install it, or give its absolute path as argv[0] in its spec',
    );
    // maxRestarts 3: four spawns in all, each failing the same way.
    expect(stderr.match(/cache exited: spawn failed/g)).toHaveLength(4);
    expect(stderr).not.toMatch(/pid undefined|code null/);
    expect(stderr.match(/Gave up: /g)).toHaveLength(1);
  });

  it('names a command that is not executable (EACCES)', async () => {
    const dir = makeTempDir('drove-supervise-cli-');
    writeFileSync(join(dir, 'start.sh'), 'echo hi\n', { mode: 0o644 });
    const file = join(dir, 'fleet.config.mjs');
    writeFileSync(file, "export default { maxRestarts: 0, children: [{ name: 'script', kind: 'command', argv: ['./start.sh'] }] };\n");
    const run = supervise('ok', [file]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain("supervisor | script could not be spawned: `./start.sh` is not executable (EACCES); `chmod +x` it");
  });

  it("warns once, naming the child, when it has not reported ready, with the helper and readiness: 'spawn' as the fixes", async () => {
    const run = supervise('ok', [
      tempConfig(
        `export default { readinessTimeoutMs: 1000, backoff: { baseMs: 10, maxMs: 10 }, children: [{ name: 'plain', kind: 'process', entry: ${fixturePath('never-ready.mjs')} }] };\n`,
      ),
    ]);
    // Two readiness timeouts: the second run had its chance to warn again.
    expect(await waitFor(() => (run.stderr().match(/plain exited: readiness-timeout/g) ?? []).length >= 2)).toBe(true);
    const warnings = supervisorLines(run).filter((line) => line.includes('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^supervisor \| warning: plain has not reported ready after 500 ms; it is stopped and restarted if not ready within 1 s/);
    expect(warnings[0]).toContain("ready() from '@drove/supervisor/child'");
    expect(warnings[0]).toContain("readiness: 'spawn'");
  });

  it("leaves a child with readiness: 'spawn' unwarned: it is ready once spawned", async () => {
    const run = supervise('ok', [
      tempConfig(
        `export default { readinessTimeoutMs: 1000, children: [{ name: 'plain', kind: 'process', entry: ${fixturePath('never-ready.mjs')}, readiness: 'spawn' }, { name: 'after', kind: 'process', entry: ${fixturePath('never-ready.mjs')} }] };\n`,
      ),
    ]);
    expect(await waitFor(() => run.stderr().includes('warning: after'))).toBe(true);
    expect(run.stderr()).toMatch(/plain ready in \d+ ms/);
    expect(run.stderr()).not.toContain('warning: plain');
  });
});

