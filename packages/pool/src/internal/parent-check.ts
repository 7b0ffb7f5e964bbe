import { closeSync, readSync } from 'node:fs';
import { PARENT_ENV } from './parent-death.js';

/** What the transport told a forked Node child about its parent. */
export interface ParentFacts {
  pid: number;
  /** The kernel will SIGKILL this process when the parent dies (setpriv armed the signal). */
  pdeathsig: boolean;
}

/**
 * The first thing a forked Node child runs (the preload, or the pool's own worker entry): reads what
 * the transport said about the parent and removes it from the environment (the child's own children
 * get theirs from their own transport), and when the parent is already not ours — it died between
 * the fork and the moment setpriv armed the signal, or during Node's start-up where there is no
 * signal — kills this process: nothing else ever would. A group leader then waits at its gate (see
 * `GroupReaper.add`) before its first line of user code, and dies if the parent died first.
 */
export function checkParent(): ParentFacts | undefined {
  const value = process.env[PARENT_ENV];
  if (value === undefined) return undefined;
  delete process.env[PARENT_ENV];
  const [pidField = '', ...flags] = value.split(':');
  const pid = Number.parseInt(pidField, 10);
  if (process.ppid !== pid) process.kill(process.pid, 'SIGKILL');
  const gate = flags.find((flag) => flag.startsWith('gate='));
  if (gate !== undefined && !passGate(Number(gate.slice('gate='.length)))) process.kill(process.pid, 'SIGKILL');
  return { pid, pdeathsig: flags.includes('pdeathsig') };
}

/** Blocks until the parent's newline (true) or EOF (false: the parent died before listing the group), then closes the gate. */
function passGate(fd: number): boolean {
  const byte = Buffer.alloc(1);
  let read = 0;
  for (;;) {
    try {
      // The child's end of the socketpair is blocking: this waits in read(2), as the command guard's `read` does.
      read = readSync(fd, byte, 0, 1, null);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EINTR' && code !== 'EAGAIN') break;
    }
  }
  try {
    closeSync(fd);
  } catch {
    // Not open: nothing to close.
  }
  return read === 1;
}
