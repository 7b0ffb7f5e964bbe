import { createHash } from 'node:crypto';

/** A short content hash (SHA-1, hex). Not for security: for change detection. */
export function hashOf(...parts: (string | Uint8Array)[]): string {
  const hash = createHash('sha1');
  for (const part of parts) {
    hash.update(part);
    hash.update('\u0000');
  }
  return hash.digest('hex');
}

/** The hash of one file's bytes, as stored in the build database. */
export function contentHash(bytes: string | Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}
