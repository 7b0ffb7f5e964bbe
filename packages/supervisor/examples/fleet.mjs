// `node examples/fleet.mjs` after `npm run build -w @drove/supervisor`.
import { Supervisor } from '@drove/supervisor';

const supervisor = new Supervisor({
  strategy: 'one-for-one',
  maxRestarts: 5, // more than 5 restarts within 10 s: stop everything and give up
  periodMs: 10_000,
  output: 'prefix', // each child's output lines start with its name
  sockets: { http: { port: 0 } }, // owned by the supervisor, lent to `web`: a crash never refuses a connection
  children: [
    {
      name: 'web',
      kind: 'process',
      entry: new URL('./web.mjs', import.meta.url),
      heartbeat: { intervalMs: 1000, timeoutMs: 5000 }, // a blocked event loop is killed and restarted
      maxRssBytes: 512 * 2 ** 20, // recycled past 512 MiB
      spare: true, // a warm Node process waits to take over: a restart costs an import, not a Node start
      preload: ['node:http'],
    },
    { name: 'jobs', kind: 'thread', entry: new URL('./jobs.mjs', import.meta.url), restart: 'transient' },
  ],
});

supervisor.on('ready', ({ name, startupMs }) => console.log(`${name} ready in ${Math.round(startupMs)} ms`));
supervisor.on('exit', ({ name, reason, signal, willRestart }) =>
  console.log(`${name} exited: ${reason}${signal ? ` (${signal})` : ''}${willRestart ? ', restarting' : ''}`),
);
supervisor.on('backoff', ({ name, delayMs }) => console.log(`${name} restarts in ${Math.round(delayMs / 100) / 10} s`));

await supervisor.start();
const url = `http://127.0.0.1:${supervisor.address('http').port}/`;
console.log(`GET → ${(await (await fetch(url)).text()).trim()}`);

// Crash the web child: the request below waits for its successor instead of being refused.
process.kill(supervisor.whichChildren().find((child) => child.name === 'web').pid, 'SIGKILL');
console.log(`GET during the restart → ${(await (await fetch(url)).text()).trim()}`);

for (const child of supervisor.stats().children) console.log(`${child.name}: ${child.state}, ${child.restarts} restart(s)`);
await supervisor.stop();
console.log(`stopped: ${supervisor.countChildren().active} children alive`);
