import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Supervisor, type SupervisorEvents, type SupervisorOptions } from '@drove/supervisor';
import { waitFor as waitWithin, type Condition } from '@drove/test-support';

export const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);
export const readyChild = fixture('ready-child.mjs');
export const crashChild = fixture('crash-child.mjs');
export const neverReady = fixture('never-ready.mjs');
export const httpChild = fixture('http-child.mjs');

/** Supervisors made in a test, killed after it whatever happened. */
const opened: Supervisor[] = [];

export function supervise(options: SupervisorOptions): Supervisor {
  const supervisor = new Supervisor({ output: 'ignore', ...options });
  opened.push(supervisor);
  return supervisor;
}

export async function killAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((supervisor) => supervisor.kill()));
}

type Payload<E extends keyof SupervisorEvents> = Parameters<SupervisorEvents[E]>[0];

/** Resolves with the first event `name` whose payload passes `accept`. */
export function nextEvent<E extends keyof SupervisorEvents>(
  supervisor: Supervisor,
  name: E,
  accept: (event: Payload<E>) => boolean = () => true,
): Promise<Payload<E>> {
  return new Promise((resolve) => {
    const listener = (event: Payload<E>): void => {
      if (!accept(event)) return;
      supervisor.off(name, listener as never);
      resolve(event);
    };
    supervisor.on(name, listener as never);
  });
}

/** Records every event of the supervisor as `[name, payload]`. */
export function record(supervisor: Supervisor): Array<[keyof SupervisorEvents, Record<string, unknown>]> {
  const seen: Array<[keyof SupervisorEvents, Record<string, unknown>]> = [];
  for (const name of ['spawn', 'ready', 'exit', 'restart', 'backoff', 'giveUp', 'shutdown', 'error'] as const) {
    supervisor.on(name, (event: object) => seen.push([name, event as Record<string, unknown>]));
  }
  return seen;
}

/** `waitFor` from @drove/test-support with this package's bound: 15 s unless told (a bound on waiting, not a timing assertion). */
export function waitFor(condition: Condition, deadlineMs = 15_000): Promise<boolean> {
  return waitWithin(condition, { deadlineMs });
}

export function pidOf(supervisor: Supervisor, name: string): number {
  const pid = supervisor.whichChildren().find((child) => child.name === name)?.pid;
  if (pid === undefined) throw new Error(`child ${name} has no pid`);
  return pid;
}

/** Starts a master process from a fixture and resolves with its first stdout line (the pids it reports). */
export async function startMaster(name: string): Promise<{ master: ChildProcessByStdio<null, Readable, null>; line: string }> {
  const master = spawn(process.execPath, [fileURLToPath(fixture(name))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    master.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    master.once('exit', () => reject(new Error(`master exited early: ${text}`)));
  });
  return { master, line };
}
