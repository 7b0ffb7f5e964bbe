/**
 * Values by integer id, for entries that come and go all the time: tasks in
 * flight, a worker's running tasks, telemetry pings.
 *
 * Not a `Map`: when V8 outgrows or clears a Map's (or a Set's) table, it
 * links the old table to the new one for iterators still walking it. Once the
 * Map is in the old generation, each new table is kept by its dead predecessor
 * there until the next full collection, and the values it held survive
 * young-generation collections with it: copied, promoted, and counted by V8
 * when it decides to grow the young generation. An object's dictionary
 * elements leave no such chain.
 */
export class IdTable<T extends object> {
  #entries: Record<number, T> = Object.create(null) as Record<number, T>;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): T | undefined {
    return this.#entries[id];
  }

  set(id: number, value: T): void {
    if (this.#entries[id] === undefined) this.#size++;
    this.#entries[id] = value;
  }

  delete(id: number): boolean {
    if (this.#entries[id] === undefined) return false;
    delete this.#entries[id];
    this.#size--;
    return true;
  }

  /** Every value, by ascending id (ids up to 2³² − 2; any larger follow, in the order they were set). */
  values(): T[] {
    return Object.values(this.#entries);
  }

  clear(): void {
    this.#entries = Object.create(null) as Record<number, T>;
    this.#size = 0;
  }
}
