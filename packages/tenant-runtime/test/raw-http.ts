/**
 * HTTP/1.1 on a raw socket, for tests that send bytes no HTTP client would:
 * a connection that records every byte answered and when it closed, and a
 * small parser of the responses in those bytes.
 */
import { connect, type Socket } from 'node:net';
import { waitFor } from './helpers.js';

/** One response read off a raw connection. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated ones joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

/** What the bytes read so far hold: whole responses (1xx interim ones left out), and whether the last one is whole. */
export interface ParsedResponses {
  responses: RawResponse[];
  /** Bytes after the last whole response (a response under way, or bytes that are not HTTP). */
  rest: Buffer;
}

const END_OF_HEAD = Buffer.from('\r\n\r\n');

/**
 * Parses the responses in `bytes`. `noBody(index)` says which responses
 * carry no body whatever their headers (answers to `HEAD`), by their index
 * among final responses. A response framed by neither `Content-Length` nor
 * chunked coding runs to the end of the connection: it is whole only once
 * `closed`.
 */
export function parseResponses(bytes: Buffer, closed: boolean, noBody: (index: number) => boolean = () => false): ParsedResponses {
  const responses: RawResponse[] = [];
  let offset = 0;
  for (;;) {
    const endOfHead = bytes.indexOf(END_OF_HEAD, offset);
    if (endOfHead === -1) break;
    const lines = bytes.toString('latin1', offset, endOfHead).split('\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (statusLine === null) break;
    const status = Number(statusLine[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const start = endOfHead + END_OF_HEAD.length;
    if (status >= 100 && status < 200) {
      offset = start;
      continue;
    }
    const body = status === 204 || status === 304 || noBody(responses.length) ? { text: '', end: start } : readBody(bytes, start, headers, closed);
    if (body === undefined) break;
    responses.push({ status, headers, body: body.text });
    offset = body.end;
  }
  return { responses, rest: bytes.subarray(offset) };
}

function readBody(bytes: Buffer, start: number, headers: Record<string, string>, closed: boolean): { text: string; end: number } | undefined {
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    let offset = start;
    const parts: Buffer[] = [];
    for (;;) {
      const endOfLine = bytes.indexOf('\r\n', offset);
      if (endOfLine === -1) return undefined;
      const size = Number.parseInt(bytes.toString('latin1', offset, endOfLine).split(';')[0] ?? '', 16);
      if (Number.isNaN(size)) return undefined;
      if (size === 0) {
        // Trailer fields, then the empty line.
        let line = endOfLine + 2;
        for (;;) {
          const next = bytes.indexOf('\r\n', line);
          if (next === -1) return undefined;
          if (next === line) return { text: Buffer.concat(parts).toString('latin1'), end: next + 2 };
          line = next + 2;
        }
      }
      const data = endOfLine + 2;
      if (bytes.length < data + size + 2) return undefined;
      parts.push(bytes.subarray(data, data + size));
      offset = data + size + 2;
    }
  }
  const length = headers['content-length'];
  if (length !== undefined) {
    const end = start + Number(length);
    return bytes.length < end ? undefined : { text: bytes.toString('latin1', start, end), end };
  }
  return closed ? { text: bytes.toString('latin1', start), end: bytes.length } : undefined;
}

/** A client connection on 127.0.0.1 that keeps every byte it reads. */
export class RawConnection {
  readonly socket: Socket;
  private readonly chunks: Buffer[] = [];
  /** True once the peer closed (or reset) the connection. */
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    // A reset after a refusal is a close too (the peer may close before it read all we sent).
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  /** The client's own port: what a tenant sees as `remotePort` when the connection was handed to it. */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  write(bytes: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  parse(noBody?: (index: number) => boolean): ParsedResponses {
    return parseResponses(this.bytes, this.closed, noBody);
  }

  /** Waits (at most `deadlineMs`) until `count` whole responses were read and, if `untilClosed`, the connection closed; returns what was read. */
  async responses(count: number, { untilClosed = false, deadlineMs = 5000, noBody }: { untilClosed?: boolean; deadlineMs?: number; noBody?: (index: number) => boolean } = {}): Promise<ParsedResponses> {
    await waitFor(() => this.parse(noBody).responses.length >= count && (!untilClosed || this.closed), deadlineMs);
    return this.parse(noBody);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Byte strings for requests: `head('GET / HTTP/1.1', 'Host: a')` is the head with CRLF line ends and the empty line. */
export function head(...lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** `data` in one chunk, then the last chunk: a whole chunked body. */
export function chunked(data: string): string {
  return `${data.length.toString(16)}\r\n${data}\r\n0\r\n\r\n`;
}
