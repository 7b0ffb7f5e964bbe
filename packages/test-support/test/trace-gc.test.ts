import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { traceGc } from '@drove/test-support';

const allocate = fileURLToPath(new URL('./fixtures/allocate.mjs', import.meta.url));
const MB = 1e6;

describe('traceGc', () => {
  it('totals what a script allocates, and tells what it keeps from what it drops', async () => {
    const dropped = await traceGc([allocate, 'drop']);
    const kept = await traceGc([allocate, 'keep']);
    expect(dropped.stdout.trim()).toBe('200000 0');
    expect(kept.stdout.trim()).toBe('200000 200000');
    expect(dropped.isolates).toHaveLength(1);
    const [drop] = dropped.isolates;
    const [keep] = kept.isolates;
    // About 1 KB an object, 200,000 objects: both allocate at least 150 MB and collect several times.
    expect(drop!.allocated).toBeGreaterThan(150 * MB);
    expect(keep!.allocated).toBeGreaterThan(150 * MB);
    expect(drop!.scavenges).toBeGreaterThan(10);
    expect(drop!.pauseMs).toBeGreaterThan(0);
    // Kept objects are copied and promoted (until V8 notices and allocates them old at once); dropped ones are not.
    expect(keep!.promoted).toBeGreaterThan(20 * MB);
    expect(drop!.promoted + drop!.survived).toBeLessThan(5 * MB);
  }, 60_000);

  it('rejects when the script fails', async () => {
    await expect(traceGc(['-e', 'process.exit(3)'])).rejects.toThrow(/exited with 3/);
  });
});
