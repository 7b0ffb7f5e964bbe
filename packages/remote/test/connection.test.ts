// describeConnection and the connection checks: a connection is shown without its credentials, whatever its form.
import { describe, expect, it } from 'vitest';
import { connectionWithTls, describeConnection, resolveRemotePoolOptions } from '../src/index.js';

describe('describeConnection', () => {
  it.each([
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://app:s3cret@cache:6379', 'redis://***@cache:6379'],
    ['redis://:s3cret@cache:6379/2', 'redis://***@cache:6379/2'],
    ['rediss://app:s3cret@cache.example:6380', 'rediss://***@cache.example:6380'],
    ['not a url s3cret', '(an unparsable connection string)'],
  ])('shows %s as %s', (connection, shown) => {
    expect(describeConnection(connection)).toBe(shown);
  });

  it('shows ioredis options the same way: TLS as rediss, no user, no password', () => {
    expect(describeConnection({ host: 'cache', port: 6380, username: 'app', password: 's3cret', db: 3, tls: {} })).toBe('rediss://***@cache:6380/3');
    expect(describeConnection({})).toBe('redis://127.0.0.1:6379');
  });
});

describe('connectionWithTls', () => {
  it('turns a URL into ioredis options with TLS, the password inside them and never shown', () => {
    const options = connectionWithTls('rediss://app:s%40cret@cache.example:6380/2', { ca: 'PEM' });
    expect(options).toEqual({ host: 'cache.example', port: 6380, username: 'app', password: 's@cret', db: 2, tls: { servername: 'cache.example', ca: 'PEM' } });
    expect(describeConnection(options)).toBe('rediss://***@cache.example:6380/2');
    expect(connectionWithTls('rediss://127.0.0.1', {})).toEqual({ host: '127.0.0.1', port: 6379, tls: {} });
    expect(() => connectionWithTls('http://x', {})).toThrow(expect.objectContaining({ code: 'ERR_REMOTE_INVALID_OPTION' }));
  });
});

describe('resolveRemotePoolOptions', () => {
  it('fills the defaults without connecting', () => {
    expect(resolveRemotePoolOptions({ queue: 'q', connection: 'redis://127.0.0.1:1' })).toEqual({
      queue: 'q',
      connection: 'redis://127.0.0.1:1',
      prefix: 'bull',
      attempts: 1,
      backoff: { type: 'exponential', delayMs: 1000 },
      timeoutMs: 0,
      concurrency: 64,
      reconcileIntervalMs: 5000,
      connectTimeoutMs: 10_000,
      telemetryIntervalMs: 0,
    });
  });

  it('never quotes a password when it refuses a connection', () => {
    expect(() => resolveRemotePoolOptions({ queue: 'q', connection: 'http://app:s3cret@cache' })).toThrow(/got a http: URL \(http:\/\/\*\*\*@cache\)/);
    expect(() => resolveRemotePoolOptions({ queue: 'q', connection: 'http://app:s3cret@cache' })).not.toThrow(/s3cret/);
    expect(() => resolveRemotePoolOptions({ queue: 'q', connection: 42 as unknown as string })).toThrow('Expected `connection` to be a redis:// or rediss:// URL or an options object, got number');
  });
});
