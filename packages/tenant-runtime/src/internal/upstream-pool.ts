/**
 * Kept-alive connections from the front door to tenants, per port. A
 * connection is lent to one exchange at a time and comes back only when that
 * exchange left it clean: the whole request sent, the whole response read,
 * nothing more from the tenant.
 */
import { connect, type Socket } from 'node:net';

/** What the current exchange hears from its upstream connection. */
export interface UpstreamListener {
  /**
   * Bytes from the tenant: a view into the connection's one read buffer,
   * which the next read overwrites. Whatever is kept past the call is copied.
   */
  onUpstreamData(chunk: Buffer): void;
  /**
   * True when views of the last bytes are still queued for the client: the
   * connection then reads nothing more until `flushed` is called.
   */
  holdsUpstreamBytes(flushed: () => void): boolean;
  /** The tenant closed its side (`end`) or the connection failed (`error`), before the exchange was done with it. */
  onUpstreamEnd(error: Error | undefined): void;
}

/**
 * Idle connections live a little shorter than Node's default `keepAliveTimeout`
 * (5 s), so the tenant rarely closes one just as a request goes out on it.
 */
const IDLE_MS = 4000;
/**
 * Answers are read into one buffer per connection (Node's `onread`), not a
 * new one per read: most answers pass through in one read and one write,
 * and the stream machinery and garbage of a buffer per read cost the front
 * door about a fifth of its time per request (measured with wrk).
 */
const READ_BUFFER_BYTES = 64 * 1024;
const MAX_IDLE_PER_PORT = 128;

export class UpstreamConnection {
  readonly socket: Socket;
  readonly port: number;
  /** True once it carried an exchange: a failure before any answer may then be the tenant closing an idle connection. */
  reused = false;
  listener: UpstreamListener | undefined;
  /** When it was released idle (`performance.now()`), or 0 while lent. */
  idleSince = 0;
  #pool: UpstreamPool;
  #ended = false;

  constructor(pool: UpstreamPool, port: number) {
    this.#pool = pool;
    this.port = port;
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const resume = () => this.socket.resume();
    this.socket = connect({
      port,
      host: '127.0.0.1',
      noDelay: true,
      onread: {
        buffer,
        callback: (length: number) => {
          const listener = this.listener;
          // Bytes from a tenant with no request out: it does not speak HTTP as asked.
          if (listener === undefined) {
            this.socket.destroy();
            return false;
          }
          listener.onUpstreamData(buffer.subarray(0, length));
          // The buffer is read into again only once the client has taken every view of it (the exchange may be over by now).
          return !listener.holdsUpstreamBytes(resume);
        },
      },
    });
    this.socket.on('end', () => this.#end(undefined));
    this.socket.on('error', (error) => this.#end(error));
    this.socket.on('close', () => this.#end(new Error('upstream connection closed')));
  }

  get usable(): boolean {
    return !this.#ended && !this.socket.destroyed;
  }

  #end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#pool.forget(this);
    const listener = this.listener;
    this.listener = undefined;
    listener?.onUpstreamEnd(error);
    this.socket.destroy();
  }
}

export class UpstreamPool {
  readonly #idle = new Map<number, UpstreamConnection[]>();
  #closed = false;

  /** A kept-alive connection to `port`, or a new one (always, when `fresh`); it reports to `listener` until released. */
  acquire(port: number, listener: UpstreamListener, fresh = false): UpstreamConnection {
    const idle = fresh ? undefined : this.#idle.get(port);
    let connection: UpstreamConnection | undefined;
    while (idle !== undefined && idle.length > 0) {
      const candidate = idle.pop() as UpstreamConnection;
      if (candidate.usable) {
        connection = candidate;
        break;
      }
    }
    if (connection === undefined) connection = new UpstreamConnection(this, port);
    connection.idleSince = 0;
    connection.listener = listener;
    return connection;
  }

  /** Takes back a connection whose exchange ended cleanly. */
  release(connection: UpstreamConnection): void {
    connection.listener = undefined;
    if (!connection.usable) return;
    let idle = this.#idle.get(connection.port);
    if (idle === undefined) this.#idle.set(connection.port, (idle = []));
    if (this.#closed || idle.length >= MAX_IDLE_PER_PORT) {
      connection.socket.destroy();
      return;
    }
    connection.reused = true;
    connection.idleSince = performance.now();
    idle.push(connection);
  }

  /** Drops a connection from the idle lists (it ended). */
  forget(connection: UpstreamConnection): void {
    const idle = this.#idle.get(connection.port);
    if (idle === undefined) return;
    const at = idle.indexOf(connection);
    if (at !== -1) idle.splice(at, 1);
    if (idle.length === 0) this.#idle.delete(connection.port);
  }

  /** Closes the connections idle for longer than they may be. */
  sweep(now: number): void {
    for (const idle of this.#idle.values()) {
      for (const connection of idle) if (now - connection.idleSince >= IDLE_MS) connection.socket.destroy();
    }
  }

  /** Closes every idle connection, and every later released one. */
  close(): void {
    this.#closed = true;
    for (const idle of this.#idle.values()) for (const connection of idle) connection.socket.destroy();
    this.#idle.clear();
  }
}
