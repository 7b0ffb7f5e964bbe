/**
 * A strict, incremental reader of the chunked transfer coding (RFC 9112
 * §7.1). It hands out the data of each chunk and stops exactly after the
 * last chunk's trailer section, so what follows belongs to the next message.
 * Extensions and trailers are checked, then dropped: the front door frames
 * what it forwards itself. Anything the RFC does not allow throws.
 */

const enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerLineStart,
  TrailerLine,
  TrailerLf,
  Done,
}

/** At most this many hex digits in a chunk size: 2^53 − 1 needs 14, and 16 covers every `0`-padded form a client sends. */
const MAX_SIZE_DIGITS = 16;
/** Bytes of extensions and trailers read at most per message. */
const MAX_METADATA_BYTES = 16 * 1024;

/** The chunked framing was malformed. */
export class FramingError extends Error {}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

// chunk-ext (RFC 9112 §7.1.1): `;` name [ `=` token or quoted-string ], repeated, with optional whitespace around `;` and `=`.
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const QUOTED = '"(?:[\\t !#-\\[\\]-~\\x80-\\xff]|\\\\[\\t -~\\x80-\\xff])*"';
const CHUNK_EXTENSIONS = new RegExp(`^(?:[ \\t]*;[ \\t]*${TOKEN}(?:[ \\t]*=[ \\t]*(?:${TOKEN}|${QUOTED}))?)+[ \\t]*$`);

// A trailer field line: tchar name, colon, then no control characters but HTAB.
// eslint-disable-next-line no-control-regex -- control characters are exactly what these checks refuse
const TRAILER_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\x00-\x08\x0a-\x1f\x7f]*$/;

export class ChunkedDecoder {
  #state = State.Size;
  #size = 0;
  #digits = 0;
  #remaining = 0;
  #metadata = 0;
  #line = '';
  /** The extensions of the current chunk, from their first `;`, checked whole at the CR. */
  #extension = '';

  /** True once the last chunk and its trailers were read. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /**
   * Reads `bytes` from `start`, calling `onData` with each piece of chunk data
   * (a view into `bytes`), and returns the index just past what it consumed:
   * `bytes.length`, or less once the message is complete.
   */
  push(bytes: Buffer, start: number, onData: (data: Buffer) => void): number {
    let at = start;
    const end = bytes.length;
    while (at < end) {
      switch (this.#state) {
        case State.Size: {
          const byte = bytes[at] as number;
          const digit = hexValue(byte);
          if (digit !== -1) {
            if (++this.#digits > MAX_SIZE_DIGITS) throw new FramingError('chunk size too long');
            this.#size = this.#size * 16 + digit;
            if (this.#size > Number.MAX_SAFE_INTEGER) throw new FramingError('chunk size too large');
            at++;
            break;
          }
          if (this.#digits === 0) throw new FramingError('chunk size expected');
          if (byte === 59 /* ; */) {
            this.#state = State.Extension;
            this.#extension = ';';
          } else if (byte === 13) this.#state = State.SizeLf;
          else throw new FramingError('invalid character after a chunk size');
          at++;
          break;
        }
        case State.Extension: {
          const byte = bytes[at] as number;
          if (byte === 13) {
            if (!CHUNK_EXTENSIONS.test(this.#extension)) throw new FramingError('malformed chunk extension');
            this.#extension = '';
            this.#state = State.SizeLf;
          } else if ((byte < 32 && byte !== 9) || byte === 127) throw new FramingError('invalid character in a chunk extension');
          else if (++this.#metadata > MAX_METADATA_BYTES) throw new FramingError('chunk extensions too long');
          else this.#extension += String.fromCharCode(byte);
          at++;
          break;
        }
        case State.SizeLf: {
          if (bytes[at] !== 10) throw new FramingError('CR without LF after a chunk size');
          at++;
          if (this.#size === 0) {
            this.#state = State.TrailerLineStart;
          } else {
            this.#remaining = this.#size;
            this.#state = State.Data;
          }
          this.#size = 0;
          this.#digits = 0;
          break;
        }
        case State.Data: {
          const take = Math.min(this.#remaining, end - at);
          onData(bytes.subarray(at, at + take));
          this.#remaining -= take;
          at += take;
          if (this.#remaining === 0) this.#state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (bytes[at] !== 13) throw new FramingError('chunk data not followed by CRLF');
          this.#state = State.DataLf;
          at++;
          break;
        case State.DataLf:
          if (bytes[at] !== 10) throw new FramingError('chunk data not followed by CRLF');
          this.#state = State.Size;
          at++;
          break;
        case State.TrailerLineStart:
          if (bytes[at] === 13) {
            this.#state = State.TrailerLf;
            this.#line = '';
            at++;
            break;
          }
          this.#state = State.TrailerLine;
          break;
        case State.TrailerLine: {
          const byte = bytes[at] as number;
          at++;
          if (byte === 13) {
            if (!TRAILER_LINE.test(this.#line)) throw new FramingError('malformed trailer field');
            this.#state = State.TrailerLf;
            break;
          }
          if (byte === 10) throw new FramingError('bare LF in a trailer');
          if (++this.#metadata > MAX_METADATA_BYTES) throw new FramingError('trailers too long');
          this.#line += String.fromCharCode(byte);
          break;
        }
        case State.TrailerLf: {
          if (bytes[at] !== 10) throw new FramingError('CR without LF in the trailer section');
          at++;
          if (this.#line === '') {
            this.#state = State.Done;
            return at;
          }
          this.#line = '';
          this.#state = State.TrailerLineStart;
          break;
        }
        case State.Done:
          return at;
      }
    }
    return at;
  }
}
