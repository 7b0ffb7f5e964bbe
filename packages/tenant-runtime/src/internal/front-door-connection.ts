/**
 * One client connection of the front door: its requests are read one at a
 * time with the strict parser (`http1-head.ts`), routed, and forwarded to the
 * tenant on a kept-alive upstream connection with framing the front door
 * writes itself; the answer is read with the same care and relayed. Nothing
 * the client sends reaches a tenant except the requests parsed here, each
 * framed so that the tenant reads the same request.
 */
import type { Socket } from 'node:net';
import { ChunkedDecoder, FramingError } from './chunked-decoder.js';
import { isForwardingField } from './forwarding-field.js';
import { headEnd, HeadError, parseRequestHead, parseResponseHead, responseBodyLength, type RequestHead, type ResponseHead } from './http1-head.js';
import type { UpstreamConnection, UpstreamListener, UpstreamPool } from './upstream-pool.js';

/** A routed request: the tenant key and the path to forward. */
export interface Route {
  key: string;
  path: string;
}

/** What a running tenant the front door forwards to looks like. */
export interface ForwardTarget {
  key: string;
  port: number;
}

/** What every connection of one front door shares. */
export interface FrontDoor {
  readonly upstreams: UpstreamPool;
  readonly maxHeaderSize: number;
  /** Between requests on a kept-alive connection. */
  keepAliveTimeoutMs(): number;
  /** To receive a whole head once it started. */
  headersTimeoutMs(): number;
  /** False once the server stopped listening: connections close after their current exchange. */
  accepting(): boolean;
  /** Routes a parsed request; `undefined` for a request no tenant takes; throws when routing failed. */
  route(head: RequestHead, socket: Socket): Route | undefined;
  /** The tenant for `key`, started if needed; rejects with the runtime's error. */
  ensure(key: string): Promise<ForwardTarget>;
  /** After a request found its tenant's port dead: the tenant's successor, once the runtime saw the exit. */
  successor(target: ForwardTarget): Promise<ForwardTarget>;
  touch(key: string): void;
  /** The status and message for a runtime error (404, 503 with Retry-After, 502, 504, 500). */
  refusal(error: unknown): { status: number; message: string; retryAfter?: number | undefined; report: boolean };
  /** Serves the rest of the connection elsewhere (a request no tenant takes, answered by the user's `fallback`). */
  fallback: ((socket: Socket, bytes: Buffer) => void) | undefined;
  /** The request headers the tenant gets, after the request's own: `X-Forwarded-*`. */
  forwardedHeaders(head: RequestHead, socket: Socket, trusted: boolean): string;
  trusted(socket: Socket): boolean;
  report(error: unknown, head: RequestHead | undefined, socket: Socket): void;
}

// Connection-level fields (RFC 9110 §7.6.1): each side's own, never forwarded. Framing is written anew.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
]);
/** Their lengths: most names are not one of them, and need no lower-casing to tell. */
const HOP_BY_HOP_LENGTHS = new Set([...HOP_BY_HOP].map((name) => name.length));

/** True for a field the front door never forwards as it came: hop-by-hop, named by `Connection`, or a forwarding field it writes itself. */
function dropped(name: string, nominated: Set<string> | undefined, forwarding: 'all' | 'for' | 'none'): boolean {
  const first = name.charCodeAt(0) | 0x20;
  const hop = HOP_BY_HOP_LENGTHS.has(name.length);
  // x-forwarded-*, x-real-ip, forwarded
  const forward = forwarding !== 'none' && (first === 120 || first === 102);
  if (!hop && !forward && nominated === undefined) return false;
  const lower = name.toLowerCase();
  if ((hop && HOP_BY_HOP.has(lower)) || nominated?.has(lower) === true) return true;
  if (!forward) return false;
  return forwarding === 'all' ? isForwardingField(lower) : lower === 'x-forwarded-for';
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/** A response head larger than this from a tenant is refused (502). */
const MAX_RESPONSE_HEAD = 64 * 1024;
/** How many bytes past the current request are read before the client is paused. */
const MAX_AHEAD = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
const EMPTY = Buffer.alloc(0);

/** Writes `data` as one chunk of the chunked coding, in one system call; false when `socket` wants a drain. */
function writeChunk(socket: Socket, data: Buffer): boolean {
  socket.cork();
  socket.write(data.length.toString(16), 'latin1');
  socket.write(CRLF);
  socket.write(data);
  const writable = socket.write(CRLF);
  socket.uncork();
  return writable;
}

const enum Phase {
  /** Waiting for (the rest of) a request head. */
  Head,
  /** A head was read; its tenant is being found. */
  Routing,
  /** Forwarding the request's body. */
  Body,
  /** The request was sent whole; waiting for the end of the answer. */
  Answer,
  /** Handed elsewhere or closed: this object does nothing more. */
  Gone,
}

/** A connection the front door serves, as its server sees it when closing. */
export interface ServedConnection {
  /** Ends the connection if no request is under way on it; otherwise it ends after the current answer. */
  closeIfIdle(): void;
  /** Ends the connection if it waited longer than `keepAliveTimeout` for a request, or `headersTimeout` for the rest of a head. */
  expire(now: number): void;
  destroy(): void;
}

/**
 * Serves `socket` as a front-door connection, starting with `initial` bytes
 * already read from it; `refusal` answers its first request when the
 * runtime already refused that request's tenant (so it is not asked twice).
 */
export function serveConnection(door: FrontDoor, socket: Socket, initial: Buffer = EMPTY, refusal?: { error: unknown }): ServedConnection {
  const connection = new FrontDoorConnection(door, socket, initial, refusal);
  connection.start();
  return connection;
}

class FrontDoorConnection implements UpstreamListener {
  readonly #door: FrontDoor;
  readonly #socket: Socket;
  readonly #trusted: boolean;
  #phase = Phase.Head;
  /** Bytes read from the client and not consumed yet. */
  #pending: Buffer;
  #clientEnded = false;
  /** While waiting for a head: since when (`performance.now()`), and for how long at most (0: no bound). */
  #waitFrom = 0;
  #waitLimitMs = 0;
  /** The runtime's answer for the first request's tenant, when it was asked already. */
  #firstRefusal: { error: unknown } | undefined;

  // The exchange in progress.
  #head: RequestHead | undefined;
  #target: ForwardTarget | undefined;
  #path = '/';
  #upstream: UpstreamConnection | undefined;
  #bodyLeft = 0;
  #chunks: ChunkedDecoder | undefined;
  #retried = false;
  /** The request's own bytes, kept while a request without a body may still be sent again. */
  #requestHead = '';
  #closeAfter = false;

  // The answer in progress.
  #answerBuffer: Buffer = EMPTY;
  #answer: ResponseHead | undefined;
  #answerStarted = false;
  #answerLeft = 0;
  /** The answer's body length as `responseBodyLength` gives it. */
  #answerLength = 0;
  /** The upstream connection cannot carry another exchange after this one. */
  #closeUpstream = false;
  #answerChunks: ChunkedDecoder | undefined;
  /** How the answer's body goes to the client: as is, re-chunked, or until the connection closes. */
  #answerMode: 'length' | 'chunked' | 'close' = 'length';

  constructor(door: FrontDoor, socket: Socket, initial: Buffer, refusal: { error: unknown } | undefined) {
    this.#door = door;
    this.#firstRefusal = refusal;
    this.#socket = socket;
    this.#pending = initial;
    this.#trusted = door.trusted(socket);
  }

  start(): void {
    const socket = this.#socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onClientData(chunk));
    socket.on('end', () => this.#onClientEnd());
    socket.on('error', () => this.#abort());
    socket.on('close', () => this.#abort());
    socket.on('drain', () => this.#upstream?.socket.resume());
    socket.resume();
    this.#readHead();
  }

  // ─── the client side ───────────────────────────────────────────────────────

  #onClientData(chunk: Buffer): void {
    if (this.#phase === Phase.Gone) return;
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    if (this.#phase === Phase.Head) this.#readHead();
    else if (this.#phase === Phase.Body) this.#forwardBody();
    else if (this.#pending.length > MAX_AHEAD) this.#socket.pause();
  }

  #onClientEnd(): void {
    this.#clientEnded = true;
    if (this.#phase === Phase.Gone) return;
    if (this.#phase === Phase.Head) {
      if (this.#pending.length > 0) this.#refuse(400, 'the request ended before its head did');
      else this.#socket.end();
    } else if (this.#phase === Phase.Body) {
      // A request cut short never reaches the tenant as a whole one.
      this.#dropUpstream();
      this.#refuse(400, 'the request ended before its body did');
    } else {
      // The client sent all it will: answer, then close.
      this.#closeAfter = true;
    }
  }

  #readHead(): void {
    const pending = this.#pending;
    if (pending.length === 0) {
      this.#waitFrom = performance.now();
      this.#waitLimitMs = this.#door.keepAliveTimeoutMs();
      return;
    }
    let end: number;
    let head: RequestHead;
    try {
      end = headEnd(pending, 0, this.#door.maxHeaderSize);
      if (end === 0) {
        // The head's clock runs from its first byte.
        if (this.#waitLimitMs !== this.#door.headersTimeoutMs() || this.#waitFrom === 0) {
          this.#waitFrom = performance.now();
          this.#waitLimitMs = this.#door.headersTimeoutMs();
        }
        return;
      }
      head = parseRequestHead(pending, 0, end);
    } catch (error) {
      if (error instanceof HeadError) this.#refuse(error.status, error.message);
      else throw error;
      return;
    }
    this.#waitLimitMs = 0;
    this.#waitFrom = 0;
    this.#head = head;
    this.#closeAfter = head.close || this.#clientEnded || !this.#door.accepting();
    let route: Route | undefined;
    try {
      route = this.#door.route(head, this.#socket);
    } catch (error) {
      this.#door.report(error, head, this.#socket);
      this.#pending = pending.subarray(end);
      this.#answerRefusal(500, 'could not route the request', head);
      return;
    }
    if (route === undefined) {
      if (this.#door.fallback !== undefined) {
        // Everything from this request on is served by the user's fallback.
        this.#phase = Phase.Gone;
        this.#socket.removeAllListeners('data');
        this.#socket.removeAllListeners('end');
        this.#socket.removeAllListeners('timeout');
        this.#socket.removeAllListeners('drain');
        this.#door.fallback(this.#socket, pending);
        return;
      }
      this.#pending = pending.subarray(end);
      this.#answerRefusal(404, 'no such tenant', head);
      return;
    }
    this.#pending = pending.subarray(end);
    this.#path = route.path;
    this.#phase = Phase.Routing;
    const refused = this.#firstRefusal;
    this.#firstRefusal = undefined;
    (refused === undefined ? this.#door.ensure(route.key) : Promise.reject(refused.error)).then(
      (target) => this.#forward(target),
      (error: unknown) => {
        const refusal = this.#door.refusal(error);
        if (refusal.report) this.#door.report(error, head, this.#socket);
        this.#answerRefusal(refusal.status, refusal.message, head, refusal.retryAfter);
      },
    );
  }

  /** Answers a request the front door itself refuses, whose head was read: the body is skipped (or the connection closed). */
  #answerRefusal(status: number, message: string, head: RequestHead, retryAfter?: number): void {
    if (this.#phase === Phase.Gone) return;
    // A body that was not read leaves the connection's framing unknown: close after the answer.
    if (head.bodyLength !== 0) this.#closeAfter = true;
    this.#writeStatus(status, message, retryAfter);
    this.#finishExchange();
  }

  /** Refuses what cannot be read as a request: answered, then the connection is closed. */
  #refuse(status: number, message: string): void {
    if (this.#phase === Phase.Gone) return;
    this.#closeAfter = true;
    this.#dropUpstream();
    if (!this.#answerStarted) this.#writeStatus(status, message);
    this.#close();
  }

  #writeStatus(status: number, message: string, retryAfter?: number): void {
    const body = `${status} ${message}\n`;
    let head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body, 'latin1')}\r\n`;
    if (retryAfter !== undefined) head += `retry-after: ${retryAfter}\r\n`;
    head += this.#closeAfter ? 'connection: close\r\n' : this.#head?.minor === 0 ? 'connection: keep-alive\r\n' : '';
    this.#answerStarted = true;
    this.#socket.write(`${head}\r\n${this.#head?.method === 'HEAD' ? '' : body}`, 'latin1');
  }

  // ─── forwarding the request ────────────────────────────────────────────────

  #forward(target: ForwardTarget, fresh = false): void {
    if (this.#phase !== Phase.Routing) return;
    const head = this.#head as RequestHead;
    this.#target = target;
    const upstream = this.#door.upstreams.acquire(target.port, this, fresh);
    this.#upstream = upstream;
    if (this.#requestHead === '') this.#requestHead = this.#requestHeadFor(head);
    upstream.socket.write(this.#requestHead, 'latin1');
    if (head.bodyLength === 0) {
      this.#phase = Phase.Answer;
      return;
    }
    this.#phase = Phase.Body;
    if (head.bodyLength > 0) this.#bodyLeft = head.bodyLength;
    else this.#chunks = new ChunkedDecoder();
    this.#forwardBody();
  }

  #requestHeadFor(head: RequestHead): string {
    const door = this.#door;
    const raw = head.rawHeaders;
    let text = `${head.method} ${this.#path} HTTP/1.1\r\n`;
    let sawHost = false;
    // A trusted peer's X-Forwarded-For is folded into the one the front door writes; an untrusted peer's forwarding fields are dropped.
    const forwarding = this.#trusted ? 'for' : 'all';
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      if (dropped(name, head.nominated, forwarding)) continue;
      if (name.length === 4 && name.toLowerCase() === 'host') sawHost = true;
      text += `${name}: ${raw[i + 1] as string}\r\n`;
    }
    // An HTTP/1.0 request without Host (RFC 9112 §3.2: empty when there is no authority), or an absolute-form one.
    if (!sawHost) text += `Host: ${head.host ?? ''}\r\n`;
    text += door.forwardedHeaders(head, this.#socket, this.#trusted);
    if (head.bodyLength > 0) text += `Content-Length: ${head.bodyLength}\r\n`;
    else if (head.bodyLength === -1) text += 'Transfer-Encoding: chunked\r\n';
    return `${text}\r\n`;
  }

  #forwardBody(): void {
    const upstream = this.#upstream as UpstreamConnection;
    const out = upstream.socket;
    const pending = this.#pending;
    let writable = true;
    if (this.#chunks === undefined) {
      const take = Math.min(this.#bodyLeft, pending.length);
      if (take > 0) {
        writable = out.write(pending.subarray(0, take));
        this.#pending = pending.subarray(take);
        this.#bodyLeft -= take;
      }
      if (this.#bodyLeft === 0) this.#phase = Phase.Answer;
    } else {
      const chunks = this.#chunks;
      let used: number;
      try {
        used = chunks.push(pending, 0, (data) => {
          if (data.length > 0) writable = writeChunk(out, data);
        });
      } catch (error) {
        if (!(error instanceof FramingError)) throw error;
        // The tenant sees a request cut short, never the rest as a request of its own.
        this.#dropUpstream();
        this.#refuse(400, `malformed chunked body: ${error.message}`);
        return;
      }
      this.#pending = pending.subarray(used);
      if (chunks.done) {
        writable = out.write(LAST_CHUNK);
        this.#chunks = undefined;
        this.#phase = Phase.Answer;
      }
    }
    if (this.#phase === Phase.Answer) {
      if (this.#pending.length > MAX_AHEAD) this.#socket.pause();
    } else if (this.#clientEnded) {
      // The client ended its side before the body did (it half-closed while its tenant was found).
      this.#dropUpstream();
      this.#refuse(400, 'the request ended before its body did');
    } else if (!writable) {
      this.#socket.pause();
      out.once('drain', () => {
        if (this.#phase === Phase.Body) this.#socket.resume();
      });
    }
  }

  // ─── the answer ────────────────────────────────────────────────────────────

  holdsUpstreamBytes(flushed: () => void): boolean {
    const socket = this.#socket;
    if (socket.writableLength === 0 || socket.destroyed) return false;
    // Called once everything written before it has gone out (or failed, when the client went away).
    socket.write(EMPTY, flushed);
    return true;
  }

  onUpstreamData(chunk: Buffer): void {
    if (this.#answer === undefined) {
      this.#answerBuffer = this.#answerBuffer.length === 0 ? chunk : Buffer.concat([this.#answerBuffer, chunk]);
      this.#readAnswerHead();
    } else {
      this.#relayAnswer(chunk);
    }
  }

  #readAnswerHead(): void {
    const bytes = this.#answerBuffer;
    const head = this.#head as RequestHead;
    let end: number;
    let answer: ResponseHead;
    try {
      end = headEnd(bytes, 0, MAX_RESPONSE_HEAD);
      if (end === 0) {
        // Kept for the next read, which reuses the connection's read buffer: copied.
        this.#answerBuffer = Buffer.from(bytes);
        return;
      }
      answer = parseResponseHead(bytes, 0, end);
    } catch (error) {
      this.#badGateway(error);
      return;
    }
    this.#answerBuffer = EMPTY;
    const rest = bytes.subarray(end);
    if (answer.status < 200) {
      // 101 is never asked for (Upgrade is not forwarded); other interim answers go to HTTP/1.1 clients only.
      if (answer.status === 101) return this.#badGateway(new Error('the tenant switched protocols unasked'));
      if (head.minor === 1) this.#socket.write(`HTTP/1.1 ${answer.status} ${answer.reason}\r\n${this.#headerLines(answer)}\r\n`, 'latin1');
      if (rest.length > 0) this.onUpstreamData(rest);
      return;
    }
    this.#answer = answer;
    const length = responseBodyLength(answer, head.method);
    this.#answerLength = length;
    if (answer.close || length === -2) this.#closeUpstream = true;
    let framing: string;
    if (length >= 0) {
      this.#answerMode = 'length';
      this.#answerLeft = length;
      framing = answer.contentLength !== undefined ? `content-length: ${answer.contentLength}\r\n` : '';
      if (length === 0 && answer.chunked && head.method === 'HEAD') framing = 'transfer-encoding: chunked\r\n';
    } else if (head.minor === 1) {
      this.#answerMode = 'chunked';
      framing = 'transfer-encoding: chunked\r\n';
    } else {
      // An HTTP/1.0 client reads this body until the connection closes.
      this.#answerMode = 'close';
      this.#closeAfter = true;
      framing = '';
    }
    if (length === -1) this.#answerChunks = new ChunkedDecoder();
    if (!this.#door.accepting()) this.#closeAfter = true;
    const connection = this.#closeAfter ? 'connection: close\r\n' : head.minor === 0 ? 'connection: keep-alive\r\n' : '';
    this.#answerStarted = true;
    this.#socket.cork();
    this.#socket.write(`HTTP/1.1 ${answer.status} ${answer.reason}\r\n${this.#headerLines(answer)}${framing}${connection}\r\n`, 'latin1');
    if (length === 0) {
      this.#socket.uncork();
      if (rest.length > 0) this.#closeUpstream = true;
      this.#answerDone();
      return;
    }
    if (rest.length > 0) this.#relayAnswer(rest);
    this.#socket.uncork();
  }

  #headerLines(answer: ResponseHead): string {
    const raw = answer.rawHeaders;
    let text = '';
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      if (dropped(name, answer.nominated, 'none')) continue;
      text += `${name}: ${raw[i + 1] as string}\r\n`;
    }
    return text;
  }

  #relayAnswer(chunk: Buffer): void {
    const client = this.#socket;
    let writable = true;
    if (this.#answerChunks !== undefined) {
      const chunks = this.#answerChunks;
      let used: number;
      try {
        used = chunks.push(chunk, 0, (data) => {
          if (data.length === 0) return;
          writable = this.#answerMode === 'chunked' ? writeChunk(client, data) : client.write(data);
        });
      } catch (error) {
        // A tenant's broken framing breaks this answer, visibly.
        this.#door.report(error, this.#head, client);
        this.#dropUpstream();
        client.destroy();
        return;
      }
      if (chunks.done) {
        if (used < chunk.length) this.#closeUpstream = true;
        if (this.#answerMode === 'chunked') client.write(LAST_CHUNK);
        this.#answerDone();
        return;
      }
    } else if (this.#answerLength >= 0) {
      const take = Math.min(this.#answerLeft, chunk.length);
      writable = client.write(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.#answerLeft -= take;
      if (this.#answerLeft === 0) {
        if (take < chunk.length) this.#closeUpstream = true;
        this.#answerDone();
        return;
      }
    } else if (this.#answerMode === 'chunked') {
      // A body that runs until the tenant closes, framed for an HTTP/1.1 client.
      writable = writeChunk(client, chunk);
    } else {
      writable = client.write(chunk);
    }
    if (!writable) this.#upstream?.socket.pause();
  }

  onUpstreamEnd(error: Error | undefined): void {
    const upstream = this.#upstream;
    this.#upstream = undefined;
    if (this.#phase === Phase.Gone || upstream === undefined) return;
    if (this.#answer !== undefined && this.#answerLength === -2 && error === undefined) {
      // The end of a body delimited by the connection's close.
      if (this.#answerMode === 'chunked') this.#socket.write(LAST_CHUNK);
      else this.#closeAfter = true;
      this.#answerDone();
      return;
    }
    if (this.#answerStarted) {
      // The tenant died mid-answer: the client must see a broken response, not a short one.
      this.#door.report(error ?? new Error('the tenant closed the connection mid-answer'), this.#head, this.#socket);
      this.#close(true);
      return;
    }
    const head = this.#head as RequestHead;
    const target = this.#target as ForwardTarget;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    // Nothing of the answer came: a request without a body, sent on a kept-alive connection the tenant had
    // closed, or to a port nobody listens on any more (the tenant died), is sent again, once.
    if (!this.#retried && head.bodyLength === 0 && this.#answerBuffer.length === 0) {
      this.#retried = true;
      if (code === 'ECONNREFUSED') {
        this.#phase = Phase.Routing;
        this.#door.successor(target).then(
          (next) => (next.port === target.port ? this.#badGateway(error) : this.#forward(next)),
          (startError: unknown) => {
            const refusal = this.#door.refusal(startError);
            if (refusal.report) this.#door.report(startError, head, this.#socket);
            this.#answerRefusal(refusal.status, refusal.message, head, refusal.retryAfter);
          },
        );
        return;
      }
      if (upstream.reused) {
        this.#phase = Phase.Routing;
        this.#forward(target, true);
        return;
      }
    }
    this.#badGateway(error);
  }

  #badGateway(error: unknown): void {
    const head = this.#head as RequestHead;
    this.#door.report(error, head, this.#socket);
    this.#dropUpstream();
    if (this.#answerStarted) {
      this.#close(true);
      return;
    }
    // The request's body may be half-sent: the connection's framing is unknown past it.
    if (this.#phase === Phase.Body) this.#closeAfter = true;
    this.#phase = Phase.Answer;
    this.#writeStatus(502, `tenant "${this.#target?.key ?? ''}" failed to answer`);
    this.#finishExchange();
  }

  #answerDone(): void {
    const upstream = this.#upstream;
    this.#upstream = undefined;
    if (upstream !== undefined) {
      // Reused only when the whole request went out and nothing but the answer came back.
      if (this.#closeUpstream || this.#phase !== Phase.Answer) upstream.socket.destroy();
      else this.#door.upstreams.release(upstream);
    }
    if (this.#target !== undefined) this.#door.touch(this.#target.key);
    // The answer came before the request's body was read whole: the next request's start is unknown.
    if (this.#phase === Phase.Body) this.#closeAfter = true;
    this.#finishExchange();
  }

  /** The exchange is answered: the next request, or the connection's end. */
  #finishExchange(): void {
    this.#head = undefined;
    this.#target = undefined;
    this.#answer = undefined;
    this.#answerStarted = false;
    this.#answerChunks = undefined;
    this.#answerBuffer = EMPTY;
    this.#chunks = undefined;
    this.#requestHead = '';
    this.#retried = false;
    this.#closeUpstream = false;
    this.#answerMode = 'length';
    this.#answerLength = 0;
    if (this.#closeAfter) {
      this.#close();
      return;
    }
    this.#phase = Phase.Head;
    if (this.#socket.isPaused()) this.#socket.resume();
    this.#readHead();
  }

  // ─── ends ──────────────────────────────────────────────────────────────────

  #dropUpstream(): void {
    const upstream = this.#upstream;
    this.#upstream = undefined;
    if (upstream !== undefined) {
      upstream.listener = undefined;
      upstream.socket.destroy();
    }
  }

  /** Ends the connection once what was written is sent (or at once, `broken`). */
  #close(broken = false): void {
    this.#phase = Phase.Gone;
    this.#dropUpstream();
    this.#pending = EMPTY;
    if (broken) this.#socket.destroy();
    else this.#socket.end();
  }

  /** The client went away. */
  #abort(): void {
    if (this.#phase === Phase.Gone) return;
    this.#phase = Phase.Gone;
    this.#dropUpstream();
    this.#socket.destroy();
  }

  expire(now: number): void {
    if (this.#phase === Phase.Head && this.#waitLimitMs > 0 && now - this.#waitFrom >= this.#waitLimitMs) this.#abort();
  }

  closeIfIdle(): void {
    if (this.#phase === Phase.Head && this.#pending.length === 0) this.#close();
    else this.#closeAfter = true;
  }

  destroy(): void {
    this.#abort();
  }
}
