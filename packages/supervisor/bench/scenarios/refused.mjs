// Requests refused during restarts: a steady client load (several loops of
// one request per fresh connection) while the server is SIGKILLed `kills`
// times; every outcome is counted.
import { get, sleep, waitForNewPid, warm } from '../lib/http.mjs';

export async function refusedDuringRestart(contender, kills, loops = 4) {
  const server = await contender.start();
  if (!server) return undefined;
  const counts = { ok: 0, refused: 0, reset: 0, other: 0, steadyPerSecond: 0 };
  // The same load without kills first: what the server answers when nothing fails.
  {
    let steady = true;
    let answered = 0;
    const started = performance.now();
    const warm = Array.from({ length: loops }, async () => {
      while (steady) if ((await get(server.port, 5000)).ok) answered++;
    });
    await sleep(2000);
    steady = false;
    await Promise.all(warm);
    counts.steadyPerSecond = (answered * 1000) / (performance.now() - started);
  }
  let running = true;
  const load = Array.from({ length: loops }, async () => {
    while (running) {
      const outcome = await get(server.port, 5000);
      if (outcome.ok) counts.ok++;
      else if (outcome.code === 'ECONNREFUSED') counts.refused++;
      else if (outcome.code === 'ECONNRESET' || outcome.code === 'socket hang up') counts.reset++;
      else counts.other++;
      // Refusals come back at once: do not spin.
      if (!outcome.ok) await sleep(1);
    }
  });
  try {
    for (let kill = 0; kill < kills; kill++) {
      await sleep(300);
      await server.refreshPid?.();
      // A spare boots after the restarted child is ready: kill only once it is warm (the steady state).
      if (server.spare) await warm(server.supervisor);
      const pid = server.pid();
      process.kill(pid, 'SIGKILL');
      await waitForNewPid(server.port, pid);
    }
    await sleep(300);
  } finally {
    running = false;
    await Promise.all(load);
    await server.stop();
  }
  return counts;
}
