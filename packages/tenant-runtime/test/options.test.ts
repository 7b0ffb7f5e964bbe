import { describe, expect, it } from 'vitest';
import { InvalidOptionError, resolveTenantRuntimeOptions, type TenantRuntimeOptions } from '@drove/tenant-runtime';

const source = { kind: 'directory', root: '/srv/tenants' } as const;

function refusal(options: unknown): InvalidOptionError {
  try {
    resolveTenantRuntimeOptions(options as TenantRuntimeOptions);
  } catch (error) {
    return error as InvalidOptionError;
  }
  throw new Error('expected the options to be refused');
}

describe('resolveTenantRuntimeOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveTenantRuntimeOptions({ source })).toMatchObject({
      root: '/srv/tenants',
      entry: 'server.js',
      command: undefined,
      listen: 'handle',
      idleAfterMs: 300_000,
      maxConcurrent: 100,
      sweepIntervalMs: 10_000,
      observeIntervalMs: 30_000,
      readyTimeoutMs: 30_000,
      stopGraceMs: 5000,
      backoff: { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0, maxFailures: 10 },
      passEnv: [],
      nodeEnv: 'production',
      stdio: 'pipe',
      maxLogLineLength: 16_384,
    });
  });

  it.each([
    [{ source, maxConcurrent: 0 }, 'Expected `maxConcurrent` to be an integer >= 1, got `0` (number)'],
    [{ source, idleAfterMs: -1 }, 'Expected `idleAfterMs` to be a number of milliseconds >= 0 and <= 2147483647, got `-1` (number)'],
    [{ source: { kind: 'directory', root: 'tenants' } }, 'Expected `source.root` to be an absolute path, got `"tenants"` (string)'],
    [{ source: { kind: 'bucket', root: '/x' } }, 'Expected `source.kind` to be one of `directory`, got `"bucket"` (string)'],
    [{}, "Expected `source` to be an object `{ kind: 'directory', root }`, got `undefined` (undefined)"],
    [{ source, listen: 'port' }, 'Expected `listen` to be one of `handle`, `report`, got `"port"` (string)'],
    [{ source, command: [] }, 'Expected `command` to be a non-empty array of strings, got `[]` (array)'],
    [{ source, entry: 'a.js', command: ['node'] }, 'Expected only one of `entry` and `command`, got both'],
    [{ source, env: { A: 1 } }, 'Expected `env.A` to be a string, got `1` (number)'],
    [{ source, limits: { maxOldSpaceSizeMb: 1.5 } }, 'Expected `limits.maxOldSpaceSizeMb` to be an integer >= 16, got `1.5` (number)'],
    [{ source, limits: { cpu: 1 } }, 'Unknown option `limits.cpu` (known: maxOldSpaceSizeMb, memoryMaxBytes, cgroupParent)'],
    [{ source, backoff: { baseMs: -5 } }, 'Expected `backoff.baseMs` to be a number of milliseconds >= 0 and <= 2147483647, got `-5` (number)'],
    [{ source, backoff: { baseMs: 5000, maxMs: 1000 } }, 'Expected `backoff.maxMs` (1000) to be >= `backoff.baseMs` (5000)'],
    [{ source, clock: { now: () => 1 } }, 'Expected `clock` to be an object with now(), setTimeout() and clearTimeout()'],
    [{ source, onLog: 'console' }, 'Expected `onLog` to be a function, got `"console"` (string)'],
    [{ source, maxConcurent: 3 }, 'Unknown option `maxConcurent`'],
  ])('refuses %j naming the option, the expected form and the value', (options, message) => {
    const error = refusal(options);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ name: 'InvalidOptionError', code: 'ERR_TENANT_INVALID_OPTION' });
    expect(error.message).toContain(message);
  });

  it('takes an entry as a file: URL', () => {
    expect(resolveTenantRuntimeOptions({ source, entry: new URL('file:///opt/app/server.mjs') }).entry).toBe('/opt/app/server.mjs');
  });
});
