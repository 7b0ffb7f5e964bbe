import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '@drove/test-support';
import { disposeAll, getJson, runtime, tenantsRoot } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

describe('ports', () => {
  it.each(['handle', 'report'] as const)(
    'never collide between two runtimes on one host starting tenants at the same time (listen: %s)',
    async (listen) => {
      const keys = Array.from({ length: 20 }, (_, i) => `t${i}`);
      const first = runtime(tenantsRoot(keys), { listen }).runtime;
      const second = runtime(tenantsRoot(keys), { listen }).runtime;
      // Interleave the two runtimes' starts, and do it three times over (each round restarts every tenant).
      for (let round = 0; round < 3; round++) {
        const tenants = await Promise.all(
          keys.flatMap((key) => [round === 0 ? first.ensure(key) : first.restart(key), round === 0 ? second.ensure(key) : second.restart(key)]),
        );
        const ports = tenants.map((tenant) => tenant.port);
        expect(new Set(ports).size).toBe(ports.length);
        // Every port is served by the very process the runtime reported for it.
        const answers = await Promise.all(tenants.map((tenant) => getJson<{ pid: number; key: string }>(tenant.port)));
        answers.forEach((answer, index) => expect([answer.pid, answer.key]).toEqual([tenants[index]?.pid, tenants[index]?.key]));
      }
    },
    120_000,
  );
});
