// The front door's strict HTTP/1.1 reader, alone: RFC 9112's grammar and the cases where it asks a
// server to refuse (§2.2 bare CR, §3.2 Host, §5.1 whitespace before a colon, §5.2 obs-fold, §6.1 and §6.3
// framing, §7.1 chunked), each with the status the front door answers. End to end, with tenants and
// raw sockets, the same rules are exercised by smuggling.test.ts.
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder, FramingError } from '../src/internal/chunked-decoder.js';
import { headEnd, HeadError, parseRequestHead, parseResponseHead, responseBodyLength } from '../src/internal/http1-head.js';
import { forwardedFields, resolveTrustProxy } from '../src/internal/forwarding.js';

function parse(text: string) {
  const bytes = Buffer.from(text, 'latin1');
  const end = headEnd(bytes, 0, 16 * 1024);
  if (end === 0) throw new Error('incomplete head');
  return parseRequestHead(bytes, 0, end);
}

function statusOf(text: string): number {
  try {
    parse(text);
    return 200;
  } catch (error) {
    if (error instanceof HeadError) return error.status;
    throw error;
  }
}

describe('request heads', () => {
  it('reads a plain request, its framing and its routing', () => {
    const head = parse('POST /a?b=1 HTTP/1.1\r\nHost: Alpha.localhost:8080\r\nContent-Length: 5\r\nX-Thing:  v  \r\n\r\n');
    expect(head).toMatchObject({ method: 'POST', target: '/a?b=1', minor: 1, host: 'Alpha.localhost:8080', bodyLength: 5, close: false });
    expect(head.rawHeaders).toEqual(['Host', 'Alpha.localhost:8080', 'Content-Length', '5', 'X-Thing', 'v']);
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n').bodyLength).toBe(-1);
    expect(parse('GET / HTTP/1.0\r\n\r\n')).toMatchObject({ minor: 0, host: undefined, close: true });
    expect(parse('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').close).toBe(false);
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X-Mine\r\n\r\n')).toMatchObject({ close: true, nominated: new Set(['close', 'x-mine']) });
    // Empty lines before the request line are ignored (RFC 9112 §2.2).
    expect(parse('\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n').method).toBe('GET');
    expect(parse('OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n').target).toBe('*');
    // A later HTTP/1 minor version is read as HTTP/1.1 (RFC 9110 §2.5).
    expect(parse('GET / HTTP/1.2\r\nHost: a\r\n\r\n').minor).toBe(1);
  });

  it('routes an absolute-form target by its authority and forwards its origin form', () => {
    expect(parse('GET http://alpha.localhost/x?y HTTP/1.1\r\nHost: ALPHA.localhost\r\n\r\n')).toMatchObject({ host: 'alpha.localhost', target: '/x?y' });
    expect(parse('GET http://alpha.localhost HTTP/1.0\r\n\r\n')).toMatchObject({ host: 'alpha.localhost', target: '/' });
    expect(statusOf('GET http://alpha.localhost/x HTTP/1.1\r\nHost: beta.localhost\r\n\r\n')).toBe(400);
    expect(statusOf('GET http://user@alpha.localhost/x HTTP/1.1\r\nHost: alpha.localhost\r\n\r\n')).toBe(400);
  });

  // [case, status]: each a way two parsers could read one head differently, refused.
  const refused: [string, string, number][] = [
    ['bare LF ending the request line', 'GET / HTTP/1.1\nHost: a\r\n\r\n', 400],
    ['bare LF ending a field line', 'GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n', 400],
    ['bare CR inside a field', 'GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n', 400],
    ['whitespace between a field name and its colon (§5.1)', 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n', 400],
    ['obs-fold (§5.2)', 'GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n', 400],
    ['a field line starting with a space', 'GET / HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: a\r\n\r\n', 400],
    ['NUL in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n', 400],
    ['a tab before chunked', 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n', 400],
    ['a tab after a length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\t\r\n\r\n', 400],
    ['vertical tab before chunked', 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0bchunked\r\n\r\n', 400],
    ['no Host in HTTP/1.1 (§3.2)', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['a Host list', 'GET / HTTP/1.1\r\nHost: a, b\r\n\r\n', 400],
    ['a Host with a path', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 400],
    ['HTTP/2.0 on an HTTP/1 connection', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
    ['a lower-case version', 'GET / http/1.1\r\nHost: a\r\n\r\n', 400],
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['CONNECT', 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', 501],
    ['an expectation other than 100-continue', 'GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n', 417],
    ['Transfer-Encoding and Content-Length (§6.1)', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['Transfer-Encoding in HTTP/1.0 (§6.1)', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['two Transfer-Encoding fields', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n', 400],
    ['xchunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n', 400],
    ['chunked, identity (§6.3: chunked not final)', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n', 400],
    ['chunked twice', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', 400],
    ['a tab inside the coding list', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip,\tchunked\r\n\r\n', 400],
    ['a coding the front door cannot decode', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
    ['two Content-Length fields, equal', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n', 400],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 4\r\n\r\n', 400],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\n', 400],
    ['a hex Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x4\r\n\r\n', 400],
    ['a Content-Length past 15 digits', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000000\r\n\r\n', 400],
    ['Connection naming Content-Length', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close, content-length\r\nContent-Length: 4\r\n\r\n', 400],
    ['Connection naming Transfer-Encoding', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Transfer-Encoding\r\n\r\n', 400],
    ['Connection naming Host', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: host\r\n\r\n', 400],
  ];
  it.each(refused)('refuses %s', (_name, text, status) => {
    expect(statusOf(text)).toBe(status);
  });

  it('refuses a bare LF before the head is complete, so a client gets its answer at once', () => {
    expect(() => headEnd(Buffer.from('GET / HTTP/1.1\nHost: a\n\n'), 0, 1024)).toThrow(HeadError);
    expect(headEnd(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n'), 0, 1024)).toBe(0);
  });

  it('answers 431 for a head larger than the limit', () => {
    const big = Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\nX: ${'y'.repeat(2000)}\r\n\r\n`);
    expect(() => headEnd(big, 0, 1024)).toThrow(expect.objectContaining({ status: 431 }));
  });
});

describe('response heads', () => {
  const response = (text: string, method = 'GET') => {
    const bytes = Buffer.from(text, 'latin1');
    const head = parseResponseHead(bytes, 0, headEnd(bytes, 0, 1024));
    return { head, length: responseBodyLength(head, method) };
  };

  it('frames bodies as RFC 9112 §6.3 says', () => {
    expect(response('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n').length).toBe(3);
    expect(response('HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n').length).toBe(3);
    expect(response('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n').length).toBe(-1);
    expect(response('HTTP/1.1 200 OK\r\n\r\n').length).toBe(-2);
    expect(response('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n').length).toBe(-2);
    expect(response('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', 'HEAD').length).toBe(0);
    expect(response('HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n').length).toBe(0);
    expect(response('HTTP/1.1 204 No Content\r\n\r\n').length).toBe(0);
    expect(response('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').head.reason).toBe('');
    expect(response('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').head.close).toBe(true);
  });

  it('refuses what a tenant could make two parsers read differently (502)', () => {
    expect(() => response('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n')).toThrow(expect.objectContaining({ status: 502 }));
    expect(() => response('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')).toThrow(HeadError);
    expect(() => response('HTTP/1.1 200 OK\r\nX : y\r\n\r\n')).toThrow(HeadError);
    expect(() => response('HTTP/1.1 2000 OK\r\n\r\n')).toThrow(HeadError);
  });
});

describe('ChunkedDecoder', () => {
  function decode(...pieces: string[]): { data: string; rest: string } {
    const decoder = new ChunkedDecoder();
    let data = '';
    let rest = '';
    for (const piece of pieces) {
      const bytes = Buffer.from(piece, 'latin1');
      const used = decoder.push(bytes, 0, (chunk) => (data += chunk.toString('latin1')));
      rest += bytes.toString('latin1', used);
    }
    expect(decoder.done).toBe(true);
    return { data, rest };
  }

  it('reads chunks, extensions and trailers, split anywhere, and stops at the message end', () => {
    const wire = '5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nTrailer-Field: x\r\n\r\nGET /next';
    expect(decode(wire)).toEqual({ data: 'hello world', rest: 'GET /next' });
    expect(decode(...wire.split(''))).toEqual({ data: 'hello world', rest: 'GET /next' });
    expect(decode('000A\r\n0123456789\r\n0\r\n\r\n').data).toBe('0123456789');
    expect(decode('5 ; a = "b \\" c" ;d\r\nhello\r\n0;e=f\r\n\r\n'.replace('5 ', '5')).data).toBe('hello');
  });

  it.each([
    ['a size with 17 hex digits', '00000000000000001\r\nx\r\n0\r\n\r\n'],
    ['a size beyond 2^53', 'fffffffffffffff\r\n'],
    ['no size', '\r\nx\r\n'],
    ['a space after the size', '5 \r\nhello\r\n0\r\n\r\n'],
    ['a bare LF after the size', '5\nhello\r\n0\r\n\r\n'],
    ['data longer than its size', '5\r\nhello!\r\n0\r\n\r\n'],
    ['a bare LF after the data', '5\r\nhello\n0\r\n\r\n'],
    ['a control character in an extension', '5;a=\x01\r\nhello\r\n0\r\n\r\n'],
    ['an empty extension', '5;\r\nhello\r\n0\r\n\r\n'],
    ['an extension without a name', '5;=v\r\nhello\r\n0\r\n\r\n'],
    ['an extension value with a space', '5;a=b c\r\nhello\r\n0\r\n\r\n'],
    ['an unterminated quoted extension value', '5;a="b\r\nhello\r\n0\r\n\r\n'],
    ['a malformed trailer', '0\r\nno colon here\r\n\r\n'],
    ['a bare LF ending the trailers', '0\r\n\n'],
  ])('refuses %s', (_name, wire) => {
    const decoder = new ChunkedDecoder();
    expect(() => decoder.push(Buffer.from(wire, 'latin1'), 0, () => {})).toThrow(FramingError);
  });
});

describe('forwarding fields', () => {
  it('trusts the peers it is told to, by address, range and name', () => {
    const loopback = resolveTrustProxy(['loopback', '10.1.0.0/16']);
    expect(loopback('127.0.0.1')).toBe(true);
    expect(loopback('::ffff:127.0.0.1')).toBe(true);
    expect(loopback('::1')).toBe(true);
    expect(loopback('10.1.2.3')).toBe(true);
    expect(loopback('10.2.0.1')).toBe(false);
    expect(loopback(undefined)).toBe(false);
    expect(resolveTrustProxy(undefined)('127.0.0.1')).toBe(false);
    expect(resolveTrustProxy((address) => address === '192.0.2.1')('::ffff:192.0.2.1')).toBe(true);
    expect(() => resolveTrustProxy(['10.0.0.0/33'])).toThrow(expect.objectContaining({ code: 'ERR_TENANT_INVALID_OPTION' }));
    expect(() => resolveTrustProxy(['nowhere'])).toThrow('Expected `trustProxy`');
  });

  it('appends to a trusted peer’s X-Forwarded-For and writes its own for anyone else', () => {
    const raw = ['X-Forwarded-For', '203.0.113.9', 'X-Forwarded-Proto', 'https'];
    expect(forwardedFields(raw, 'a.example', '127.0.0.1', 'http', true)).toBe(
      'X-Forwarded-For: 203.0.113.9, 127.0.0.1\r\nX-Forwarded-Host: a.example\r\n',
    );
    expect(forwardedFields(raw, 'a.example', '198.51.100.7', 'http', false)).toBe(
      'X-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Host: a.example\r\nX-Forwarded-Proto: http\r\n',
    );
  });
});
