import { spawn, type ChildProcess } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { DashboardAction, DashboardSnapshot, DemoUrls } from '../src/shared/state.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface RunningDemo {
  child: ChildProcess;
  urls: DemoUrls;
  dataDir: string;
  /** Every line the demo printed so far (stdout and stderr). */
  output: string[];
  /** Resolves when the first build and export finished. */
  built: Promise<{ blog: string; catalogue: string }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ctrl-C as a terminal sends it: SIGINT to the whole process group. */
  interrupt: () => void;
  cleanup: () => void;
}

/** Starts `drove-demo` on free ports with a small site, in its own process group. */
export async function startDemo(extra: string[] = [], env: Record<string, string> = {}): Promise<RunningDemo> {
  const dataDir = mkdtempSync(join(tmpdir(), 'drove-demo-'));
  const args = ['--port', '0', '--dashboard-port', '0', '--posts', '120', '--products', '120', '--data-dir', dataDir, '--json', ...extra];
  const child = spawn(process.execPath, [main, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let onListening!: (urls: DemoUrls) => void;
  let onBuilt!: (jobs: { blog: string; catalogue: string }) => void;
  const listening = new Promise<DemoUrls>((resolve) => (onListening = resolve));
  const built = new Promise<{ blog: string; catalogue: string }>((resolve) => (onBuilt = resolve));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (!line.startsWith('{')) return;
      const event = JSON.parse(line) as { event: string; urls?: DemoUrls; blog?: string; catalogue?: string };
      if (event.event === 'listening') onListening(event.urls!);
      if (event.event === 'built') onBuilt({ blog: event.blog!, catalogue: event.catalogue! });
    });
  }
  const urls = await Promise.race([
    listening,
    exited.then(({ code }) => {
      throw new Error(`drove-demo exited with ${code} before listening:\n${output.join('\n')}`);
    }),
  ]);
  return {
    child,
    urls,
    dataDir,
    output,
    built,
    exited,
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
    cleanup: () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every process below `pid`, read from /proc (each thread's `children` file). */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  const walk = (parent: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(/\s+/).filter(Boolean).map(Number)) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/** Polls `check` until it returns a value other than `undefined`/`false`, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A GET on a fresh connection each time (a kept-alive one may belong to a process the test just killed). */
export function getText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { agent: false, timeout: 30_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/** The dashboard's latest snapshot (refreshed every second, and after each action). */
export async function snapshot(urls: DemoUrls): Promise<DashboardSnapshot> {
  return JSON.parse((await getText(`${urls.dashboard}state.json`)).body) as DashboardSnapshot;
}

/** Sends one action to the dashboard over its WebSocket, as the page does, and resolves with its result. */
export async function act(urls: DemoUrls, action: DashboardAction): Promise<{ ok: boolean; message: string }> {
  const socket = new WebSocket(`${urls.dashboard.replace(/^http/, 'ws')}ws`);
  try {
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ id: 1, action }));
    return await new Promise((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; ok: boolean; message: string };
        if (message.type === 'result') resolve(message);
      });
    });
  } finally {
    socket.close();
  }
}
