import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '@drove/test-support';
import { InvalidSpecError, logFileName, resolveLogOptions, type ChildSpec, type SupervisorErrorEvent } from '@drove/supervisor';
import { fixture, killAll, nextEvent, supervise, waitFor } from './helpers.js';

afterEach(killAll);
afterAll(removeTempDirs);

const chatty = fixture('chatty-child.mjs');
const child = (args: string[], name = 'web'): ChildSpec => ({ name, kind: 'process', entry: chatty, args });
const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (out|err|log) /;

/** The lines of a child's log files, oldest first (`web.log.N` … `web.log.1`, `web.log`). */
function logLines(dir: string, name: string): string[] {
  const base = logFileName(name);
  const rotated = readdirSync(dir)
    .filter((file) => file.startsWith(`${base}.`))
    .map((file) => Number(file.slice(base.length + 1)))
    .sort((a, b) => b - a)
    .map((index) => `${base}.${index}`);
  return [...rotated, base]
    .filter((file) => existsSync(join(dir, file)))
    .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean));
}

describe('log files', () => {
  it("writes each child's stdout and stderr lines, timestamped and marked by stream, in order", async () => {
    const dir = makeTempDir('drove-logs-');
    const supervisor = supervise({ logs: { dir }, children: [child(['--lines=30', '--stderr-every=3']), child(['--lines=2'], 'jobs')] });
    await supervisor.start();
    await supervisor.stop();
    const lines = logLines(dir, 'web');
    expect(lines).toHaveLength(30);
    for (const line of lines) expect(line).toMatch(stamp);
    expect(lines.filter((line) => / err line \d+ $/.test(line)).map((line) => line.replace(stamp, ''))).toEqual(
      Array.from({ length: 10 }, (_, i) => `line ${(i + 1) * 3} `),
    );
    // stdout's lines in their order (stderr's interleave as the master read them).
    const out = lines.filter((line) => / out /.test(line)).map((line) => Number(/line (\d+)/.exec(line)![1]));
    expect(out).toEqual([...out].sort((a, b) => a - b));
    expect(out).toHaveLength(20);
    expect(logLines(dir, 'jobs').map((line) => line.replace(stamp, ''))).toEqual(['line 1 ', 'line 2 ']);
    expect(statSync(join(dir, 'web.log')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const stats = supervisor.stats().children.find((c) => c.name === 'web')!;
    expect(stats.log).toMatchObject({ path: join(dir, 'web.log'), lines: 30, droppedLines: 0, bufferedBytes: 0 });
  });

  it('rotates by size, keeps `keep` files, and loses no line it kept', async () => {
    const dir = makeTempDir('drove-logs-');
    const supervisor = supervise({ logs: { dir, maxBytes: 4096, keep: 3 }, children: [child(['--lines=400', '--width=60'])] });
    await supervisor.start();
    // `ready` comes over IPC and may arrive before the supervisor has read the whole stdout pipe: stop once every line is in.
    expect(await waitFor(() => supervisor.stats().children[0]!.log!.lines >= 400)).toBe(true);
    await supervisor.stop();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['web.log', 'web.log.1', 'web.log.2', 'web.log.3']);
    for (const file of files) expect(statSync(join(dir, file)).size).toBeLessThanOrEqual(4096);
    const { log } = supervisor.stats().children[0]!;
    // 400 lines of 86 bytes: about 8 files' worth, of which 4 are kept.
    expect(log!.rotations).toBeGreaterThan(3);
    const kept = logLines(dir, 'web').map((line) => Number(/line (\d+)/.exec(line)![1]));
    expect(kept.at(-1)).toBe(400);
    // The kept lines are the last ones, none missing between them.
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 400 - kept.length + 1 + i));
  });

  it('keeps every line a child printed just before it was stopped', async () => {
    // 20,000 lines (1.2 MB) are far more than the pipe takes at once: when `ready` arrives most of them still
    // wait in the child's stdout. `ready()`'s SIGTERM handling writes them out before the child ends, and
    // stop() reads them. (The buffer is large enough for the whole burst: no line is dropped for a slow disk.)
    const dir = makeTempDir('drove-logs-');
    const supervisor = supervise({ logs: { dir, maxBufferedBytes: 64 * 2 ** 20 }, children: [child(['--lines=20000', '--width=60'])] });
    await supervisor.start();
    await supervisor.stop();
    const numbers = logLines(dir, 'web').map((line) => Number(/line (\d+)/.exec(line)![1]));
    expect(numbers).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
    expect(supervisor.stats().children[0]!.lastExit).toMatchObject({ signal: 'SIGTERM' });
  });

  it("logs a warm spare's lines once it has taken over the child", async () => {
    const dir = makeTempDir('drove-logs-');
    const supervisor = supervise({ logs: { dir }, stableAfterMs: 0, children: [{ name: 'web', kind: 'process', entry: chatty, args: ['--lines=2'], spare: true }] });
    await supervisor.start();
    expect(await waitFor(() => supervisor.stats().children[0]!.spare?.state === 'warm')).toBe(true);
    const sparePid = supervisor.stats().children[0]!.spare!.pid;
    const restarted = nextEvent(supervisor, 'ready');
    process.kill(supervisor.whichChildren()[0]!.pid!, 'SIGKILL');
    expect((await restarted).pid).toBe(sparePid);
    await supervisor.stop();
    expect(logLines(dir, 'web').map((line) => line.replace(stamp, ''))).toEqual(['line 1 ', 'line 2 ', 'line 1 ', 'line 2 ']);
  });

  it('keeps no rotated file with keep: 0', async () => {
    const dir = makeTempDir('drove-logs-');
    const supervisor = supervise({ logs: { dir, maxBytes: 2048, keep: 0 }, children: [child(['--lines=200', '--width=60'])] });
    await supervisor.start();
    await supervisor.stop();
    expect(readdirSync(dir)).toEqual(['web.log']);
    expect(logLines(dir, 'web').at(-1)).toMatch(/line 200 x+$/);
  });

  it('drops lines a flooding child writes faster than the disk takes them, counts every one, and says so in the file', async () => {
    const dir = makeTempDir('drove-logs-');
    const total = 20_000;
    // A buffer of one byte holds one line at a time: a flood of lines in one write cannot all wait.
    const supervisor = supervise({ logs: { dir, maxBufferedBytes: 1 }, children: [child([`--lines=${total}`, '--at-once'])] });
    await supervisor.start();
    expect(await waitFor(() => (supervisor.stats().children[0]!.log?.lines ?? 0) + (supervisor.stats().children[0]!.log?.droppedLines ?? 0) === total)).toBe(true);
    await supervisor.stop();
    const { log } = supervisor.stats().children[0]!;
    const lines = logLines(dir, 'web');
    const childLines = lines.filter((line) => / out line \d+ $/.test(line));
    const markers = lines.filter((line) => / log \d+ lines? dropped: the child wrote faster than the disk took them$/.test(line));
    expect(log!.droppedLines).toBeGreaterThan(0);
    // Nothing lost silently: every line is in the file or counted, and the markers add up to the count.
    expect(childLines.length + log!.droppedLines).toBe(total);
    expect(childLines.length).toBe(log!.lines);
    expect(markers.reduce((sum, line) => sum + Number(/ log (\d+) line/.exec(line)![1]), 0)).toBe(log!.droppedLines);
    expect(lines).toHaveLength(childLines.length + markers.length);
  });

  it("writes the file with `output: 'ignore'` (the terminal gets nothing)", async () => {
    const dir = makeTempDir('drove-logs-');
    const supervisor = supervise({ output: 'ignore', logs: { dir }, children: [child(['--lines=3'])] });
    await supervisor.start();
    await supervisor.stop();
    expect(logLines(dir, 'web')).toHaveLength(3);
  });

  it('writes to <runFolder>/logs by default and names files after children whatever their names', async () => {
    const runFolder = makeTempDir('drove-run-');
    const supervisor = supervise({ runFolder, logs: {}, children: [child(['--lines=1'], 'web#0'), child(['--lines=1'], 'a/b')] });
    await supervisor.start();
    await supervisor.stop();
    expect(readdirSync(join(runFolder, 'logs')).sort()).toEqual(['a%2Fb.log', 'web#0.log']);
    expect(logFileName('..')).toBe('%2E%2E.log');
  });

  it('reports a folder it cannot make as an error event, once, and counts the lines as dropped', async () => {
    // A file where the folder should be: mkdir fails for root too.
    const dir = join(makeTempDir('drove-logs-'), 'taken');
    writeFileSync(dir, 'not a folder');
    const supervisor = supervise({ logs: { dir }, children: [child(['--lines=5'])] });
    const errors: SupervisorErrorEvent[] = [];
    supervisor.on('error', (event) => errors.push(event));
    const first = nextEvent(supervisor, 'error');
    await supervisor.start();
    const { error } = await first;
    expect(error).toMatchObject({ code: 'ERR_SUPERVISOR_LOG', name: 'SupervisorError' });
    expect(error.message).toContain(join(dir, 'web.log'));
    expect(await waitFor(() => supervisor.stats().children[0]!.log!.droppedLines === 5)).toBe(true);
    await supervisor.stop();
    expect(errors).toHaveLength(1);
  });

  it('validates the options, listing every problem with its field', () => {
    expect(() => supervise({ logs: { maxBytes: 10, keep: -1, maxBufferedBytes: 0 } })).toThrow(InvalidSpecError);
    try {
      supervise({ logs: { maxBytes: 10, keep: -1, maxBufferedBytes: 0, colour: true } as never });
    } catch (error) {
      expect((error as InvalidSpecError).code).toBe('ERR_SUPERVISOR_INVALID_SPEC');
      expect((error as InvalidSpecError).problems).toEqual([
        expect.stringContaining('`logs.colour`'),
        'Expected `logs.dir` to be a folder\'s path (or `runFolder` to be set), got nothing',
        expect.stringMatching(/^Expected `logs.maxBytes` to be an integer >= 1024.*, got `10` \(number\)$/),
        expect.stringMatching(/^Expected `logs.keep` to be an integer >= 0.*, got `-1` \(number\)$/),
        expect.stringMatching(/^Expected `logs.maxBufferedBytes` to be an integer >= 1.*, got `0` \(number\)$/),
      ]);
    }
    expect(resolveLogOptions({}, { runFolder: '/run/app' })).toEqual({ dir: '/run/app/logs', maxBytes: 10 * 2 ** 20, keep: 5, maxBufferedBytes: 2 ** 20 });
    expect(() => resolveLogOptions({ dir: '' })).toThrow(/`logs.dir`/);
  });
});
