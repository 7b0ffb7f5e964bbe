// Preloaded (`--require`) into every Node process the transport forks (but the pool's own workers,
// whose entry does the same first), so it runs before the child's first line of user code.
// It is CommonJS and tiny: it costs the child's start-up a file read.
import { checkParent } from '../internal/parent-check.js';

const ORPHAN_CLAIM = Symbol.for('@drove/pool/child.orphan-shutdown');
const PPID_CHECK_MS = 100;

// The child's own forks would inherit this preload through process.execArgv, checking the wrong parent.
const self = __filename;
const at = process.execArgv.findIndex((arg, i) => arg === `--require=${self}` || ((arg === '--require' || arg === '-r') && process.execArgv[i + 1] === self));
if (at >= 0) process.execArgv.splice(at, process.execArgv[at]!.includes('=') ? 1 : 2);

const parent = checkParent();
// Without a parent-death signal the IPC channel is the watch. A parent that closed the channel on
// purpose is still our parent: only a changed ppid means it is gone (the kernel closes the socket
// before it re-parents, so the check repeats). `@drove/pool/child` claims the exit when it has an
// `onShutdown` to run first.
if (parent && !parent.pdeathsig && process.send) {
  process.on('disconnect', () => {
    const timer = setInterval(() => {
      if (process.ppid === parent.pid) return;
      clearInterval(timer);
      if ((globalThis as Record<symbol, unknown>)[ORPHAN_CLAIM] !== true) process.exit(0);
    }, PPID_CHECK_MS);
    timer.unref();
  });
}
