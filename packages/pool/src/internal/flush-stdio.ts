// A child's last lines, written before it leaves.
//
// A child's stdout and stderr are pipes its parent reads (Unix socket pairs
// under Node's `spawn`), and in the child Node writes to them asynchronously:
// what the kernel's buffer cannot take at once waits in the stream. A process
// that exits (`process.exit()`, or SIGTERM's default action) drops what waits,
// so a child stopped right after a burst of output loses the end of it. This
// waits until both streams have handed every byte to the kernel, or `maxMs`
// has passed (a parent that stopped reading must not hold the exit).

/** How long a leaving child waits at most for its output to go out. */
export const FLUSH_STDIO_MS = 2000;

/** How often the wait looks: the streams have no event for "empty" when no write returned false. */
const POLL_MS = 5;

/** Bytes written to a stream and not yet handed to the kernel (0 for a stream that can take no more). */
function pending(stream: NodeJS.WriteStream): number {
  return stream.destroyed || stream.writableEnded ? 0 : stream.writableLength;
}

/** Resolves once stdout and stderr hold nothing unwritten, or after `maxMs`. */
export function flushStdio(maxMs: number = FLUSH_STDIO_MS): Promise<void> {
  const deadline = Date.now() + maxMs;
  return new Promise((resolve) => {
    const check = (): void => {
      if ((pending(process.stdout) === 0 && pending(process.stderr) === 0) || Date.now() >= deadline) resolve();
      else setTimeout(check, POLL_MS);
    };
    check();
  });
}
