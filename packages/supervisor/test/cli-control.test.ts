import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { CONTROL_COMMANDS } from '../src/control-protocol.js';
import { fixture, waitFor } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const config = fileURLToPath(fixture('fleet.config.mjs'));

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const runs: Run[] = [];

function run(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, DROVE_TEST_FLEET: 'controlled', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const made: Run = { child, stdout: () => stdout, stderr: () => stderr, exited };
  runs.push(made);
  return made;
}

afterAll(removeTempDirs);
afterEach(async () => {
  for (const made of runs.splice(0)) {
    if (made.child.exitCode === null && made.child.signalCode === null) made.child.kill('SIGKILL');
    await made.exited;
  }
});

const lines = (text: string) => text.split('\n').filter(Boolean);

/** Starts the `controlled` fleet in the foreground (`drove-supervise start fleet.config.mjs`) and waits until both children are ready. */
async function startFleet(): Promise<{ master: Run; runFolder: string }> {
  const runFolder = join(makeTempDir('drove-cli-run-'), 'run');
  const master = run(['start', config], { DROVE_TEST_RUN_FOLDER: runFolder });
  expect(await waitFor(() => (master.stderr().match(/ ready in /g) ?? []).length === 2)).toBe(true);
  expect(await waitFor(() => master.stderr().includes('control socket in'))).toBe(true);
  return { master, runFolder };
}

/** Runs one command against the run folder and resolves once it has exited. */
async function command(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const made = run(args, env);
  const code = await made.exited;
  return { code, stdout: made.stdout(), stderr: made.stderr() };
}

describe('drove-supervise commands for a running supervisor', () => {
  it('status, restart, stop, start, reload, logs and shutdown, each through the control socket', async () => {
    const { master, runFolder } = await startFleet();
    expect(master.stderr()).toContain(`supervisor | control socket in ${runFolder}: drove-supervise status --run-folder ${runFolder}`);

    const status = await command(['status', '--run-folder', runFolder]);
    expect(status.code).toBe(0);
    expect(status.stderr).toBe('');
    const [head, columns, alpha, ticker] = lines(status.stdout);
    expect(head).toMatch(new RegExp(`^supervisor pid \\d+, running, 2 children, 0 restarts \\(${runFolder}\\)$`));
    expect(columns!.split(/\s+/)).toEqual(['name', 'instance', 'state', 'pid', 'uptime', 'restarts', 'back-off', 'cpu', 'rss', 'dropped', 'cron']);
    expect(alpha).toMatch(/^alpha +- +running +\d+ +\d+(ms|s) +0 +- +\d+\.\d% +\d+\.\d MiB +0 +-$/);
    expect(ticker).toMatch(/^ticker +- +running +\d+ /);
    const alphaPid = Number(alpha!.split(/\s+/)[3]);

    const json = await command(['status', '--json'], { DROVE_RUN_FOLDER: runFolder });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { children: Array<{ name: string; pid: number }> };
    expect(parsed.children.map((child) => child.name)).toEqual(['alpha', 'ticker']);

    const restarted = await command(['restart', 'alpha', '-r', runFolder]);
    expect(restarted.code).toBe(0);
    expect(restarted.stdout).toMatch(/^alpha running \(pid \d+\)\n$/);
    expect(pidExists(alphaPid)).toBe(false);

    expect((await command(['stop', 'alpha', '-r', runFolder])).stdout).toBe('alpha stopped\n');
    const again = await command(['stop', 'alpha', '-r', runFolder]);
    expect(again.code).toBe(0);
    expect(lines((await command(['status', '-r', runFolder])).stdout)[2]).toMatch(/^alpha +- +stopped +- +- +1 +- +- +- +0 +-$/);

    const started = await command(['start', 'alpha', '-r', runFolder]);
    expect(started.stdout).toMatch(/^alpha running \(pid \d+\)\n$/);
    const running = await command(['start', 'alpha', '-r', runFolder]);
    expect(running.code).toBe(1);
    expect(running.stderr).toBe('drove-supervise: Child `alpha` is running already; `restart` restarts it\n');

    const unknown = await command(['restart', 'nope', '-r', runFolder]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`drove-supervise: No child named \`nope\` (known: \`alpha\`, \`ticker\`); \`drove-supervise status --run-folder ${runFolder}\` lists the children\n`);

    expect((await command(['reload', '-r', runFolder])).stdout).toBe('reloaded 2 children\n');

    const tail = await command(['logs', 'ticker', '--lines', '3', '-r', runFolder]);
    expect(tail.code).toBe(0);
    const ticks = lines(tail.stdout);
    expect(ticks).toHaveLength(3);
    for (const line of ticks) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z out tick \d+$/);

    // -f prints new lines until Ctrl-C, then exits 0.
    const follow = run(['logs', 'ticker', '-f', '-n', '0', '-r', runFolder]);
    expect(await waitFor(() => lines(follow.stdout()).length >= 5)).toBe(true);
    follow.child.kill('SIGINT');
    expect(await follow.exited).toBe(0);
    const followed = lines(follow.stdout()).map((line) => Number(/tick (\d+)$/.exec(line)![1]));
    expect(followed).toEqual(followed.map((_, i) => followed[0]! + i));

    const pids = lines((await command(['status', '-r', runFolder])).stdout)
      .slice(2)
      .map((line) => Number(line.split(/\s+/)[3]));
    const shutdown = await command(['shutdown', '-r', runFolder]);
    expect(shutdown.code).toBe(0);
    expect(shutdown.stdout).toMatch(/^supervisor \d+ stopped\n$/);
    expect(await master.exited).toBe(0);
    expect(master.stderr()).toContain('supervisor | stopped');
    expect(pids.filter(pidExists)).toEqual([]);
  });

  it('scales a group of instances: scale web 3, then max, and status numbers the copies', async () => {
    const runFolder = join(makeTempDir('drove-cli-run-'), 'run');
    const master = run([config], { DROVE_TEST_FLEET: 'instances', DROVE_TEST_RUN_FOLDER: runFolder });
    expect(await waitFor(() => master.stderr().includes('control socket in'))).toBe(true);
    const up = await command(['scale', 'web', '3', '-r', runFolder]);
    expect(up.code).toBe(0);
    expect(up.stdout).toBe('web: 3 instances (web#0 running, web#1 running, web#2 running)\n');
    const rows = lines((await command(['status', '-r', runFolder])).stdout).slice(2);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 3))).toEqual([
      ['web#0', '0', 'running'],
      ['web#1', '1', 'running'],
      ['web#2', '2', 'running'],
    ]);
    const max = await command(['scale', 'web', 'max', '-r', runFolder]);
    expect(max.stdout).toMatch(new RegExp(`^web: ${availableParallelism()} instances? \\(`));
    const usage = await command(['scale', 'web', '-r', runFolder]);
    expect(usage.code).toBe(2);
    expect(lines(usage.stderr)[0]).toBe("drove-supervise: `scale` takes a group's name and a count (`scale web 4`, `scale web max`), got `web`");
    master.child.kill('SIGTERM');
    expect(await master.exited).toBe(0);
  });

  it('names a run folder where no supervisor runs, and the fix, in one line, exit 1', async () => {
    const runFolder = makeTempDir('drove-cli-run-');
    const result = await command(['status', '--run-folder', runFolder]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `drove-supervise: No supervisor is running in ${runFolder} (no control socket ${join(runFolder, 'control.sock')}); start one whose config names \`runFolder: ${JSON.stringify(runFolder)}\` (drove-supervise fleet.config.mjs), or pass the run folder of the one that runs\n`,
    );
  });

  it('answers usage errors with one line and the commands usage, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['status'], "drove-supervise: `status` needs the supervisor's run folder: --run-folder <dir> (or DROVE_RUN_FOLDER), the runFolder of its config"],
      [['restart', '-r', '/tmp/x'], 'drove-supervise: `restart` needs the name of a child'],
      [['stop', 'a', 'b', '-r', '/tmp/x'], 'drove-supervise: `stop` takes one name, got `a` `b`'],
      [['logs', 'a', '--lines', 'many', '-r', '/tmp/x'], 'drove-supervise: `--lines` takes a whole number from 0 to 100000, got `many`'],
      [['status', '-f', '-r', '/tmp/x'], 'drove-supervise: `--follow` is for `logs`'],
      [['status', '--run-folder'], 'drove-supervise: `--run-folder` needs a value'],
    ];
    for (const [args, message] of cases) {
      const result = await command(args, { DROVE_RUN_FOLDER: '' });
      expect(result.code, args.join(' ')).toBe(2);
      expect(lines(result.stderr), args.join(' ')).toEqual([message, expect.stringMatching(/^Usage: drove-supervise status\|restart <name>\|/)]);
    }
    const fleet = await command([config, '--run-folder', '/tmp/x']);
    expect(fleet.code).toBe(2);
    expect(lines(fleet.stderr)[0]).toBe('drove-supervise: `--run-folder` is for the commands (status, logs …), not for running a fleet: the config names its runFolder');
  });

  it('lists the commands in --help', async () => {
    const help = await command(['--help']);
    expect(help.code).toBe(0);
    for (const word of ['status', 'scale <name> <N>', 'restart <name>', 'stop <name>', 'start <name>', 'reload', 'logs <name>', 'shutdown', '-r, --run-folder <dir>', '-f, --follow', '-n, --lines <N>', '--json']) {
      expect(help.stdout).toContain(word);
    }
  });

  it('lists in --help every command of the control protocol, every option the parser knows and the config options for running a fleet', async () => {
    const help = (await command(['--help'])).stdout;
    const commands = help.slice(help.indexOf('Commands,'), help.indexOf('Options:'));
    for (const name of CONTROL_COMMANDS) expect(commands).toMatch(new RegExp(`^ {2}${name}\\b`, 'm'));
    // Every option the parser accepts (read from its source), and no other, is in the Options section.
    const parser = readFileSync(fileURLToPath(new URL('../src/internal/cli-args.ts', import.meta.url)), 'utf8');
    const code = parser.slice(parser.indexOf('export function parseCliArgs'));
    const known = new Set([...code.matchAll(/'(--[a-z-]+|-[a-z])'/g)].map((match) => match[1]!));
    const options = help.slice(help.indexOf('Options:'), help.indexOf('Config options'));
    const listed = new Set([...options.matchAll(/^ {2}(?:(-[a-z]), )? *(--[a-z-]+)/gm)].flatMap((match) => [match[1], match[2]].filter((flag): flag is string => flag !== undefined)));
    expect([...listed].sort()).toEqual([...known].sort());
    for (const option of ['runFolder', 'logs', 'health', 'systemd', 'children[].instances', 'children[].reload', 'children[].watch', 'children[].cronRestart']) {
      expect(help).toMatch(new RegExp(`^ {2}${option.replace(/[[\].]/g, '\\$&')}\\b`, 'm'));
    }
  });
});
