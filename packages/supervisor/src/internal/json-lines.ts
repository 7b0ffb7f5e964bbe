// The control socket's framing: one JSON value a line, UTF-8.
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

/**
 * Calls `onValue` with each JSON line the socket receives; a line that is no
 * JSON, or an unfinished line past `maxLineBytes`, ends the connection (the
 * peer does not speak the protocol).
 */
export function readJsonLines(socket: Socket, onValue: (value: unknown) => void, { maxLineBytes = 4 * 2 ** 20 } = {}): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += decoder.write(chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      onValue(value);
      if (socket.destroyed) return;
    }
    if (pending.length > maxLineBytes) socket.destroy();
  });
}

/** Writes one value as a JSON line; false when the socket is gone. */
export function writeJsonLine(socket: Socket, value: unknown): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(`${JSON.stringify(value)}\n`);
  return true;
}
