import { describe, expect, it } from 'vitest';
import { IdTable } from '../src/internal/id-table.js';

describe('IdTable', () => {
  it('sets, gets, deletes and counts entries by id', () => {
    const table = new IdTable<{ name: string }>();
    const a = { name: 'a' };
    table.set(7, a);
    table.set(3, { name: 'b' });
    table.set(7, a);
    expect(table.size).toBe(2);
    expect(table.get(7)).toBe(a);
    expect(table.get(4)).toBeUndefined();
    expect(table.delete(7)).toBe(true);
    expect(table.delete(7)).toBe(false);
    expect(table.size).toBe(1);
    expect(table.get(7)).toBeUndefined();
  });

  it('lists values by ascending id and empties on clear()', () => {
    const table = new IdTable<{ id: number }>();
    for (const id of [40, 2, 17, 100_000]) table.set(id, { id });
    expect(table.values().map((value) => value.id)).toEqual([2, 17, 40, 100_000]);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.values()).toEqual([]);
    table.set(1, { id: 1 });
    expect(table.size).toBe(1);
  });

  it('keeps up with entries coming and going, as tasks in flight do', () => {
    const table = new IdTable<{ id: number }>();
    for (let id = 0; id < 100_000; id++) {
      table.set(id, { id });
      if (id >= 64) expect(table.delete(id - 64)).toBe(true);
    }
    expect(table.size).toBe(64);
    expect(table.values()[0]).toEqual({ id: 100_000 - 64 });
  });
});
