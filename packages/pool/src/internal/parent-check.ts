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
 * signal — kills this process: nothing else ever would.
 */
export function checkParent(): ParentFacts | undefined {
  const value = process.env[PARENT_ENV];
  if (value === undefined) return undefined;
  delete process.env[PARENT_ENV];
  const pid = Number.parseInt(value, 10);
  if (process.ppid !== pid) process.kill(process.pid, 'SIGKILL');
  return { pid, pdeathsig: value.endsWith(':pdeathsig') };
}
