// The fence around a tenant, at the file system and the process tree: an entry file that a symlink takes
// out of the tenants root is never run, and every stop of a tenant — kill(), eviction, the runtime's own
// SIGKILL — ends the processes the tenant started too (its process group).
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, pidExists, removeTempDirs } from '@drove/test-support';
import { disposeAll, getJson, ManualClock, ofType, runtime, tenantScript, tenantsRoot, waitFor } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (pidExists(pid)) process.kill(pid, 'SIGKILL');
});

describe('entry files', () => {
  it('refuses an entry that a symlink takes outside the root, and spawns nothing', async () => {
    const outside = makeTempDir('drove-outside-');
    writeFileSync(join(outside, 'server.mjs'), "process.stdout.write('outside ran\\n');\n");
    mkdirSync(join(outside, 'lib'));
    writeFileSync(join(outside, 'lib', 'server.mjs'), '');
    const root = tenantsRoot(['linked', 'via-folder', 'inside']);
    symlinkSync(join(outside, 'server.mjs'), join(root, 'linked', 'server.mjs'));
    symlinkSync(join(outside, 'lib'), join(root, 'via-folder', 'lib'));
    const { runtime: rt, transitions } = runtime(root, { entry: 'server.mjs' });
    await expect(rt.ensure('linked')).rejects.toMatchObject({
      code: 'ERR_TENANT_ENTRY_OUTSIDE_ROOT',
      key: 'linked',
      entry: 'server.mjs',
      resolved: join(outside, 'server.mjs'),
    });
    const { runtime: byFolder } = runtime(root, { entry: 'lib/server.mjs' });
    await expect(byFolder.ensure('via-folder')).rejects.toMatchObject({ code: 'ERR_TENANT_ENTRY_OUTSIDE_ROOT' });
    expect(ofType(transitions, 'spawn')).toHaveLength(0);
    expect(rt.metrics().totalSpawns + byFolder.metrics().totalSpawns).toBe(0);
  });

  it('runs an entry that links to a file elsewhere inside the root', async () => {
    const root = tenantsRoot(['acme']);
    mkdirSync(join(root, 'acme', 'app'));
    writeFileSync(join(root, 'acme', 'app', 'main.mjs'), `import ${JSON.stringify(tenantScript.href)};\n`);
    symlinkSync(join(root, 'acme', 'app', 'main.mjs'), join(root, 'acme', 'server.mjs'));
    const { runtime: rt } = runtime(root, { entry: 'server.mjs' });
    const tenant = await rt.ensure('acme');
    expect(await getJson<{ key: string }>(tenant.port, '/')).toMatchObject({ key: 'acme' });
  });
});

describe('the process tree', () => {
  it('kill() ends the processes the tenant started', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']), { onLog: () => {} });
    const tenant = await rt.ensure('acme');
    const { pid: grandchild } = await getJson<{ pid: number }>(tenant.port, '/grandchild');
    leftovers.push(grandchild);
    expect(pidExists(grandchild)).toBe(true);
    await rt.kill('acme');
    expect(pidExists(tenant.pid)).toBe(false);
    expect(await waitFor(() => !pidExists(grandchild), 5000)).toBe(true);
  });

  it('evicting a tenant for another ends its grandchildren too', async () => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme', 'globex']), { maxConcurrent: 1, onLog: () => {} });
    const acme = await rt.ensure('acme');
    const { pid: grandchild } = await getJson<{ pid: number }>(acme.port, '/grandchild');
    leftovers.push(grandchild);
    await rt.ensure('globex');
    expect(ofType(transitions, 'lru-evict')).toHaveLength(1);
    expect(await waitFor(() => !pidExists(grandchild), 5000)).toBe(true);
  });

  it('an idle-kill ends the tenant’s grandchildren too', async () => {
    const clock = new ManualClock();
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']), { clock, idleAfterMs: 60_000, sweepIntervalMs: 10_000, onLog: () => {} });
    const acme = await rt.ensure('acme');
    const { pid: grandchild } = await getJson<{ pid: number }>(acme.port, '/grandchild');
    leftovers.push(grandchild);
    clock.advance(70_000);
    expect(await waitFor(() => ofType(transitions, 'idle-kill').length === 1)).toBe(true);
    expect(await waitFor(() => !pidExists(grandchild), 5000)).toBe(true);
  });

  it('the runtime’s SIGKILL ends its tenants and their grandchildren', async () => {
    const root = tenantsRoot(['acme']);
    const host = spawn(process.execPath, [new URL('./fixtures/runtime-host.mjs', import.meta.url).pathname, root, tenantScript.pathname], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    leftovers.push(host.pid as number);
    const line = await new Promise<string>((resolve) => {
      let text = '';
      host.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.split('\n')[0] as string);
      });
    });
    const { tenant, grandchild } = JSON.parse(line) as { tenant: number; grandchild: number };
    leftovers.push(tenant, grandchild);
    expect(pidExists(tenant) && pidExists(grandchild)).toBe(true);
    host.kill('SIGKILL');
    // The promise is one second; the bound here is wider for a loaded machine, not a timing claim.
    expect(await waitFor(() => !pidExists(tenant) && !pidExists(grandchild), 5000)).toBe(true);
  });
});

describe('the user a tenant runs as', () => {
  // Tests run as root in CI; elsewhere the runtime cannot switch users and says so.
  const root = process.getuid?.() === 0;

  it('a tenant under its own user cannot read the runtime’s environment; under the runtime’s user it can', async () => {
    const tenants = tenantsRoot(['own', 'shared']);
    for (const path of [tenants, join(tenants, 'own'), join(tenants, 'shared')]) chmodSync(path, 0o755);
    const { runtime: rt } = runtime(tenants, {
      user: (key) => (key === 'own' ? { uid: 65534, gid: 65534 } : undefined),
      env: { SECRET_FOR_TEST: 'x' },
    });
    const shared = await rt.ensure('shared');
    expect(await getJson<{ read: boolean }>(shared.port, '/parent-environ')).toMatchObject({ read: true });
    if (!root) {
      await expect(rt.ensure('own')).rejects.toMatchObject({ code: 'ERR_TENANT_EXITED' });
      return;
    }
    const own = await rt.ensure('own');
    expect(await getJson<{ read: boolean; code: string; uid: number }>(own.port, '/parent-environ')).toEqual({ read: false, code: 'EACCES', uid: 65534 });
  });

  it('checks the user option', () => {
    expect(() => runtime(tenantsRoot([]), { user: { uid: -1, gid: 0 } })).toThrow('Expected `user.uid` to be an integer >= 0');
    expect(() => runtime(tenantsRoot([]), { user: { uid: 1 } as never })).toThrow('`user.gid`');
  });
});
