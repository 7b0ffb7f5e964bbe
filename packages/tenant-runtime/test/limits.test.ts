import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { probeMemoryCgroup } from '@drove/tenant-runtime';
import { removeTempDirs } from '@drove/test-support';
import { disposeAll, getJson, ofType, runtime, tenantsRoot } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

const hostProbe = await probeMemoryCgroup();

describe('resource limits', () => {
  it('limits a Node tenant\'s heap with --max-old-space-size', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['small', 'other']), { limits: { maxOldSpaceSizeMb: 64 } });
    const { heapSizeLimit } = await getJson<{ heapSizeLimit: number }>((await rt.ensure('small')).port, '/heap');
    // heap_size_limit is the old space plus young-generation reserves: near 64 MB, far below Node's default.
    expect(heapSizeLimit).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(heapSizeLimit).toBeLessThan(128 * 1024 * 1024);
    const unlimited = runtime(tenantsRoot(['big'])).runtime;
    const { heapSizeLimit: defaultLimit } = await getJson<{ heapSizeLimit: number }>((await unlimited.ensure('big')).port, '/heap');
    expect(defaultLimit).toBeGreaterThan(heapSizeLimit);
  });

  it('limits a command tenant\'s heap through NODE_OPTIONS', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['small']), {
      entry: undefined,
      command: [process.execPath, new URL('./fixtures/tenant.mjs', import.meta.url).pathname],
      limits: { maxOldSpaceSizeMb: 64 },
    });
    const { heapSizeLimit } = await getJson<{ heapSizeLimit: number }>((await rt.ensure('small')).port, '/heap');
    expect(heapSizeLimit).toBeLessThan(128 * 1024 * 1024);
  });

  it('probes the host for a delegated cgroup v2 memory controller, and says why not where there is none', () => {
    if (hostProbe.available) expect(hostProbe.parent).toMatch(/^\//);
    else expect(hostProbe.reason).toMatch(/cgroup|memory|Linux/);
  });

  // The host decides which half applies: a delegated memory controller gets each tenant its own
  // cgroup; without one (as on these CI machines) the limit is skipped with a reason, never silently.
  it('applies memoryMaxBytes through the host cgroup where there is one, and reports limit-skipped where not', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['a', 'b']), { limits: { memoryMaxBytes: 256 * 1024 * 1024 } });
    const tenant = await rt.ensure('a');
    await rt.ensure('b');
    const skipped = ofType(transitions, 'limit-skipped');
    if (hostProbe.available) {
      expect(readFileSync(`/proc/${tenant.pid}/cgroup`, 'utf8')).toContain(`drove-tenant-a-${tenant.pid}`);
      expect(skipped).toEqual([]);
    } else {
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toMatchObject({ limit: 'memory-cgroup', reason: hostProbe.reason });
    }
  });

  it('writes memory.max and the pid into the cgroup made under a given parent (a stand-in cgroup directory)', async () => {
    // A plain directory shaped like a delegated cgroup v2: the kernel is not involved, the files show what was written.
    const parent = tenantsRoot([]);
    writeFileSync(join(parent, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(parent, 'cgroup.subtree_control'), 'memory\n');
    expect(await probeMemoryCgroup(parent)).toEqual({ available: true, parent });
    const { runtime: rt, transitions } = runtime(tenantsRoot(['a']), { limits: { memoryMaxBytes: 100 << 20, cgroupParent: parent } });
    const tenant = await rt.ensure('a');
    const made = join(parent, `drove-tenant-a-${tenant.pid}`);
    expect(readFileSync(join(made, 'memory.max'), 'utf8')).toBe(String(100 << 20));
    expect(readFileSync(join(made, 'cgroup.procs'), 'utf8')).toBe(String(tenant.pid));
    expect(ofType(transitions, 'limit-skipped')).toEqual([]);
  });

  it('says why a directory is not usable', async () => {
    const notCgroup = tenantsRoot([]);
    expect(await probeMemoryCgroup(notCgroup)).toMatchObject({ available: false, reason: expect.stringContaining('not a cgroup v2 directory') });
    const noMemory = tenantsRoot([]);
    mkdirSync(noMemory, { recursive: true });
    writeFileSync(join(noMemory, 'cgroup.controllers'), 'cpu pids\n');
    writeFileSync(join(noMemory, 'cgroup.subtree_control'), '\n');
    expect(await probeMemoryCgroup(noMemory)).toMatchObject({ reason: expect.stringContaining('memory controller is not available') });
    writeFileSync(join(noMemory, 'cgroup.controllers'), 'memory\n');
    expect(await probeMemoryCgroup(noMemory)).toMatchObject({ reason: expect.stringContaining('not enabled for the children') });
  });
});
