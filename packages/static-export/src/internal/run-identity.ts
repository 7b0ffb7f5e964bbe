import { isPidAlive, isProcessAlive, ownIdentity } from '@drove/pool/process-identity';

export { isPidAlive };

/**
 * A run's identity, `<pid>-<start>-<n>`: the coordinator's pid, its start
 * time (pool's process identity: clock ticks since boot in base 36, `0` where
 * the system does not say), and a counter for runs of one process. It names a
 * run's journal and its temporary files, so a later run can tell whether their
 * owner is still alive: a pid that was reused since has another start time.
 */
const RUN_ID = /^(\d+)-([0-9a-z]+)-(\d+)$/;

const live = new Set<string>();
let sequence = 0;

/** Starts a run of this process: its id is alive until {@link endRun}. */
export function beginRun(): string {
  const { pid, start } = ownIdentity();
  const id = `${pid}-${start}-${++sequence}`;
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
  if (pid === process.pid && start === ownIdentity().start) return live.has(id);
  return isProcessAlive({ pid, start });
}
