import type { SendHandle } from 'node:child_process';
import type { Socket } from 'node:net';

/** What {@link readConnectionHead} takes. */
export interface ReadConnectionHeadOptions {
  /** True once the bytes read so far are enough to decide (for HTTP: they hold `\r\n\r\n`). */
  complete(bytes: Buffer): boolean;
  /** Stop reading past this many bytes, complete or not. */
  maxBytes: number;
}

/** What {@link readConnectionHead} read. */
export interface ConnectionHead {
  /** Every byte read from the socket, in order. */
  bytes: Buffer;
  /** False when the socket ended or failed, or `maxBytes` passed, before `complete` said so. */
  complete: boolean;
}

/** The part of a socket's libuv handle this module drives; Node keeps it on `socket._handle`. */
interface StreamHandle {
  reading: boolean;
  readStop(): number;
}

/**
 * What to send as the handle of a `connection` envelope: the socket's own
 * handle, not the socket. Node counts a sent socket as a connection of the
 * server that accepted it, held by the child, and that server's `close()`
 * then waits for the child to close it — and never calls back once every
 * such child has exited. A connection handed over is the child's alone.
 * `undefined` when the socket is already closed.
 */
export function connectionHandle(socket: Socket): SendHandle | undefined {
  return (handleOf(socket) ?? undefined) as SendHandle | undefined;
}

function handleOf(socket: Socket): StreamHandle | null {
  return (socket as unknown as { _handle: StreamHandle | null })._handle;
}

/**
 * Reads the first bytes of a connection (say, a request's head, to route it)
 * and then stops reading it at the handle, so the socket can be handed to a
 * child in a `connection` envelope with those bytes as `head`, and the child
 * reads exactly what follows. Pausing the stream is not enough: a paused
 * socket still reads ahead into its buffer, and those bytes would be lost to
 * the child. After this, the socket reads nothing until {@link resumeReading}.
 *
 * The caller owns the socket's errors once this resolves.
 */
export function readConnectionHead(socket: Socket, options: ReadConnectionHeadOptions): Promise<ConnectionHead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (complete: boolean) => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      const handle = handleOf(socket);
      if (handle !== null) {
        handle.readStop();
        // The stream starts the handle again whenever it wants data and sees it stopped; this keeps it off.
        handle.reading = true;
      }
      resolve({ bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length), complete });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (options.complete(chunks.length === 1 ? chunk : Buffer.concat(chunks, length))) finish(true);
      else if (length >= options.maxBytes) finish(false);
    };
    const onEnd = () => finish(false);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onEnd);
  });
}

/**
 * Lets a socket stopped by {@link readConnectionHead} read again (it is to be
 * served in this process after all): its stream starts the handle the next
 * time it flows.
 */
export function resumeReading(socket: Socket): void {
  const handle = handleOf(socket);
  if (handle !== null) handle.reading = false;
}
