/**
 * Failure injection for the chaos tests: `DROVE_EXPORT_CRASH_AT=<point>:<n>`
 * makes the process that passes `<point>` for the `n`-th time SIGKILL itself
 * there, as the OOM killer or a pulled plug would. Read once at load; unset,
 * a check is one string comparison. Render children inherit the variable, and
 * each counts on its own.
 */
const [target, count] = parse(process.env.DROVE_EXPORT_CRASH_AT);
let passed = 0;

/** The named places a run can be killed at. */
export type CrashPoint =
  /** A child wrote a temporary file and has not renamed it yet. */
  | 'file-written'
  /** A child renamed a file into place and has not answered yet. */
  | 'file-renamed'
  /** The coordinator appended records to its journal. */
  | 'journal-flushed'
  /** The coordinator is writing records to its journal: half of them get written, the last one torn. */
  | 'journal-torn'
  /** The run finished; its journal is closed and not yet the manifest. */
  | 'commit-start'
  /** Earlier runs' journals are removed; the journal is not yet renamed. */
  | 'commit-journals-removed'
  /** The journal was renamed into the manifest. */
  | 'commit-renamed';

/** True when this pass is the one to crash at (for a point that first does half its work). */
export function crashesHere(point: CrashPoint): boolean {
  return point === target && ++passed === count;
}

/** Kills this process at `point` when asked to. */
export function crashPoint(point: CrashPoint): void {
  if (crashesHere(point)) crashNow();
}

export function crashNow(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is not delivered synchronously on every platform.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}

function parse(spec: string | undefined): [string | undefined, number] {
  const match = /^([a-z-]+):(\d+)$/.exec(spec ?? '');
  return match ? [match[1], Number(match[2])] : [undefined, 0];
}
