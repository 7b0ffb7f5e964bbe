import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '@drove/test-support';
import { disposeAll, getJson, runtime, tenantsRoot } from './helpers.js';

afterEach(disposeAll);
afterAll(() => {
  delete process.env.DROVE_TEST_SECRET;
  delete process.env.DROVE_TEST_TZ;
  removeTempDirs();
});

interface EnvAnswer {
  env: Record<string, string>;
}

describe('tenant environment', () => {
  it("is an allowlist: PORT, NODE_ENV, PATH and the runtime's own variables, never the host's environment", async () => {
    process.env.DROVE_TEST_SECRET = 'hunter2';
    const { runtime: rt } = runtime(tenantsRoot(['acme']));
    const tenant = await rt.ensure('acme');
    const { env } = await getJson<EnvAnswer>(tenant.port, '/env');
    // Node adds its IPC variables to a forked child's environment itself.
    const own = Object.keys(env).filter((name) => !name.startsWith('NODE_CHANNEL_'));
    expect(own.sort()).toEqual(['DROVE_TENANT_KEY', 'DROVE_TENANT_LISTEN', 'NODE_ENV', 'PATH', 'PORT']);
    expect(env).toMatchObject({ NODE_ENV: 'production', PORT: String(tenant.port), DROVE_TENANT_KEY: 'acme', PATH: process.env.PATH });
    expect(JSON.stringify(env)).not.toContain('hunter2');
  });

  it('adds what the options name: passEnv, env (an object or a function of the key) and nodeEnv', async () => {
    process.env.DROVE_TEST_TZ = 'Europe/Paris';
    process.env.DROVE_TEST_SECRET = 'hunter2';
    const { runtime: rt } = runtime(tenantsRoot(['acme', 'globex']), {
      passEnv: ['DROVE_TEST_TZ', 'NOT_SET_ANYWHERE'],
      env: (key) => ({ DATABASE_URL: `postgres://db/${key}` }),
      nodeEnv: 'staging',
    });
    const acme = await getJson<EnvAnswer>((await rt.ensure('acme')).port, '/env');
    const globex = await getJson<EnvAnswer>((await rt.ensure('globex')).port, '/env');
    expect(acme.env).toMatchObject({ DROVE_TEST_TZ: 'Europe/Paris', DATABASE_URL: 'postgres://db/acme', NODE_ENV: 'staging' });
    expect(globex.env.DATABASE_URL).toBe('postgres://db/globex');
    expect(acme.env).not.toHaveProperty('NOT_SET_ANYWHERE');
    expect(acme.env).not.toHaveProperty('DROVE_TEST_SECRET');
  });

  it('does not let env override the port or the protocol variables', async () => {
    const { runtime: rt } = runtime(tenantsRoot(['acme']), { env: { PORT: '1', DROVE_TENANT_KEY: 'other', GREETING: 'hi' } });
    const tenant = await rt.ensure('acme');
    const { env } = await getJson<EnvAnswer>(tenant.port, '/env');
    expect(env).toMatchObject({ PORT: String(tenant.port), DROVE_TENANT_KEY: 'acme', GREETING: 'hi' });
  });
});
