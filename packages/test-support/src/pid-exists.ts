/**
 * True while `pid` names a process this one may signal: `kill(pid, 0)` succeeds.
 *
 * A process that has exited but is not yet reaped (a zombie) still exists here;
 * use {@link isAlive} to ask whether any of its threads still runs.
 *
 * @example
 * import { pidExists } from '@drove/test-support';
 * expect(pids.filter(pidExists)).toEqual([]);
 */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
