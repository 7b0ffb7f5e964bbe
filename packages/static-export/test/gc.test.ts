import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, traceGc } from '@drove/test-support';
import { fixturePath, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe("what a render child keeps per path", () => {
  it('lets each path die young: a child copies or promotes under 10 % of what it allocates', async () => {
    const { isolates, stdout } = await traceGc(['--expose-gc', fixturePath('gc-probe.mjs'), tempDir()]);
    expect(stdout.trim().split('\n').at(-1)).toBe('40000');
    // The coordinator first, then the two children (each its own pid).
    const children = isolates.slice(1);
    expect(children).toHaveLength(2);
    for (const child of children) {
      expect(child.allocated).toBeGreaterThan(20e6);
      // A path's ctx made as an object literal with its own `get signal()` got a hidden class of its
      // own, which kept every path's objects alive through scavenges: about a third then, 6 % now.
      expect((child.survived + child.promoted) / child.allocated).toBeLessThan(0.1);
    }
  }, 120_000);
});
