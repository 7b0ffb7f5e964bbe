import { IdTable } from './id-table.js';

/**
 * Calls back whatever waits on an `AbortSignal` (tasks, `acquire()` calls)
 * through one listener a signal instead of one each.
 *
 * Node keeps an EventTarget's listeners in a linked list whose removed nodes
 * keep their links. With a listener added and removed per task on a signal
 * shared by many (a `pool.map`, an export, a caller's own controller), a dead
 * node in the old generation held the next task alive, payload included,
 * through young-generation collections, and that one the next.
 */
interface Watch {
  readonly callbacks: IdTable<() => void>;
  readonly fire: () => void;
}

const watches = new WeakMap<AbortSignal, Watch>();
let nextId = 0;

/** Calls `onAbort` once when `signal` aborts, unless {@link unwatchAbort} is called first; returns the id to unwatch with. */
export function watchAbort(signal: AbortSignal, onAbort: () => void): number {
  let watch = watches.get(signal);
  if (!watch) {
    const callbacks = new IdTable<() => void>();
    const fire = () => {
      watches.delete(signal);
      const waiting = callbacks.values();
      callbacks.clear();
      for (const callback of waiting) callback();
    };
    watch = { callbacks, fire };
    watches.set(signal, watch);
    signal.addEventListener('abort', fire, { once: true });
  }
  const id = nextId++;
  watch.callbacks.set(id, onAbort);
  return id;
}

/** No longer calls back `id`; the signal's listener goes once nothing watches it. */
export function unwatchAbort(signal: AbortSignal, id: number): void {
  const watch = watches.get(signal);
  if (!watch?.callbacks.delete(id) || watch.callbacks.size > 0) return;
  watches.delete(signal);
  signal.removeEventListener('abort', watch.fire);
}
