/**
 * The supervised part of the demo: the front door and the dashboard, each a
 * process child of a @drove/supervisor, each accepting on a listening socket
 * the supervisor owns — a killed child is restarted and, meanwhile, its
 * port holds connections for the successor instead of refusing them.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Supervisor } from '@drove/supervisor';
import type { FleetEvent } from '../shared/state.js';

export interface FleetOptions {
  host: string;
  port: number;
  dashboardPort: number;
  /** Environment of both children (the run's token, the addresses they call). */
  env: (ports: { port: number; dashboardPort: number }) => Record<string, string>;
  log: (line: string) => void;
}

export interface Fleet {
  supervisor: Supervisor;
  port: number;
  dashboardPort: number;
  /** The latest supervisor events, newest last. */
  events: () => FleetEvent[];
  /** Closes the listening sockets (after `supervisor.stop()`: the supervisor does not close sockets it was given). */
  close: () => void;
}

/** Opens a listening socket for the supervisor to own; a port in use fails here, with a hint. */
async function openSocket(host: string, port: number, flag: string): Promise<Server> {
  const server = createServer({ pauseOnConnect: true });
  server.listen({ host, port });
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot listen on ${host}:${port} (${code ?? String(error)}): pick another port with ${flag} <port>, or 0 for any free one`);
  }
  return server;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const web = await openSocket(options.host, options.port, '--port');
  const dashboard = await openSocket(options.host, options.dashboardPort, '--dashboard-port').catch((error: unknown) => {
    web.close();
    throw error;
  });
  const ports = { port: (web.address() as AddressInfo).port, dashboardPort: (dashboard.address() as AddressInfo).port };
  const env = options.env(ports);
  const child = (name: string) => ({
    name,
    kind: 'process' as const,
    entry: new URL(`./${name}.js`, import.meta.url),
    env,
    heartbeat: true,
    // A warm Node process waits to take over: a killed child is back in about the time of an import.
    spare: true,
    shutdownTimeoutMs: 5000,
  });
  const supervisor = new Supervisor({
    strategy: 'one-for-one',
    output: 'prefix',
    // A child that ran 5 s counts as stable: killing it from the dashboard restarts it at once.
    stableAfterMs: 5000,
    backoff: { baseMs: 500, factor: 2, maxMs: 10_000, jitter: 0.2 },
    sockets: { web, dashboard },
    children: [child('front-door'), child('dashboard')],
  });

  const events: FleetEvent[] = [];
  const record = (type: FleetEvent['type'], name: string, text: string) => {
    events.push({ at: Date.now(), type, name, text });
    if (events.length > 50) events.shift();
    if (type !== 'spawn') options.log(`supervisor: ${text}`);
  };
  supervisor.on('spawn', ({ name, pid }) => record('spawn', name, `${name} spawned (pid ${pid})`));
  supervisor.on('ready', ({ name, startupMs }) => record('ready', name, `${name} ready in ${Math.round(startupMs)} ms`));
  supervisor.on('exit', ({ name, reason, signal, willRestart }) => {
    if (reason !== 'shutdown') record('exit', name, `${name} exited: ${reason}${signal ? ` (${signal})` : ''}${willRestart ? ', restarting' : ''}`);
  });
  supervisor.on('backoff', ({ name, delayMs }) => record('backoff', name, `${name} backs off ${Math.round(delayMs)} ms`));
  supervisor.on('giveUp', ({ name }) => record('giveUp', name, `gave up on ${name}`));

  await supervisor.start();
  return {
    supervisor,
    ...ports,
    events: () => [...events],
    close: () => {
      web.close();
      dashboard.close();
    },
  };
}
