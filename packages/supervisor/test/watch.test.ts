import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '@drove/test-support';
import { InvalidSpecError, type RestartEvent } from '@drove/supervisor';
import { killAll, nextEvent, supervise, waitFor } from './helpers.js';

afterEach(killAll);
afterAll(removeTempDirs);

/** An app in a folder of its own: prints the version its folder holds, then a tick every 10 ms. */
function app(): string {
  const dir = makeTempDir('drove-watch-');
  writeFileSync(join(dir, 'version.txt'), 'v1');
  writeFileSync(
    join(dir, 'app.cjs'),
    `console.log('version ' + require('fs').readFileSync(__dirname + '/version.txt', 'utf8')); setInterval(() => console.log('tick'), 10);\n`,
  );
  return dir;
}

describe('watch mode', () => {
  it('restarts a child when its files change, never for node_modules or its own log files', async () => {
    const dir = app();
    const supervisor = supervise({
      runFolder: join(dir, 'run'), // inside the watched folder: its log files are written there all the time
      logs: {},
      children: [{ name: 'app', kind: 'command', argv: [process.execPath, join(dir, 'app.cjs')], watch: { paths: [dir], debounceMs: 20 } }],
    });
    const restarts: RestartEvent[] = [];
    supervisor.on('restart', (event) => restarts.push(event));
    await supervisor.start();
    const lines = (): number => supervisor.stats().children[0]!.log?.lines ?? 0;
    // Each tick is a line in run/logs/app.log: 30 of them give any restart they caused time to happen.
    expect(await waitFor(() => lines() >= 30)).toBe(true);
    expect(restarts).toEqual([]);

    mkdirSync(join(dir, 'node_modules', 'lib'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'lib', 'index.js'), 'module.exports = 1;');
    const mark = lines();
    expect(await waitFor(() => lines() >= mark + 30)).toBe(true);
    expect(restarts).toEqual([]);

    const restarted = nextEvent(supervisor, 'restart');
    writeFileSync(join(dir, 'version.txt'), 'v2');
    expect(await restarted).toEqual({ name: 'app', cause: 'watch', restarts: 1 });
    expect(await waitFor(() => supervisor.whichChildren()[0]!.state === 'running')).toBe(true);
    await supervisor.stop();
    expect(restarts).toHaveLength(1);
  });

  it('leaves a child stopped by hand stopped', async () => {
    const dir = app();
    const watch = { paths: [dir], debounceMs: 0 };
    const argv = [process.execPath, join(dir, 'app.cjs')];
    // A witness watches the same folder: its restart shows that the change was seen.
    const supervisor = supervise({ children: [{ name: 'app', kind: 'command', argv, watch }, { name: 'witness', kind: 'command', argv, watch }] });
    await supervisor.start();
    await supervisor.terminateChild('app');
    const seen = nextEvent(supervisor, 'restart');
    writeFileSync(join(dir, 'version.txt'), 'v2');
    expect(await seen).toMatchObject({ name: 'witness', cause: 'watch' });
    expect(await waitFor(() => supervisor.whichChildren()[1]!.state === 'running')).toBe(true);
    expect(supervisor.whichChildren()[0]!.state).toBe('stopped');
    expect(supervisor.stats().children[0]!.restarts).toBe(0);
  });

  it('validates its options', () => {
    expect(() => supervise({ children: [{ name: 'a', kind: 'command', argv: ['true'], watch: { paths: ['/no/such/folder'], debounceMs: -1 } }] })).toThrow(InvalidSpecError);
    try {
      supervise({ children: [{ name: 'a', kind: 'command', argv: ['true'], watch: { paths: ['/no/such/folder'], debounceMs: -1 } }] });
    } catch (error) {
      expect((error as InvalidSpecError).problems).toEqual([
        'Expected `children[0].watch.paths` to name existing folders or files, got `/no/such/folder` (missing)',
        expect.stringMatching(/^Expected `children\[0\]\.watch\.debounceMs` to be .*, got `-1` \(number\)$/),
      ]);
    }
  });
});
