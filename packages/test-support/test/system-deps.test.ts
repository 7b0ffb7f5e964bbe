// The repository's `pretest` (tools/system-deps.mjs): which Debian packages `npm test` installs, and when it stops instead.
import { describe, expect, it } from 'vitest';
import { missingPackages, plan, SYSTEM_PACKAGES, type SystemPackage } from '../../../tools/system-deps.mjs';

const chromium = SYSTEM_PACKAGES.find((pkg) => pkg.name === 'chromium') as SystemPackage;
const nginx = SYSTEM_PACKAGES.find((pkg) => pkg.name === 'nginx-light') as SystemPackage;
const redis = SYSTEM_PACKAGES.find((pkg) => pkg.name === 'redis-server') as SystemPackage;
const openssl = SYSTEM_PACKAGES.find((pkg) => pkg.name === 'openssl') as SystemPackage;
const tini = SYSTEM_PACKAGES.find((pkg) => pkg.name === 'tini') as SystemPackage;
const situation = { debian: true, root: false, passwordlessSudo: false };

describe('tools/system-deps.mjs', () => {
  it('needs chromium, nginx-light, redis-server, openssl and tini, known by the binaries the tests run', () => {
    expect(chromium.binary).toBe('/usr/bin/chromium');
    expect(nginx.binary).toBe('/usr/sbin/nginx');
    expect(redis.binary).toBe('/usr/bin/redis-server');
    expect(redis.env).toBe('REDIS_SERVER_PATH');
    expect(openssl.binary).toBe('/usr/bin/openssl');
    expect(openssl.env).toBe('OPENSSL_PATH');
    expect(tini.binary).toBe('/usr/bin/tini');
    expect(tini.env).toBe('DROVE_TINI');
  });

  it('finds missing packages by their binary, or by the binary their variable names', () => {
    const present = new Set(['/usr/bin/chromium', '/opt/nginx/sbin/nginx', '/usr/bin/redis-server', '/usr/bin/openssl', '/usr/bin/tini']);
    const isExecutable = (path: string) => present.has(path);
    expect(missingPackages(SYSTEM_PACKAGES, {}, isExecutable)).toEqual([nginx]);
    expect(missingPackages(SYSTEM_PACKAGES, { NGINX_PATH: '/opt/nginx/sbin/nginx' }, isExecutable)).toEqual([]);
    expect(missingPackages(SYSTEM_PACKAGES, { CHROMIUM_PATH: '/nowhere/chromium' }, isExecutable)).toEqual([chromium, nginx]);
    expect(missingPackages(SYSTEM_PACKAGES, { REDIS_SERVER_PATH: '/nowhere/redis-server', NGINX_PATH: '/opt/nginx/sbin/nginx' }, isExecutable)).toEqual([redis]);
    expect(missingPackages(SYSTEM_PACKAGES, { OPENSSL_PATH: '/nowhere/openssl', NGINX_PATH: '/opt/nginx/sbin/nginx' }, isExecutable)).toEqual([openssl]);
    expect(missingPackages(SYSTEM_PACKAGES, { DROVE_TINI: '/nowhere/tini', NGINX_PATH: '/opt/nginx/sbin/nginx' }, isExecutable)).toEqual([tini]);
  });

  it('does nothing when nothing is missing, whoever runs it', () => {
    expect(plan({ ...situation, missing: [] })).toEqual({ action: 'none' });
    expect(plan({ missing: [], debian: false, root: false, passwordlessSudo: false })).toEqual({ action: 'none' });
  });

  it('installs as root with apt-get, updating the lists first', () => {
    expect(plan({ ...situation, root: true, missing: [chromium, nginx] })).toEqual({
      action: 'install',
      commands: [
        ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'],
        ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'chromium', 'nginx-light'],
      ],
    });
  });

  it('installs through sudo -n with passwordless sudo, only what is missing', () => {
    const decided = plan({ ...situation, passwordlessSudo: true, missing: [nginx] });
    expect(decided).toEqual({
      action: 'install',
      commands: [
        ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'],
        ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'nginx-light'],
      ],
    });
  });

  it('stops with one line naming the command when it may not install, or is not on Debian', () => {
    const user = plan({ ...situation, missing: [chromium, nginx] });
    const elsewhere = plan({ debian: false, root: true, passwordlessSudo: true, missing: [chromium, nginx] });
    for (const decided of [user, elsewhere]) {
      expect(decided.action).toBe('fail');
      const message = decided.action === 'fail' ? decided.message : '';
      expect(message).not.toContain('\n');
      expect(message).toContain('`sudo apt-get install -y chromium nginx-light`');
    }
    const one = plan({ ...situation, missing: [nginx] });
    expect(one.action === 'fail' ? one.message : '').toContain('`sudo apt-get install -y nginx-light`');
  });
});
