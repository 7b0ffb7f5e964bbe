import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentHash, hashOf } from '../src/internal/hash.js';

/** The digest builds before the one-call form made, and their databases hold: each part then a NUL, fed one at a time. */
function streamed(parts: (string | Uint8Array)[]): string {
  const digest = createHash('sha1');
  for (const part of parts) digest.update(part).update('\u0000');
  return digest.digest('hex');
}

describe('hashes stored in the build database', () => {
  it('are the same whether parts are strings, bytes, empty or not one-byte text', () => {
    const cases: (string | Uint8Array)[][] = [
      [],
      [''],
      ['posts/a.md', 'ä€𝄞', ''],
      ['a\u0000b', 'c'],
      [new TextEncoder().encode('ä€'), 'x', new Uint8Array(0)],
    ];
    for (const parts of cases) expect(hashOf(...parts), JSON.stringify(parts)).toBe(streamed(parts));
    // Parts are separated: moving text across the boundary changes the hash.
    expect(hashOf('ab', 'c')).not.toBe(hashOf('a', 'bc'));
  });

  it("hashes a file's bytes and its text alike", () => {
    const text = 'Grüße\n'.repeat(1000);
    expect(contentHash(text)).toBe(createHash('sha1').update(text).digest('hex'));
    expect(contentHash(Buffer.from(text))).toBe(contentHash(text));
  });
});
