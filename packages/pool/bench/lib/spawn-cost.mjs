// What the parent-death guard costs a spawn: each variant is started ROUNDS times, interleaved so a
// busy machine slows them alike, and the median is printed. A Node child counts until its first IPC
// message (what a pool worker's start waits for at least), a command until it exits (/bin/true).
// The last row of each group is what spawnEndpoint does on Linux with util-linux's setpriv.
//
//   node bench/lib/spawn-cost.mjs [rounds]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROUNDS = Number(process.argv[2] ?? 40);
const SETPRIV = '/usr/bin/setpriv';
const preload = fileURLToPath(new URL('../../dist/entry/orphan-watch.cjs', import.meta.url));
const guard = '[ "$PPID" = "$1" ] || exit 129; if [ "$2" = 1 ]; then PWD=$3; export PWD; else unset PWD; fi; shift 3; exec "$@"';
const pdeath = [SETPRIV, '--pdeathsig', 'SIGKILL', '--'];
const node = ['-e', 'process.send(1)'];
const env = { ...process.env, DROVE_PARENT: `${process.pid}:pdeathsig` };

const variants = {
  'node, bare (fork)': { argv: [process.execPath, ...node], ipc: true },
  'node + preload': { argv: [process.execPath, '--require', preload, ...node], ipc: true },
  'node + setpriv': { argv: [...pdeath, process.execPath, ...node], ipc: true },
  'node + setpriv + preload (spawnEndpoint)': { argv: [...pdeath, process.execPath, '--require', preload, ...node], ipc: true },
  'command, bare': { argv: ['/bin/true'], ipc: false },
  'command + setpriv': { argv: [...pdeath, '/bin/true'], ipc: false },
  'command + setpriv + sh guard (spawnEndpoint)': { argv: [...pdeath, '/bin/sh', '-c', guard, 'guard', String(process.pid), '0', '', '/bin/true'], ipc: false },
};

function once({ argv: [file, ...args], ipc }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn(file, args, { env, stdio: ipc ? ['ignore', 'ignore', 'inherit', 'ipc'] : ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    if (!ipc) {
      child.once('exit', () => resolve(elapsed()));
      return;
    }
    child.once('message', () => {
      const ms = elapsed();
      child.once('exit', () => resolve(ms));
      child.kill('SIGKILL');
    });
  });
}

const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, variant] of Object.entries(variants)) times[name].push(await once(variant));
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
// On a busy machine the spread of one variant exceeds the differences: the added cost is the
// median of the per-round differences to the bare spawn of the same round.
const bareOf = (name) => times[name.startsWith('node') ? 'node, bare (fork)' : 'command, bare'];
console.log(`${ROUNDS} spawns each, interleaved; Node ${process.version}, ${process.platform}`);
console.log('| variant | median ms | added, median of paired differences, ms |');
console.log('| --- | ---: | ---: |');
for (const [name, values] of Object.entries(times)) {
  const bare = bareOf(name);
  const added = values === bare ? '—' : median(values.map((value, round) => value - bare[round])).toFixed(2);
  console.log(`| ${name} | ${median(values).toFixed(2)} | ${added} |`);
}
