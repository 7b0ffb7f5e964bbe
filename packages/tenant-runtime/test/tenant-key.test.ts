import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assertTenantKey, InvalidTenantKeyError, isTenantKey, resolveTenantDirectory } from '@drove/tenant-runtime';
import { removeTempDirs } from '@drove/test-support';
import { disposeAll, runtime, tenantsRoot } from './helpers.js';

afterEach(disposeAll);
afterAll(removeTempDirs);

const refused: [string, string, RegExp][] = [
  ['dot-dot', '..', /must not start with a dot/],
  ['a dot', '.', /must not start with a dot/],
  ['a hidden name', '.env', /must not start with a dot/],
  ['a traversal', 'a/../../x', /path separator/],
  ['an absolute path', '/etc/passwd', /path separator/],
  ['a backslash path', '..\\x', /path separator|start with a dot/],
  ['an empty key', '', /must not be empty/],
  ['a NUL byte', 'acme\0.js', /NUL byte/],
  ['an over-long key', 'a'.repeat(64), /at most 63 characters, got 64/],
  ['a space', 'ac me', /letters, digits/],
  ['a non-ASCII letter', 'acmé', /letters, digits/],
];

describe('tenant keys', () => {
  it.each(refused)('refuses %s', (_what, key, why) => {
    expect(isTenantKey(key)).toBe(false);
    expect(() => assertTenantKey(key)).toThrow(InvalidTenantKeyError);
    expect(() => assertTenantKey(key)).toThrow(why);
  });

  it('accepts letters, digits, dots, dashes and underscores up to 63 characters', () => {
    for (const key of ['acme', 'a', 'Tenant_42', 'shop.eu-1', 'x'.repeat(63), '0day']) expect(isTenantKey(key)).toBe(true);
  });

  it('quotes a refused key safely in the message and in toJSON()', () => {
    const error = (() => {
      try {
        assertTenantKey('bad\0\nkey');
      } catch (e) {
        return e as InvalidTenantKeyError;
      }
    })();
    expect(error?.message).toContain('"bad\\u0000\\nkey"');
    expect(error?.toJSON()).toMatchObject({ name: 'InvalidTenantKeyError', code: 'ERR_TENANT_INVALID_KEY', key: '"bad\\u0000\\nkey"' });
    expect(() => assertTenantKey(42)).toThrow('a key must be a string, got number');
  });

  it.each(refused)('ensure() refuses %s with ERR_TENANT_INVALID_KEY and spawns nothing', async (_what, key) => {
    const { runtime: rt, transitions } = runtime(tenantsRoot(['acme']));
    await expect(rt.ensure(key)).rejects.toMatchObject({ code: 'ERR_TENANT_INVALID_KEY', name: 'InvalidTenantKeyError' });
    await expect(rt.restart(key)).rejects.toMatchObject({ code: 'ERR_TENANT_INVALID_KEY' });
    expect(transitions).toEqual([]);
    expect(rt.metrics()).toMatchObject({ totalSpawns: 0, backoff: 0, total: 0 });
  });

  it('refuses a key whose directory is a symlink out of the root, and spawns nothing', async () => {
    const outside = tenantsRoot(['victim']);
    const root = tenantsRoot(['acme']);
    symlinkSync(join(outside, 'victim'), join(root, 'escape'));
    symlinkSync(outside, join(root, 'up'));
    const { runtime: rt, transitions } = runtime(root);
    await expect(rt.ensure('escape')).rejects.toMatchObject({
      code: 'ERR_TENANT_INVALID_KEY',
      message: expect.stringContaining('resolves outside the tenants root'),
    });
    await expect(rt.ensure('up')).rejects.toMatchObject({ code: 'ERR_TENANT_INVALID_KEY' });
    expect(transitions).toEqual([]);
    expect(rt.stats().backoff).toBe(0);
  });

  it('follows a symlink that stays inside the root (a release switched by a link)', async () => {
    const root = tenantsRoot(['releases']);
    mkdirSync(join(root, 'releases', 'acme-v2'));
    symlinkSync(join(root, 'releases', 'acme-v2'), join(root, 'acme'));
    expect(await resolveTenantDirectory(root, 'acme')).toBe(join(root, 'releases', 'acme-v2'));
    const { runtime: rt } = runtime(root);
    const tenant = await rt.ensure('acme');
    expect(tenant.key).toBe('acme');
  });

  it('refuses a link to the root itself', async () => {
    const root = tenantsRoot([]);
    symlinkSync(root, join(root, 'self'));
    await expect(resolveTenantDirectory(root, 'self')).rejects.toMatchObject({ code: 'ERR_TENANT_INVALID_KEY' });
  });
});
