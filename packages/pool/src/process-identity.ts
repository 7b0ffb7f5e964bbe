/**
 * Which process wrote something, and whether it still runs: for files a
 * process leaves to say "mine, while I live" (a run's journal, a build lock).
 * A pid alone cannot tell, because the kernel gives a dead process's pid to
 * the next one (`pid_max` is often 32768); a pid with the process's start time
 * can, where the system says it (Linux's `/proc/<pid>/stat`).
 *
 * @example
 * ```ts
 * import { isProcessAlive, ownIdentity } from '@drove/pool/process-identity';
 * writeFileSync(lock, JSON.stringify(ownIdentity()), { flag: 'wx' });
 * // … later, in another process:
 * if (!isProcessAlive(JSON.parse(readFileSync(lock, 'utf8')))) unlinkSync(lock);
 * ```
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** A process: its pid and its start time (clock ticks since boot, base 36), `'0'` where the system does not say. */
export interface ProcessIdentity {
  pid: number;
  start: string;
}

let own: ProcessIdentity | undefined;

/** This process's identity. */
export function ownIdentity(): ProcessIdentity {
  own ??= { pid: process.pid, start: (startTicksOf(process.pid) ?? 0).toString(36) };
  return own;
}

/**
 * Whether the process `identity` names still runs: its pid lives and, where
 * the system tells start times, started when the identity says. A zombie
 * counts as gone. Without `/proc` (macOS, Windows), or for a start of `'0'`,
 * the pid alone tells (a reused pid counts as alive: the cautious answer).
 */
export function isProcessAlive(identity: ProcessIdentity): boolean {
  const { pid, start } = identity;
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return start === '0' || start === ownIdentity().start;
  const ticks = startTicksOf(pid);
  if (ticks === null) return false;
  if (ticks === undefined || start === '0') return isPidAlive(pid);
  return ticks.toString(36) === start;
}

/** Whether a process of that pid exists (a reused pid counts as alive). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: another user's process, alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's start time in clock ticks; `null` when it is gone or a zombie, `undefined` when the system has no `/proc`. */
function startTicksOf(pid: number): number | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return readableProc() ? null : undefined;
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

let procReadable: boolean | undefined;

function readableProc(): boolean {
  if (procReadable === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procReadable = true;
    } catch {
      procReadable = false;
    }
  }
  return procReadable;
}
