import { describe, expect, it } from 'vitest';
import {
  InvalidSpecError,
  resolveChildSpec,
  resolveSupervisorOptions,
  Supervisor,
  SupervisorError,
  systemClock,
  type ChildSpec,
  type SupervisorOptions,
} from '@drove/supervisor';
import { readyChild } from './helpers.js';

function problemsOf(options: unknown): readonly string[] {
  try {
    resolveSupervisorOptions(options as SupervisorOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSpecError);
    expect(error).toBeInstanceOf(SupervisorError);
    expect((error as InvalidSpecError).code).toBe('ERR_SUPERVISOR_INVALID_SPEC');
    return (error as InvalidSpecError).problems;
  }
  throw new Error('expected the options to be refused');
}

const child = (spec: object): SupervisorOptions => ({ children: [{ name: 'c', kind: 'process', entry: readyChild, ...spec } as ChildSpec] });

describe('resolveSupervisorOptions', () => {
  it('fills in the defaults', () => {
    const options = resolveSupervisorOptions({ children: [{ name: 'web', kind: 'process', entry: readyChild }] });
    expect(options).toMatchObject({
      strategy: 'one-for-one',
      maxRestarts: Infinity,
      periodMs: 5000,
      shutdownTimeoutMs: 5000,
      readinessTimeoutMs: 30_000,
      stableAfterMs: 30_000,
      handleSignals: false,
      output: 'inherit',
      sockets: {},
    });
    expect(options.clock).toBe(systemClock);
    expect(options.children[0]).toMatchObject({
      name: 'web',
      kind: 'process',
      restart: 'permanent',
      readiness: 'envelope',
      heartbeat: undefined,
      maxRssBytes: 0,
      memoryCheckIntervalMs: 1000,
      backoff: { baseMs: 1000, factor: 2, maxMs: 30_000, jitter: 0.2, maxFailures: Infinity },
      spawn: { kind: 'process', args: [] },
    });
    const command = resolveChildSpec({ name: 'cmd', kind: 'command', argv: ['redis-server', '--port', '6380'] });
    expect(command).toMatchObject({ readiness: 'spawn', spawn: { kind: 'command', command: 'redis-server', args: ['--port', '6380'] } });
    expect(command.spawn).not.toHaveProperty('processGroup');
    const grouped = resolveChildSpec({ name: 'cmd', kind: 'command', argv: ['sh', '-c', 'x & y'], processGroup: true });
    expect(grouped.spawn).toMatchObject({ kind: 'command', processGroup: true });
    const hb = resolveChildSpec({ name: 't', kind: 'thread', entry: readyChild, heartbeat: true, readiness: { tcp: { port: 80 } } });
    expect(hb).toMatchObject({ heartbeat: { intervalMs: 1000, timeoutMs: 5000 }, readiness: { tcp: { port: 80, host: '127.0.0.1' } } });
  });

  it.each<[string, unknown, string]>([
    ['an unknown strategy', { strategy: 'one-for-some' }, 'Expected `strategy` to be one of `one-for-one`, `one-for-all`, `rest-for-one`, got `"one-for-some"` (string)'],
    ['a negative maxRestarts', { maxRestarts: -1 }, 'Expected `maxRestarts` to be an integer >= 0 (or Infinity), got `-1` (number)'],
    ['a zero periodMs', { periodMs: 0 }, 'Expected `periodMs` to be a finite number >= 1, got `0` (number)'],
    ['a typo', { maxRestart: 3 }, 'Unknown option `maxRestart`'],
    ['an unknown output', { output: 'tee' }, 'Expected `output` to be one of `inherit`, `prefix`, `ignore`, got `"tee"` (string)'],
    ['a clock without timers', { clock: { now: () => 0 } }, 'Expected `clock` to be an object with now(), setTimeout() and clearTimeout()'],
    ['a socket port out of range', { sockets: { http: { port: 70_000 } } }, 'Expected `sockets.http.port` to be an integer >= 0 and <= 65535, got `70000` (number)'],
    ['a back-off cap below its base', { backoff: { baseMs: 5000, maxMs: 1000 } }, 'Expected `backoff.maxMs` (1000) to be >= `backoff.baseMs` (5000)'],
    ['children that are not an array', { children: {} }, 'Expected `children` to be an array of child specs, got `{}` (object)'],
    ['a child with no name', { children: [{ kind: 'process', entry: readyChild }] }, 'Expected `children[0].name` to be a non-empty string, got `undefined` (undefined)'],
    ['an unknown kind', { children: [{ name: 'c', kind: 'fiber' }] }, 'Expected `children[0].kind` to be one of `process`, `thread`, `command`, got `"fiber"` (string)'],
    ['an unknown restart type', child({ restart: 'always' }), 'Expected `children[0].restart` to be one of `permanent`, `transient`, `temporary`, got `"always"` (string)'],
    ['a missing entry file', child({ entry: '/nonexistent/child.mjs' }), 'Expected `children[0].entry` to name an existing file, got `/nonexistent/child.mjs` (missing)'],
    ['an entry that is a number', child({ entry: 7 }), 'Expected `children[0].entry` to be a file: URL or a path, got `7` (number)'],
    ['a spec field typo', child({ restarts: 'permanent' }), 'Unknown option `children[0].restarts`'],
    ['a command without argv', { children: [{ name: 'c', kind: 'command', argv: [] }] }, 'Expected `children[0].argv` to be a non-empty array of strings, got `[]` (array)'],
    [
      'a command waiting for an envelope',
      { children: [{ name: 'c', kind: 'command', argv: ['x'], readiness: 'envelope' }] },
      "Expected `children[0].readiness` to be `'spawn'`, `{ tcp }` or `{ probe }` for a command (it has no envelope channel), got `\"envelope\"` (string)",
    ],
    [
      'a command with a heartbeat',
      { children: [{ name: 'c', kind: 'command', argv: ['x'], heartbeat: true }] },
      'Expected `children[0].heartbeat` to be unset for a command (a heartbeat travels over the envelope), got `true` (boolean)',
    ],
    ['a heartbeat timeout within its interval', child({ heartbeat: { intervalMs: 1000, timeoutMs: 1000 } }), 'Expected `children[0].heartbeat.timeoutMs` (1000) to be > `children[0].heartbeat.intervalMs` (1000)'],
    ['a readiness of another form', child({ readiness: 'soon' }), "Expected `children[0].readiness` to be `'envelope'`, `'spawn'`, `{ tcp: { port, host } }` or `{ probe }`, got `\"soon\"` (string)"],
    ['a probe that is not a function', child({ readiness: { probe: true } }), 'Expected `children[0].readiness.probe` to be a function, got `true` (boolean)'],
    ['a memory limit on a thread', { children: [{ name: 'c', kind: 'thread', entry: readyChild, maxRssBytes: 1e9 }] }, 'Expected `children[0].maxRssBytes` to be unset for a thread'],
    ['a memory check slower than a second', child({ maxRssBytes: 1e9, memoryCheckIntervalMs: 5000 }), 'Expected `children[0].memoryCheckIntervalMs` to be a finite number >= 1 and <= 1000, got `5000` (number)'],
    ['a child back-off with a bad jitter', child({ backoff: { jitter: 2 } }), 'Expected `children[0].backoff.jitter` to be a finite number >= 0 and <= 1, got `2` (number)'],
    ['an env value that is not a string', child({ env: { PORT: 80 } }), 'Expected `children[0].env.PORT` to be a string, got `80` (number)'],
    [
      'a process group for a thread',
      { children: [{ name: 'c', kind: 'thread', entry: readyChild, processGroup: true }] },
      "Expected `children[0].processGroup` to be unset for a thread (a thread lives in the supervisor's process), got `true` (boolean)",
    ],
    ['a process group that is not a boolean', child({ processGroup: 'yes' }), 'Expected `children[0].processGroup` to be a boolean, got `"yes"` (string)'],
    [
      'two children of one name',
      { children: [{ name: 'c', kind: 'process', entry: readyChild }, { name: 'c', kind: 'thread', entry: readyChild }] },
      'Expected `children[1].name` to be unique, got `"c"` a second time',
    ],
  ])('refuses %s, naming the field, the expected form and what was given', (_, options, message) => {
    const problems = problemsOf(options);
    expect(problems.some((problem) => problem.startsWith(message))).toBe(true);
  });

  it('collects every problem and fails once with the whole list', () => {
    const error = (() => {
      try {
        new Supervisor({
          strategy: 'all' as never,
          periodMs: -1,
          children: [
            { name: '', kind: 'process', entry: readyChild },
            { name: 'b', kind: 'command', argv: ['x'], restart: 'never' as never },
          ],
        });
      } catch (e) {
        return e as InvalidSpecError;
      }
      throw new Error('expected a throw');
    })();
    expect(error.problems).toHaveLength(4);
    expect(error.message.split('\n')[0]).toBe('Invalid supervisor spec (4 problems):');
    expect(error.toJSON()).toMatchObject({ name: 'InvalidSpecError', code: 'ERR_SUPERVISOR_INVALID_SPEC', problems: error.problems });
  });

  it('refuses an invalid spec given to startChild', async () => {
    const supervisor = new Supervisor();
    await supervisor.start();
    try {
      await expect(supervisor.startChild({ name: 'x', kind: 'thread', entry: readyChild, shutdownTimeoutMs: -5 })).rejects.toMatchObject({
        code: 'ERR_SUPERVISOR_INVALID_SPEC',
        message: 'Expected `spec.shutdownTimeoutMs` to be a finite number >= 0, got `-5` (number)',
      });
      expect(supervisor.whichChildren()).toEqual([]);
    } finally {
      await supervisor.stop();
    }
  });
});
