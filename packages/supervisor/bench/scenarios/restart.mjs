// Restart-to-ready: SIGKILL the server, then time until a new process answers.
import { summarize } from '../lib/stats.mjs';
import { get, sleep, waitForNewPid, warm } from '../lib/http.mjs';

export async function restartToReady(contender, trials) {
  const server = await contender.start();
  if (!server) return undefined;
  const toServing = [];
  const toReady = [];
  try {
    for (let trial = 0; trial <= trials; trial++) {
      await sleep(300);
      await server.refreshPid?.();
      // A spare boots after the restarted child is ready: kill only once it is warm (the steady state).
      if (server.spare) await warm(server.supervisor);
      const pid = server.pid();
      const readyEvent = server.supervisor
        ? new Promise((resolve) => server.supervisor.once('ready', () => resolve(performance.now())))
        : undefined;
      const killedAt = performance.now();
      process.kill(pid, 'SIGKILL');
      await waitForNewPid(server.port, pid);
      const servedAt = performance.now();
      if (trial === 0) continue; // warm-up
      toServing.push(servedAt - killedAt);
      if (readyEvent) toReady.push((await readyEvent) - killedAt);
    }
    // The server must still answer after the last kill.
    if (!(await get(server.port)).ok) throw new Error(`${contender.name} stopped answering`);
  } finally {
    await server.stop();
  }
  return { serving: summarize(toServing), ready: toReady.length ? summarize(toReady) : undefined };
}
