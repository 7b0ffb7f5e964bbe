// The last lines of a file, read backwards a chunk at a time: a tail of a
// 10 MiB log reads a few KiB, not the file.
import { open } from 'node:fs/promises';

const CHUNK = 64 * 1024;

/** The last `count` lines of the file (fewer if it has fewer); `[]` when it does not exist. */
export async function readTail(path: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const chunks: Buffer[] = [];
    let newlines = 0;
    let position = size;
    // count + 1 newlines: the file's last byte is one, and the line before the first kept ends with one.
    while (position > 0 && newlines <= count) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      chunks.unshift(buffer);
      for (const byte of buffer) if (byte === 0x0a) newlines += 1;
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    // A line cut at the read's start is no whole line unless the read reached the file's start.
    if (position > 0) lines.shift();
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
}
