import { describe, expect, it } from 'vitest';
import {
  AbortError,
  InvalidOptionError,
  InvalidTenantKeyError,
  TenantBackoffError,
  TenantDisposedError,
  TenantDrainingError,
  TenantExitedError,
  TenantNotFoundError,
  TenantNotReadyError,
  TenantRuntimeError,
} from '@drove/tenant-runtime';

describe('errors', () => {
  it.each([
    [new InvalidOptionError('x'), 'InvalidOptionError', 'ERR_TENANT_INVALID_OPTION'],
    [new InvalidTenantKeyError('..', 'no'), 'InvalidTenantKeyError', 'ERR_TENANT_INVALID_KEY'],
    [new TenantNotFoundError('a', '/r/a'), 'TenantNotFoundError', 'ERR_TENANT_NOT_FOUND'],
    [new TenantBackoffError('a', 2, 2000, new Error('boom')), 'TenantBackoffError', 'ERR_TENANT_BACKOFF'],
    [new TenantDrainingError('a'), 'TenantDrainingError', 'ERR_TENANT_DRAINING'],
    [new TenantNotReadyError('a', 100), 'TenantNotReadyError', 'ERR_TENANT_NOT_READY'],
    [
      new TenantExitedError({ key: 'a', pid: 1, exitCode: 1, signal: null, reason: 'crashed', stderrTail: [] }),
      'TenantExitedError',
      'ERR_TENANT_EXITED',
    ],
    [new TenantDisposedError(), 'TenantDisposedError', 'ERR_TENANT_DISPOSED'],
    [new AbortError(), 'AbortError', 'ABORT_ERR'],
  ])('%s has a literal name, a stable code and a plain toJSON()', (error, name, code) => {
    expect(error).toBeInstanceOf(TenantRuntimeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(json).toMatchObject({ name, code, message: error.message });
    expect(structuredClone(error.toJSON())).toMatchObject({ name, code });
  });

  it('keeps the cause: a back-off error carries the last start failure', () => {
    const last = new Error('port in use');
    const error = new TenantBackoffError('a', 3, null, last);
    expect(error.cause).toBe(last);
    expect(error.toJSON()).toMatchObject({ attempt: 3, retryAfterMs: null, key: 'a' });
  });
});
