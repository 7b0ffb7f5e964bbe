// The ways to keep a tiny HTTP server alive that the benchmark compares:
// drove (binding its own port, or on a supervisor-owned socket), a bare
// respawn loop (fork again on exit), and PM2 (its daemon, autorestart).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Supervisor } from '@drove/supervisor';
import { freePort, get } from './http.mjs';
import { loadPm2, stopPm2 } from './pm2.mjs';

const bare = fileURLToPath(new URL('../fixtures/bare-http.cjs', import.meta.url));
const droveChild = new URL('../fixtures/drove-http.mjs', import.meta.url);

/** Resolves when the server answers. */
async function serving(port) {
  for (;;) {
    const outcome = await get(port, 2000);
    if (outcome.ok) return Number(outcome.body);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** drove's supervisor keeping the server alive: on a port of its own or on a supervisor-owned socket, with or without a warm spare. */
function droveContender(name, { shared, spare }) {
  return {
    name,
    drove: true,
    async start() {
      const ownPort = shared ? undefined : await freePort();
      const supervisor = new Supervisor({
        stableAfterMs: 0,
        output: 'ignore',
        ...(shared ? { sockets: { http: { port: 0 } } } : {}),
        children: [
          {
            name: 'web',
            kind: 'process',
            entry: droveChild,
            ...(shared ? { args: ['--shared'] } : { env: { PORT: String(ownPort) } }),
            ...(spare ? { spare: true, preload: ['node:http'] } : {}),
          },
        ],
      });
      await supervisor.start();
      const port = shared ? supervisor.address('http').port : ownPort;
      await serving(port);
      return { port, supervisor, spare, pid: () => supervisor.whichChildren()[0].pid, stop: () => supervisor.kill() };
    },
  };
}

export const contenders = [
  {
    name: 'bare respawn loop',
    async start() {
      const port = await freePort();
      let child;
      let stopping = false;
      const spawnOne = () => {
        child = fork(bare, [], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
        child.on('exit', () => {
          if (!stopping) spawnOne();
        });
      };
      spawnOne();
      await serving(port);
      return {
        port,
        pid: () => child.pid,
        async stop() {
          stopping = true;
          child.kill('SIGKILL');
          await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
        },
      };
    },
  },
  droveContender('drove (own port)', { shared: false, spare: false }),
  droveContender('drove (shared socket)', { shared: true, spare: false }),
  droveContender('drove (warm spare)', { shared: false, spare: true }),
  droveContender('drove (warm spare, shared socket)', { shared: true, spare: true }),
  {
    name: 'pm2',
    async start() {
      const pm2 = loadPm2();
      if (!pm2) return undefined;
      const { call } = pm2;
      const port = await freePort();
      await call('connect', false);
      // min_uptime low so that the kills of the benchmark never count as unstable restarts.
      await call('start', { script: bare, name: 'web', env: { PORT: String(port) }, autorestart: true, min_uptime: 100, max_restarts: 1000 });
      await serving(port);
      const describe = async () => (await call('describe', 'web'))[0]?.pid;
      let pid = await describe();
      return {
        port,
        pid: () => pid,
        async refreshPid() {
          pid = await describe();
        },
        async stop() {
          await stopPm2(pm2, ['web']);
        },
      };
    },
  },
];
