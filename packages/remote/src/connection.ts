/**
 * Where Redis is: a `redis://` or `rediss://` URL (TLS), or ioredis options.
 * Credentials never reach a message or a log: {@link describeConnection}
 * shows a URL with its password (and user) replaced.
 *
 * @module
 */
import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import { InvalidRemoteOptionError } from './errors.js';

/** ioredis options BullMQ passes on (host, port, username, password, db, tls…). */
export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  /** TLS options (`{}` for TLS with the system's CAs), as `tls.connect()` takes them. */
  tls?: Record<string, unknown>;
  [option: string]: unknown;
}

/** A Redis URL (`redis://user:password@host:6379/0`, `rediss://…` for TLS) or ioredis options. */
export type Connection = string | RedisConnectionOptions;

/** The options BullMQ takes for a {@link Connection}. */
export function bullmqConnection(connection: Connection): RedisConnectionOptions & { url?: string } {
  return typeof connection === 'string' ? { url: connection } : { ...connection };
}

/** Refuses what is not a Redis URL or an options object, without quoting a password. */
export function checkConnection(name: string, connection: unknown): asserts connection is Connection {
  if (typeof connection === 'object' && connection !== null && !Array.isArray(connection)) return;
  if (typeof connection !== 'string') {
    throw new InvalidRemoteOptionError(`Expected \`${name}\` to be a redis:// or rediss:// URL or an options object, got ${typeof connection}`);
  }
  let url: URL;
  try {
    url = new URL(connection);
  } catch {
    throw new InvalidRemoteOptionError(`Expected \`${name}\` to be a redis:// or rediss:// URL, got a string that is not a URL`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InvalidRemoteOptionError(`Expected \`${name}\` to be a redis:// or rediss:// URL, got a ${url.protocol} URL (${describeConnection(connection)})`);
  }
}

/**
 * A connection as it may be shown: `redis://***@host:6379/0`. Never the
 * password, nor the user that goes with it.
 *
 * @example
 * ```ts
 * import { describeConnection } from '@drove/remote';
 * describeConnection('redis://app:s3cret@cache:6379'); // 'redis://***@cache:6379'
 * ```
 */
export function describeConnection(connection: Connection): string {
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      const auth = url.username !== '' || url.password !== '' ? '***@' : '';
      return `${url.protocol}//${auth}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
    } catch {
      return '(an unparsable connection string)';
    }
  }
  const scheme = connection.tls ? 'rediss' : 'redis';
  const auth = connection.password !== undefined || connection.username !== undefined ? '***@' : '';
  const db = connection.db !== undefined ? `/${connection.db}` : '';
  return `${scheme}://${auth}${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}${db}`;
}

/**
 * A `redis://` / `rediss://` URL as ioredis options, with TLS options added
 * (a CA of one's own for a server whose certificate the system's CAs do not
 * sign): what `drove-worker --tls-ca FILE` connects with. The password moves
 * from the URL into the options, and {@link describeConnection} still hides it.
 *
 * @throws {InvalidRemoteOptionError} `ERR_REMOTE_INVALID_OPTION` for what is not a redis:// or rediss:// URL.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { connectionWithTls } from '@drove/remote';
 * const connection = connectionWithTls(process.env.REDIS_URL ?? '', { ca: readFileSync('ca.crt', 'utf8') });
 * ```
 */
export function connectionWithTls(url: string, tls: Record<string, unknown>): RedisConnectionOptions {
  checkConnection('connection', url);
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username !== '' && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== '' && { password: decodeURIComponent(parsed.password) }),
    ...(db !== '' && { db: Number(db) }),
    // SNI names a host, never an address (RFC 6066); Node warns when given one.
    tls: { ...(isIP(parsed.hostname) === 0 && { servername: parsed.hostname }), ...tls },
  };
}

/** A Redis client of our own (pub/sub for cancellations) on the same connection BullMQ uses. */
export function redisClient(connection: Connection): Redis {
  // Commands wait through a reconnect instead of failing after 20 tries, as BullMQ's own connections do.
  return typeof connection === 'string'
    ? new Redis(connection, { maxRetriesPerRequest: null })
    : new Redis({ ...(connection as Record<string, unknown>), maxRetriesPerRequest: null });
}
