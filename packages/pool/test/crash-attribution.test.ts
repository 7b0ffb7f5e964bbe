import { describe, expect, it } from 'vitest';
import { attributeCrash } from '../src/internal/crash-attribution.js';
import { Task } from '../src/internal/task.js';

/** Tasks as a dead worker held them, in send order; `written`: whether each envelope's write succeeded. */
function held(written: boolean[]): Task[] {
  return written.map((wasWritten, seq) => {
    const task = new Task({ id: seq + 1, handler: 'default', payload: seq, transfer: undefined, timeoutMs: 0, onProgress: undefined, signal: undefined, retries: 0, bound: undefined, now: 0 });
    task.seq = seq;
    task.written = wasWritten;
    return task;
  });
}

// Isolates the blame rule the scheduler applies when a worker dies; the chaos suite meets it with real processes.
describe('attributeCrash', () => {
  it('blames a process for no task whose envelope never reached it (the process was gone before the write)', () => {
    const [task] = held([false]);
    expect(attributeCrash([task!], undefined, 1)).toEqual({ blamed: [], innocent: [task] });
  });

  it('blames the tasks a process received when it held no more than it runs at once, and sends the unwritten back', () => {
    const [first, second] = held([true, false]);
    expect(attributeCrash([first!, second!], undefined, 1)).toEqual({ blamed: [first], innocent: [second] });
  });

  it('marks as suspects the received tasks of a process that held more than it runs at once', () => {
    const tasks = held([true, true, false]);
    const { blamed, innocent } = attributeCrash(tasks, undefined, 1);
    expect(blamed).toEqual([]);
    expect(innocent).toEqual(tasks);
    expect(tasks.map((task) => task.suspect)).toEqual([true, true, false]);
  });

  it("blames a thread's last started tasks by its counter, written or not", () => {
    const tasks = held([true, true, true]);
    expect(attributeCrash(tasks, 2, 1)).toEqual({ blamed: [tasks[1]], innocent: [tasks[0], tasks[2]] });
  });
});
