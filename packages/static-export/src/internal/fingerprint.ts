/**
 * FNV-1a (32-bit) over the UTF-8 bytes of `text`. Stable across machines,
 * Node versions and runs: shards are defined by it, so it must never change
 * within a major.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      hash = step(hash, code);
      continue;
    }
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code < 0x800) {
      hash = step(hash, 0xc0 | (code >> 6));
    } else if (code < 0x10000) {
      // A lone surrogate encodes as U+FFFD, as TextEncoder does.
      if (code >= 0xd800 && code < 0xe000) code = 0xfffd;
      hash = step(hash, 0xe0 | (code >> 12));
      hash = step(hash, 0x80 | ((code >> 6) & 0x3f));
    } else {
      hash = step(hash, 0xf0 | (code >> 18));
      hash = step(hash, 0x80 | ((code >> 12) & 0x3f));
      hash = step(hash, 0x80 | ((code >> 6) & 0x3f));
    }
    hash = step(hash, 0x80 | (code & 0x3f));
  }
  return hash >>> 0;
}

/** One byte of FNV-1a. */
function step(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193);
}

/** A second, independent 32-bit hash (over UTF-16 code units), so that two make a 64-bit fingerprint. */
export function mix32(text: string): number {
  let hash = 0x9e3779b9 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x5bd1e995);
    hash ^= hash >>> 15;
  }
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/**
 * A set (or map to a few 32-bit words) of 64-bit string fingerprints in flat
 * typed arrays: 8 bytes a key plus its values, no object per entry, so a
 * million output files cost megabytes, not a heap of strings. Two different
 * names share a fingerprint with probability about n² / 2⁶⁴.
 */
export class FingerprintTable {
  readonly #words: number;
  #capacity = 1024;
  #size = 0;
  /** Two words a slot: fnv1a32, then mix32 with its low bit set so that 0 marks an empty slot. */
  #keys = new Uint32Array(this.#capacity * 2);
  #values: Uint32Array;

  constructor(valueWords = 0) {
    this.#words = valueWords;
    this.#values = new Uint32Array(this.#capacity * valueWords);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds `text`; returns false when it was already there. */
  add(text: string): boolean {
    return this.#insert(fnv1a32(text), (mix32(text) | 1) >>> 0, undefined);
  }

  has(text: string): boolean {
    return this.#find(fnv1a32(text), (mix32(text) | 1) >>> 0) >= 0;
  }

  /** Stores `values` (length `valueWords`) under `text`, replacing what was there. */
  set(text: string, values: ArrayLike<number>): void {
    this.#insert(fnv1a32(text), (mix32(text) | 1) >>> 0, values);
  }

  /** The values stored under `text`, or `undefined`. */
  get(text: string): Uint32Array | undefined {
    const slot = this.#find(fnv1a32(text), (mix32(text) | 1) >>> 0);
    return slot < 0 ? undefined : this.#values.subarray(slot * this.#words, (slot + 1) * this.#words);
  }

  #find(a: number, b: number): number {
    const mask = this.#capacity - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const stored = this.#keys[slot * 2 + 1]!;
      if (stored === 0) return -1;
      if (stored === b && this.#keys[slot * 2] === a) return slot;
    }
  }

  #insert(a: number, b: number, values: ArrayLike<number> | undefined): boolean {
    if ((this.#size + 1) * 4 > this.#capacity * 3) this.#grow();
    const mask = this.#capacity - 1;
    let slot = a & mask;
    for (; ; slot = (slot + 1) & mask) {
      const stored = this.#keys[slot * 2 + 1]!;
      if (stored === 0) break;
      if (stored === b && this.#keys[slot * 2] === a) {
        if (values) this.#values.set(values, slot * this.#words);
        return false;
      }
    }
    this.#keys[slot * 2] = a;
    this.#keys[slot * 2 + 1] = b;
    if (values) this.#values.set(values, slot * this.#words);
    this.#size++;
    return true;
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    const old = this.#capacity;
    this.#capacity *= 2;
    this.#keys = new Uint32Array(this.#capacity * 2);
    this.#values = new Uint32Array(this.#capacity * this.#words);
    this.#size = 0;
    for (let slot = 0; slot < old; slot++) {
      const b = keys[slot * 2 + 1]!;
      if (b === 0) continue;
      this.#insert(keys[slot * 2]!, b, this.#words > 0 ? values.subarray(slot * this.#words, (slot + 1) * this.#words) : undefined);
    }
  }
}
