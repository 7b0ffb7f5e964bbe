import { readFileSync } from 'node:fs';

/**
 * A run's identity, `<pid>-<start>-<n>`: the coordinator's pid, its start
 * time in clock ticks since boot (from `/proc`, `0` where there is none), and
 * a counter for runs of one process. It names a run's journal and its temporary
 * files, so a later run can tell whether their owner is still alive: a pid
 * that was reused since (the kernel recycles them; `pid_max` is often 32768)
 * has another start time.
 */
const RUN_ID = /^(\d+)-([0-9a-z]+)-(\d+)$/;

const live = new Set<string>();
let sequence = 0;
let ownStart: string | undefined;

/** Starts a run of this process: its id is alive until {@link endRun}. */
export function beginRun(): string {
  ownStart ??= (startTicksOf(process.pid) ?? 0).toString(36);
  const id = `${process.pid}-${ownStart}-${++sequence}`;
  live.add(id);
  return id;
}

export function endRun(id: string): void {
  live.delete(id);
}

/** Whether a run id names a run that may still be writing: one of this process's runs under way, or another process's that still lives. */
export function isRunAlive(id: string): boolean {
  const match = RUN_ID.exec(id);
  if (!match) return false;
  const pid = Number(match[1]);
  const start = match[2]!;
  if (pid === process.pid && start === ownStart) return live.has(id);
  const ticks = startTicksOf(pid);
  if (ticks === null) return false;
  // No /proc (macOS, Windows): the pid alone tells.
  if (ticks === undefined || start === '0') return isPidAlive(pid);
  return ticks.toString(36) === start;
}

/** Whether a process of that pid exists (a reused pid counts as alive: the cautious answer). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
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
