#!/usr/bin/env node
// The Debian packages `npm test` needs, checked before it runs (the root `pretest` script).
// Missing ones are installed with apt-get when this user may (root, or passwordless sudo);
// otherwise this stops at once with the one command to run. Plain Node, no dependencies.
//
// Add a package the tests come to need to SYSTEM_PACKAGES: its Debian name, the binary it
// installs, the environment variable a test honours to use another binary, and who needs it.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** @type {readonly import('./system-deps.d.mts').SystemPackage[]} */
export const SYSTEM_PACKAGES = [
  { name: 'chromium', binary: '/usr/bin/chromium', env: 'CHROMIUM_PATH', neededBy: "apps/demo's browser test" },
  { name: 'nginx-light', binary: '/usr/sbin/nginx', env: 'NGINX_PATH', neededBy: "tenant-runtime's nginx test" },
  { name: 'redis-server', binary: '/usr/bin/redis-server', env: 'REDIS_SERVER_PATH', neededBy: "remote's tests and README examples (BullMQ on a real Redis)" },
  { name: 'openssl', binary: '/usr/bin/openssl', env: 'OPENSSL_PATH', neededBy: "the TLS tests of remote and static-export (a CA and certificates for redis-server)" },
  { name: 'tini', binary: '/usr/bin/tini', env: 'DROVE_TINI', neededBy: "supervisor's PID-1 test (drove-supervise reaps orphans as PID 1 through tini)" },
];

/** The packages of `packages` whose binary (or the one their variable names) is not an executable file. */
export function missingPackages(packages = SYSTEM_PACKAGES, env = process.env, isExecutable = executable) {
  return packages.filter((pkg) => !isExecutable(env[pkg.env] || pkg.binary));
}

/** What to do about `missing`, given who runs this and where. */
export function plan({ missing, debian, root, passwordlessSudo }) {
  if (missing.length === 0) return { action: 'none' };
  const names = missing.map((pkg) => pkg.name);
  if (debian && (root || passwordlessSudo)) {
    const prefix = root ? [] : ['sudo', '-n'];
    const apt = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];
    return {
      action: 'install',
      commands: [
        [...apt, 'update', '-qq'],
        [...apt, 'install', '-y', '-qq', ...names],
      ],
    };
  }
  return {
    action: 'fail',
    message: `npm test needs the Debian package${names.length > 1 ? 's' : ''} ${names.join(', ')}: run \`sudo apt-get install -y ${names.join(' ')}\` (or set ${missing.map((pkg) => pkg.env).join(' / ')} to the binary), then npm test again`,
  };
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function succeeds(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

function main() {
  const missing = missingPackages();
  const decision = plan({
    missing,
    debian: existsSync('/etc/debian_version') && executable('/usr/bin/apt-get'),
    root: process.getuid?.() === 0,
    passwordlessSudo: missing.length > 0 && process.getuid?.() !== 0 && succeeds('sudo', ['-n', 'true']),
  });
  if (decision.action === 'none') return 0;
  if (decision.action === 'fail') {
    console.error(decision.message);
    return 1;
  }
  for (const pkg of missing) console.log(`system-deps: installing ${pkg.name} (${pkg.binary}, for ${pkg.neededBy}) with apt-get`);
  for (const [command, ...args] of decision.commands) {
    const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (result.error !== undefined || result.status !== 0) {
      const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-5).join('\n');
      console.error(`system-deps: \`${[command, ...args].join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`})${output ? `:\n${output}` : ''}`);
      return 1;
    }
  }
  const still = missingPackages();
  if (still.length > 0) {
    console.error(`system-deps: apt-get finished but ${still.map((pkg) => process.env[pkg.env] || pkg.binary).join(', ')} is still missing`);
    return 1;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
