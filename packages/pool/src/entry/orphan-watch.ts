// Preloaded (`--require`) into every Node process the transport forks, so it runs before the child's
// first line of user code. It is CommonJS and tiny: it costs the child's start-up a file read.
import { PARENT_ENV } from '../internal/parent-death.js';

const ORPHAN_CLAIM = Symbol.for('@drove/pool/child.orphan-shutdown');
const PPID_CHECK_MS = 100;

const value = process.env[PARENT_ENV];
// The child's own children are not ours to watch: they get their own value from their own transport.
delete process.env[PARENT_ENV];
const self = __filename;
const at = process.execArgv.findIndex((arg, i) => arg === `--require=${self}` || ((arg === '--require' || arg === '-r') && process.execArgv[i + 1] === self));
if (at >= 0) process.execArgv.splice(at, process.execArgv[at]!.includes('=') ? 1 : 2);

if (value !== undefined) {
  const parent = Number.parseInt(value, 10);
  const armed = value.endsWith(':pdeathsig');
  // The parent died between the fork and the moment setpriv armed the signal (or there is no signal
  // and it died during Node's start-up): this process was re-parented, and nothing would ever kill it.
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  // Without a parent-death signal the IPC channel is the watch. A parent that closed the channel on
  // purpose is still our parent: only a changed ppid means it is gone (the kernel closes the socket
  // before it re-parents, so the check repeats). `@drove/pool/child` claims the exit when it has an
  // `onShutdown` to run first.
  if (!armed && process.send) {
    process.on('disconnect', () => {
      const timer = setInterval(() => {
        if (process.ppid === parent) return;
        clearInterval(timer);
        if ((globalThis as Record<symbol, unknown>)[ORPHAN_CLAIM] !== true) process.exit(0);
      }, PPID_CHECK_MS);
      timer.unref();
    });
  }
}
