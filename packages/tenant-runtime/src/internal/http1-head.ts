/**
 * Strict HTTP/1.1 message heads (RFC 9112), for the front door. A head is
 * either read exactly as the RFC writes it, or refused with the status a
 * careful server answers: what two parsers could read differently (bare LF,
 * obs-fold, whitespace before a colon, a coding that is not `chunked`, two
 * lengths) is never passed on. nginx's choices decide where the RFC lets a
 * server choose.
 */

/** Why a request head was refused, with the status to answer; the connection is closed after it. */
export class HeadError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** A request head as parsed, with what framing and routing need already picked out. */
export interface RequestHead {
  method: string;
  /** The request target in origin form (`/path?query`), or `*` for `OPTIONS *`. */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and later HTTP/1 minor versions). */
  minor: number;
  /** Name, value, name, value… as received (values trimmed of surrounding whitespace). */
  rawHeaders: string[];
  /** The authority that routes the request: the absolute-form target's, or `Host`; `undefined` without either. */
  host: string | undefined;
  /** The body's length, `-1` for chunked, 0 for none. */
  bodyLength: number;
  /** The client asked to close the connection after this exchange (or an HTTP/1.0 client did not ask to keep it). */
  close: boolean;
  /** The lower-cased header names the `Connection` header nominates, or `undefined`. */
  nominated: Set<string> | undefined;
  /** `Expect: 100-continue` was sent. */
  expectContinue: boolean;
}

/** A response head from a tenant. */
export interface ResponseHead {
  status: number;
  reason: string;
  minor: number;
  rawHeaders: string[];
  /** The body's length; `-1` chunked; `-2` until the connection closes. Set by {@link responseBodyLength}. */
  contentLength: number | undefined;
  chunked: boolean;
  /** The coding is not chunked: the body runs until the connection closes. */
  otherCoding: boolean;
  close: boolean;
  nominated: Set<string> | undefined;
}

const CR = 13;
const LF = 10;
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// field-value (RFC 9110 §5.5): VCHAR, obs-text, SP and HTAB; no other control character.
// eslint-disable-next-line no-control-regex -- control characters are exactly what these checks refuse
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/(\d)\.(\d)$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what these checks refuse
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;
// A host (reg-name, IPv4 or a bracketed IPv6 literal) and an optional port: nothing that could name a second authority.
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+;=%]+)(?::\d{0,5})?$/;
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)([^#]*)$/i;
const DIGITS = /^\d{1,15}$/;
/** Fields that frame or route a message. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'host']);
const FRAMING_LENGTHS = new Set([4, 14, 17]);

/**
 * Where a head ends in `bytes` from `start`: the index just past its blank
 * line, `0` when it is not complete yet. Throws a {@link HeadError} as soon
 * as the bytes hold a bare LF or CR (no well-formed head continues after one)
 * or the head outgrows `maxBytes`.
 */
export function headEnd(bytes: Buffer, start: number, maxBytes: number): number {
  // Empty lines before a request line do not end a head (RFC 9112 §2.2).
  let from = start;
  while (bytes[from] === CR && bytes[from + 1] === LF) from += 2;
  const end = bytes.indexOf('\r\n\r\n', from, 'latin1');
  const limit = end === -1 ? bytes.length : end + 4;
  if (limit - start > maxBytes) throw new HeadError(431, 'request header fields too large');
  // A bare CR or LF anywhere in the head: refused, never guessed at (RFC 9112 §2.2).
  for (let at = bytes.indexOf(LF, start); at !== -1 && at < limit; at = bytes.indexOf(LF, at + 1)) {
    if (at === start || bytes[at - 1] !== CR) throw new HeadError(400, 'bare LF in the head');
  }
  for (let at = bytes.indexOf(CR, start); at !== -1 && at < limit; at = bytes.indexOf(CR, at + 1)) {
    if (at + 1 < bytes.length && bytes[at + 1] !== LF) throw new HeadError(400, 'bare CR in the head');
  }
  return end === -1 ? 0 : end + 4;
}

/** Splits a head's field lines into `[name, value, …]`, refusing anything RFC 9112 §5 does not allow. */
function fieldLines(head: string, from: number, invalid: (message: string) => HeadError): string[] {
  const raw: string[] = [];
  let at = from;
  while (at < head.length) {
    let lineEnd = head.indexOf('\r\n', at);
    if (lineEnd === -1) lineEnd = head.length;
    const colon = head.indexOf(':', at);
    if (colon === -1 || colon >= lineEnd) throw invalid('a field line without a colon (or obs-fold)');
    const name = head.slice(at, colon);
    if (!TCHAR.test(name)) throw invalid(name === '' || /^[ \t]/.test(name) ? 'obs-fold or an empty field name' : 'whitespace or an invalid character in a field name');
    let from = colon + 1;
    let to = lineEnd;
    let code: number;
    while (from < to && ((code = head.charCodeAt(from)) === 32 || code === 9)) from++;
    while (to > from && ((code = head.charCodeAt(to - 1)) === 32 || code === 9)) to--;
    const value = head.slice(from, to);
    if (BAD_VALUE.test(value)) throw invalid(`a control character in field \`${name}\``);
    // A tab around a framing or routing value is legal OWS, but parsers have read `\tchunked` differently: refused, as nginx does.
    if (FRAMING_LENGTHS.has(name.length) && FRAMING.has(name.toLowerCase()) && head.slice(colon + 1, lineEnd).includes('\t')) {
      throw invalid(`a tab in field \`${name}\``);
    }
    raw.push(name, value);
    at = lineEnd + 2;
  }
  return raw;
}

/** The comma-separated, lower-cased tokens of a list field (`Connection`), or a refusal for anything but tokens. */
function tokens(value: string, invalid: (message: string) => HeadError): string[] {
  const list: string[] = [];
  for (const item of value.split(',')) {
    const token = item.replace(/^ +| +$/g, '').toLowerCase();
    if (token === '') continue;
    if (!TCHAR.test(token)) throw invalid(`\`${value}\` is not a list of tokens`);
    list.push(token);
  }
  return list;
}

/**
 * Parses the request head in `bytes` from `start` to `end` (as {@link headEnd}
 * found it). Throws a {@link HeadError} with the status to answer.
 */
export function parseRequestHead(bytes: Buffer, start: number, end: number): RequestHead {
  // Empty lines before a request line are ignored (RFC 9112 §2.2).
  while (bytes[start] === CR && bytes[start + 1] === LF && start + 2 < end) start += 2;
  const head = bytes.toString('latin1', start, end - 4);
  const bad = (message: string) => new HeadError(400, message);
  const lineEnd = head.indexOf('\r\n');
  const line = REQUEST_LINE.exec(lineEnd === -1 ? head : head.slice(0, lineEnd));
  if (line === null) throw bad('malformed request line');
  const [, method, rawTarget, major, minorText] = line as unknown as [string, string, string, string, string];
  if (major !== '1') throw new HeadError(505, `HTTP/${major}.${minorText} is not supported`);
  // A later HTTP/1 minor version is read as HTTP/1.1 (RFC 9110 §2.5).
  const minor = minorText === '0' ? 0 : 1;
  if (method === 'CONNECT') throw new HeadError(501, 'CONNECT is not supported');
  const rawHeaders = lineEnd === -1 ? [] : fieldLines(head, lineEnd + 2, bad);

  let hostHeader: string | undefined;
  let hosts = 0;
  let contentLength: string | undefined;
  let lengths = 0;
  let transferEncoding: string | undefined;
  let codings = 0;
  let nominated: Set<string> | undefined;
  let connectionClose = false;
  let connectionKeepAlive = false;
  let expectContinue = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    // Only a few names matter here: compare lengths before lower-casing.
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') {
          hosts++;
          hostHeader = rawHeaders[i + 1] as string;
        }
        break;
      case 6:
        if (name.toLowerCase() === 'expect') {
          const value = (rawHeaders[i + 1] as string).toLowerCase();
          if (value !== '100-continue') throw new HeadError(417, `Expect: ${value} is not supported`);
          expectContinue = true;
        }
        break;
      case 10:
        if (name.toLowerCase() === 'connection') {
          for (const token of tokens(rawHeaders[i + 1] as string, bad)) {
            if (FRAMING.has(token)) throw bad(`Connection names \`${token}\`, which frames or routes the message`);
            if (token === 'close') connectionClose = true;
            else if (token === 'keep-alive') connectionKeepAlive = true;
            (nominated ??= new Set()).add(token);
          }
        }
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') {
          lengths++;
          contentLength = rawHeaders[i + 1] as string;
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') {
          codings++;
          transferEncoding = rawHeaders[i + 1] as string;
        }
        break;
    }
  }

  if (hosts > 1) throw bad('more than one Host');
  if (hostHeader !== undefined && !AUTHORITY.test(hostHeader)) throw bad('Host is not one authority');
  if (minor === 1 && hosts === 0) throw bad('an HTTP/1.1 request without Host');
  let target = rawTarget;
  let host = hostHeader;
  if (rawTarget.charCodeAt(0) !== 47 /* / */) {
    const absolute = ABSOLUTE_FORM.exec(rawTarget);
    if (absolute !== null) {
      const authority = absolute[1] as string;
      if (!AUTHORITY.test(authority)) throw bad('the request target names no valid authority');
      // RFC 9112 §3.2.2 lets the target's authority override Host; two names for one request are refused instead.
      if (hostHeader !== undefined && hostHeader.toLowerCase() !== authority.toLowerCase()) throw bad('the request target and Host name different authorities');
      host = authority;
      const rest = absolute[2] as string;
      target = rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
      if (!target.startsWith('/')) throw bad('malformed request target');
    } else if (rawTarget !== '*' || method !== 'OPTIONS') {
      throw bad('malformed request target');
    }
  }

  let bodyLength = 0;
  if (codings > 0) {
    // RFC 9112 §6.1 and §6.3: only a final `chunked` frames a request; anything else cannot be delimited.
    if (minor === 0) throw bad('Transfer-Encoding in an HTTP/1.0 request');
    if (codings > 1) throw bad('more than one Transfer-Encoding');
    if (lengths > 0) throw bad('both Transfer-Encoding and Content-Length');
    const value = (transferEncoding as string).replace(/^ +| +$/g, '');
    if (value.toLowerCase() !== 'chunked') {
      const list = value.split(',').map((item) => item.replace(/^ +| +$/g, ''));
      const clean = list.every((item) => TCHAR.test(item));
      const last = list[list.length - 1]?.toLowerCase();
      const chunkedOnce = list.filter((item) => item.toLowerCase() === 'chunked').length === 1;
      if (clean && last === 'chunked' && chunkedOnce) throw new HeadError(501, `Transfer-Encoding \`${value}\` is not supported`);
      throw bad(`Transfer-Encoding \`${value}\` does not end in chunked`);
    }
    bodyLength = -1;
  } else if (lengths > 0) {
    if (lengths > 1) throw bad('more than one Content-Length');
    if (!DIGITS.test(contentLength as string)) throw bad(`Content-Length \`${contentLength}\` is not a length`);
    bodyLength = Number(contentLength);
  }

  return {
    method,
    target,
    minor,
    rawHeaders,
    host,
    bodyLength,
    close: connectionClose || (minor === 0 && !connectionKeepAlive),
    nominated,
    expectContinue,
  };
}

/**
 * Parses a tenant's response head (`bytes` from `start` to `end`). A tenant
 * is not trusted either: a head that two parsers could read differently
 * throws, and the front door answers 502 instead.
 */
export function parseResponseHead(bytes: Buffer, start: number, end: number): ResponseHead {
  const head = bytes.toString('latin1', start, end - 4);
  const bad = (message: string) => new HeadError(502, message);
  const lineEnd = head.indexOf('\r\n');
  const line = STATUS_LINE.exec(lineEnd === -1 ? head : head.slice(0, lineEnd));
  if (line === null) throw bad('malformed status line');
  const minor = Number(line[1]);
  const rawHeaders = lineEnd === -1 ? [] : fieldLines(head, lineEnd + 2, bad);
  let contentLength: number | undefined;
  let chunked = false;
  let otherCoding = false;
  let codings = 0;
  let nominated: Set<string> | undefined;
  let close = false;
  let keepAlive = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    switch (name.length) {
      case 10:
        if (name.toLowerCase() === 'connection') {
          for (const token of tokens(value, bad)) {
            if (token === 'close') close = true;
            else if (token === 'keep-alive') keepAlive = true;
            (nominated ??= new Set()).add(token);
          }
        }
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') {
          // Identical repeats are allowed by RFC 9110 §8.6; different ones are not.
          for (const item of value.split(',')) {
            const text = item.trim();
            if (!DIGITS.test(text)) throw bad(`Content-Length \`${value}\` is not a length`);
            const length = Number(text);
            if (contentLength !== undefined && contentLength !== length) throw bad('Content-Length values disagree');
            contentLength = length;
          }
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') {
          codings++;
          const list = tokens(value, bad);
          const last = list[list.length - 1];
          chunked = last === 'chunked';
          otherCoding = !chunked && list.length > 0;
        }
        break;
    }
  }
  if (codings > 1) throw bad('more than one Transfer-Encoding');
  return {
    status: Number(line[2]),
    reason: line[3] ?? '',
    minor,
    rawHeaders,
    contentLength,
    chunked,
    otherCoding,
    close: close || (minor === 0 && !keepAlive),
    nominated,
  };
}

/**
 * The response's body length by RFC 9112 §6.3: `0` for none, `-1` chunked,
 * `-2` until the tenant closes the connection, otherwise its length.
 */
export function responseBodyLength(response: ResponseHead, requestMethod: string): number {
  const { status } = response;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) return 0;
  if (response.chunked) return -1;
  if (response.otherCoding) return -2;
  if (response.contentLength !== undefined) return response.contentLength;
  return -2;
}
