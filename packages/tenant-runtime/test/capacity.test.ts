import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pidExists, removeTempDirs } from '@drove/test-support';
import { disposeAll, ManualClock, ofType, runtime, tenantsRoot } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

describe('maxConcurrent', () => {
  it('is a hard cap: 200 concurrent ensure() of distinct keys under a cap of 10 never have more than 10 processes alive', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `t${i}`);
    let alive = 0;
    let maxAlive = 0;
    let spawnsOverCap = 0;
    const { runtime: rt, transitions } = runtime(tenantsRoot(keys), {
      maxConcurrent: 10,
      onTransition: (event) => {
        if (event.type === 'spawn') {
          alive++;
          if (alive > 10) spawnsOverCap++;
          maxAlive = Math.max(maxAlive, alive);
        }
        if (event.type === 'exit') alive--;
      },
    });
    let maxProcesses = 0;
    const tenants = await Promise.all(
      keys.map((key) =>
        rt.ensure(key).then((tenant) => {
          maxProcesses = Math.max(maxProcesses, rt.stats().processes);
          return tenant;
        }),
      ),
    );
    expect(tenants.map((tenant) => tenant.key)).toEqual(keys);
    expect(maxAlive).toBeLessThanOrEqual(10);
    expect(spawnsOverCap).toBe(0);
    expect(maxProcesses).toBeLessThanOrEqual(10);
    expect(ofType(transitions, 'spawn')).toHaveLength(200);
    // Each eviction's exit was reported before the spawn that took its slot: replaying the events never exceeds the cap.
    const evicted = ofType(transitions, 'lru-evict');
    expect(evicted.length).toBeGreaterThanOrEqual(190);
    for (const event of evicted) {
      const exitAt = transitions.findIndex((other) => other.type === 'exit' && other.pid === event.pid);
      expect(exitAt).toBeGreaterThan(transitions.indexOf(event));
    }
    expect(ofType(transitions, 'exit').every((event) => event.reason === 'lru-evicted')).toBe(true);
    expect(rt.stats().processes).toBeLessThanOrEqual(10);
  }, 120_000);

  it('evicts the least recently used tenant, which has exited before its replacement is spawned', async () => {
    const clock = new ManualClock();
    const { runtime: rt, transitions } = runtime(tenantsRoot(['a', 'b', 'c']), { maxConcurrent: 2, clock });
    const a = await rt.ensure('a');
    clock.advance(1000);
    const b = await rt.ensure('b');
    clock.advance(1000);
    rt.touch('a'); // b is now the least recently used
    const c = await rt.ensure('c');
    expect(ofType(transitions, 'lru-evict')).toEqual([{ type: 'lru-evict', key: 'b', pid: b.pid, reason: 'max-concurrent' }]);
    expect(pidExists(b.pid)).toBe(false);
    expect(pidExists(a.pid)).toBe(true);
    const exitOfB = transitions.findIndex((event) => event.type === 'exit' && event.pid === b.pid);
    const spawnOfC = transitions.findIndex((event) => event.type === 'spawn' && event.pid === c.pid);
    expect(exitOfB).toBeLessThan(spawnOfC);
    expect(rt.stats()).toMatchObject({ running: 2, processes: 2 });
  });

  it('makes a start wait while every slot holds a starting tenant, then evicts', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['a', 'b']), { maxConcurrent: 1 });
    const [a, b] = await Promise.all([rt.ensure('a'), rt.ensure('b')]);
    expect(a.key).toBe('a');
    expect(b.key).toBe('b');
    expect(pidExists(a.pid)).toBe(false);
    expect(rt.metrics().totalExits['lru-evicted']).toBe(1);
  });
});
