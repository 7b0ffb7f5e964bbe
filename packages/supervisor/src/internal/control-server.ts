// The control socket: a Unix socket in the supervisor's run folder, mode
// 0600 in a folder of mode 0700, so only the user the supervisor runs as
// can connect. It answers `status`, `restart`, `stop`, `start`, `reload`,
// `logs` (with follow), `scale` and `shutdown` from `connect()` and `drove-supervise`.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { chmod, lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isMainThread } from 'node:worker_threads';
import { readProcStat, type ProcStat } from '@drove/pool/telemetry';
import {
  CONTROL_COMMANDS,
  CONTROL_PROTOCOL_VERSION,
  CONTROL_SOCKET,
  type ChildStatus,
  type ChildSummary,
  type ControlCommand,
  type ControlResults,
  type FleetStatus,
} from '../control-protocol.js';
import { SupervisorError } from '../errors.js';
import type { LogWriter } from '../log-writer.js';
import type { ChildInfo } from '../stats.js';
import type { Supervisor } from '../supervisor.js';
import { readJsonLines, writeJsonLine } from './json-lines.js';

/** How long `status` samples CPU time to tell a CPU percentage. */
const CPU_SAMPLE_MS = 200;
/** Linux's `sun_path` holds 108 bytes, its last a NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
/** Lines `logs` returns at most. */
const MAX_TAIL_LINES = 100_000;

interface Pending {
  socket: Socket;
  id: number;
}

export class ControlServer {
  readonly runFolder: string;
  readonly path: string;
  readonly #supervisor: Supervisor;
  readonly #logs: LogWriter | undefined;
  readonly #sockets = new Set<Socket>();
  /** `shutdown` requests: answered once the supervisor has stopped, just before the socket closes. */
  readonly #shutdowns: Pending[] = [];
  #server: Server | undefined;
  #closed = false;

  constructor(runFolder: string, supervisor: Supervisor, logs: LogWriter | undefined) {
    this.runFolder = runFolder;
    this.path = join(runFolder, CONTROL_SOCKET);
    this.#supervisor = supervisor;
    this.#logs = logs;
  }

  /**
   * Makes the run folder (0700) if missing, checks that it is the user's own
   * and no one else can write to it, and listens on `control.sock` (0600). A
   * socket left by a supervisor that died is replaced; one a live supervisor
   * answers on is not.
   *
   * @throws SupervisorError `ERR_SUPERVISOR_CONTROL`, naming the problem.
   */
  async listen(): Promise<void> {
    const fail = (problem: string, cause?: unknown): SupervisorError =>
      new SupervisorError('ERR_SUPERVISOR_CONTROL', `Could not open the control socket ${this.path}: ${problem}`, cause === undefined ? {} : { cause });
    if (Buffer.byteLength(this.path) > MAX_SOCKET_PATH_BYTES) {
      throw fail(`the path is longer than a Unix socket's ${MAX_SOCKET_PATH_BYTES} bytes; choose a shorter runFolder`);
    }
    try {
      await mkdir(this.runFolder, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw fail(`the run folder cannot be made (${(error as NodeJS.ErrnoException).code})`, error);
    }
    const folder = await lstat(this.runFolder);
    if (!folder.isDirectory()) throw fail('the run folder is no folder');
    const uid = process.getuid?.();
    if (uid !== undefined && folder.uid !== uid) throw fail(`the run folder belongs to uid ${folder.uid}, not to this user (uid ${uid})`);
    if ((folder.mode & 0o022) !== 0) {
      throw fail(`others can write to the run folder (mode ${(folder.mode & 0o777).toString(8)}); \`chmod 700\` it, or choose a folder of your own`);
    }
    await this.#removeStale(fail);
    const server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The socket is made 0600 as it is bound (umask), not a moment later: no one else can connect in between.
      // process.umask() cannot be set from a worker thread; there the folder's 0700 keeps others out.
      const umask = isMainThread ? process.umask(0o177) : undefined;
      try {
        server.listen(this.path, () => {
          server.off('error', reject);
          resolve();
        });
      } finally {
        if (umask !== undefined) process.umask(umask);
      }
    }).catch((error: unknown) => {
      throw fail(`listen failed (${(error as NodeJS.ErrnoException).code})`, error);
    });
    await chmod(this.path, 0o600);
    // Not unref'd: a supervisor whose children were all stopped from the socket must stay to start them again.
    this.#server = server;
  }

  async #removeStale(fail: (problem: string) => SupervisorError): Promise<void> {
    let stat;
    try {
      stat = await lstat(this.path);
    } catch {
      return;
    }
    if (!stat.isSocket()) throw fail('a file that is no socket is in its place; remove it');
    const alive = await new Promise<boolean>((resolve) => {
      const probe = connect(this.path);
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (alive) throw fail('another supervisor is running in this run folder (`drove-supervise status` shows it); stop it, or give this one a runFolder of its own');
    await rm(this.path, { force: true });
  }

  /**
   * Stops listening, answers the `shutdown` requests, ends every connection
   * (a followed log ends there) and removes the socket file. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const server = this.#server;
    this.#server = undefined;
    for (const { socket, id } of this.#shutdowns.splice(0)) writeJsonLine(socket, { id, ok: true, result: { pid: process.pid } });
    for (const socket of this.#sockets) socket.end();
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(this.path, { force: true });
    }
  }

  #accept(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    writeJsonLine(socket, { v: CONTROL_PROTOCOL_VERSION, hello: { pid: process.pid } });
    readJsonLines(socket, (value) => void this.#request(socket, value));
  }

  async #request(socket: Socket, value: unknown): Promise<void> {
    const request = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const id = typeof request.id === 'number' ? request.id : 0;
    try {
      if (request.v !== CONTROL_PROTOCOL_VERSION) {
        throw new SupervisorError('ERR_SUPERVISOR_CONTROL', `This supervisor speaks control protocol ${CONTROL_PROTOCOL_VERSION}, the client ${String(request.v)}`);
      }
      const command = request.command;
      if (typeof command !== 'string' || !CONTROL_COMMANDS.includes(command as ControlCommand)) {
        throw new SupervisorError('ERR_SUPERVISOR_CONTROL', `Unknown control command \`${String(command)}\``);
      }
      if (command === 'shutdown') {
        this.#shutdowns.push({ socket, id });
        void this.#supervisor.stop();
        return;
      }
      const result = await this.#run(command as Exclude<ControlCommand, 'shutdown'>, request, socket, id);
      if (result !== undefined) writeJsonLine(socket, { id, ok: true, result });
    } catch (error) {
      const { name = 'Error', code = 'ERR_SUPERVISOR_CONTROL', message = String(error) } = error as { name?: string; code?: string; message?: string };
      writeJsonLine(socket, { id, ok: false, error: { name, code, message } });
    }
  }

  async #run(
    command: Exclude<ControlCommand, 'shutdown'>,
    request: Record<string, unknown>,
    socket: Socket,
    id: number,
  ): Promise<ControlResults[ControlCommand] | undefined> {
    const supervisor = this.#supervisor;
    switch (command) {
      case 'status':
        return this.#status();
      case 'reload': {
        await supervisor.rollingRestart();
        return { children: supervisor.whichChildren().length };
      }
      case 'logs':
        return this.#logsOf(childName(request), request, socket, id);
      case 'scale': {
        const group = childName(request);
        const count = request.count === 'max' ? 'max' : typeof request.count === 'number' ? request.count : Number.NaN;
        const children = await supervisor.scale(group, count);
        return { group, children: children.map((child) => ({ name: child.name, state: child.state, pid: child.pid ?? null })) };
      }
      default:
        return this.#change(command, childName(request));
    }
  }

  /**
   * The children a name stands for: the child of that name, or every copy of
   * an `instances` group of that name (PM2's `pm2 restart web` on a cluster).
   */
  #targets(name: string): string[] {
    const stats = this.#supervisor.stats().children;
    if (stats.some((child) => child.name === name)) return [name];
    const copies = stats.filter((child) => child.group === name).map((child) => child.name);
    if (copies.length > 0) return copies;
    const known = stats.map((child) => `\`${child.name}\``).join(', ') || 'none';
    throw new SupervisorError('ERR_SUPERVISOR_UNKNOWN_CHILD', `No child named \`${name}\` (known: ${known})`);
  }

  async #change(command: 'restart' | 'stop' | 'start', name: string): Promise<ChildSummary[]> {
    const supervisor = this.#supervisor;
    const names = this.#targets(name);
    const stateOf = (child: string): ChildInfo | undefined => supervisor.whichChildren().find((info) => info.name === child);
    if (command === 'start') {
      const running = names.filter((child) => stateOf(child)?.state !== 'stopped');
      // A group starts its stopped copies; a child named alone must be stopped.
      if (names.length === 1 && running.length === 1) {
        throw new SupervisorError('ERR_SUPERVISOR_CHILD_RUNNING', `Child \`${name}\` is ${stateOf(name)?.state ?? 'gone'} already; \`restart\` restarts it`);
      }
      for (const child of names) if (!running.includes(child)) await supervisor.restartChild(child);
    } else if (command === 'stop') {
      // Newest first, as a stop of the whole supervisor goes.
      for (const child of [...names].reverse()) await supervisor.terminateChild(child);
    } else {
      // PM2's restart: whatever the child's state (running, in a back-off, stopped), stop it and start it now.
      // A group's copies one at a time, each ready before the next stops: the group keeps serving.
      for (const child of names) {
        await supervisor.terminateChild(child);
        await supervisor.restartChild(child);
      }
    }
    return names.map((child) => {
      const after = stateOf(child);
      return { name: child, state: after?.state ?? 'stopped', pid: after?.pid ?? null };
    });
  }

  async #status(): Promise<FleetStatus> {
    const supervisor = this.#supervisor;
    const pidsOf = (): number[] =>
      supervisor
        .whichChildren()
        .filter((child) => child.kind !== 'thread' && child.pid !== undefined)
        .map((child) => child.pid!);
    const sample = async (pids: number[]): Promise<Map<number, ProcStat>> =>
      new Map((await Promise.all(pids.map((pid) => readProcStat(pid)))).filter((stat) => stat !== undefined).map((stat) => [stat.pid, stat]));
    const first = await sample(pidsOf());
    const startedAt = performance.now();
    await delay(CPU_SAMPLE_MS);
    const second = await sample(pidsOf());
    const elapsedMs = performance.now() - startedAt;
    const stats = supervisor.stats();
    const now = supervisor.options.clock.now();
    const children = stats.children.map((child): ChildStatus => {
      const isProcess = child.kind !== 'thread' && child.pid !== undefined;
      const before = isProcess ? first.get(child.pid!) : undefined;
      const after = isProcess ? second.get(child.pid!) : undefined;
      return {
        name: child.name,
        group: child.group ?? null,
        instance: child.instance ?? null,
        kind: child.kind,
        state: child.state,
        pid: child.pid ?? null,
        uptimeMs: child.uptimeMs ?? null,
        restarts: child.restarts,
        consecutiveFailures: child.consecutiveFailures,
        backoffMs: child.restartAt === undefined ? null : Math.max(0, child.restartAt - now),
        cronRestartMs: child.cronRestartAt === undefined ? null : Math.max(0, child.cronRestartAt - now),
        cpuPercent: before && after ? Math.max(0, ((after.cpuMs - before.cpuMs) / elapsedMs) * 100) : null,
        rssBytes: after?.rssBytes ?? null,
        droppedLogLines: child.log?.droppedLines ?? null,
        logFile: child.log?.path ?? null,
      };
    });
    return { pid: process.pid, state: stats.state, runFolder: this.runFolder, restarts: stats.restarts, children };
  }

  async #logsOf(name: string, request: Record<string, unknown>, socket: Socket, id: number): Promise<ControlResults['logs'] | undefined> {
    const count = request.lines ?? 15;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_TAIL_LINES) {
      throw new SupervisorError('ERR_SUPERVISOR_CONTROL', `Expected \`lines\` to be an integer from 0 to ${MAX_TAIL_LINES}, got ${JSON.stringify(count)}`);
    }
    const names = this.#targets(name);
    const logs = this.#logs;
    if (!logs) {
      throw new SupervisorError('ERR_SUPERVISOR_CONTROL', 'This supervisor writes no log files: give it the `logs` option (`logs: {}` with a runFolder)');
    }
    // A group's lines are its copies', each prefixed with the copy's name, merged by time.
    const prefix = (child: string): string => (names.length > 1 || child !== name ? `${child} | ` : '');
    const files = names.map((child) => ({ child, file: logs.file(child) }));
    const follow = request.follow === true;
    // Lines accepted while the tails are read are held, then sent after them: none twice, none missed.
    const held: Array<{ child: string; seq: number; text: string }> = [];
    const after = new Map<string, number>();
    const send = (child: string, seq: number, text: string): void => {
      if (seq > after.get(child)!) writeJsonLine(socket, { id, line: `${prefix(child)}${text}` });
    };
    if (follow) {
      for (const { child, file } of files) {
        const onLine = (line: { seq: number; text: string }): void => {
          if (after.has(child)) send(child, line.seq, line.text);
          else held.push({ child, ...line });
        };
        file.on('line', onLine);
        socket.once('close', () => file.off('line', onLine));
      }
    }
    const tails = await Promise.all(files.map(async ({ child, file }) => ({ child, ...(await file.tail(count)) })));
    // ISO times sort as text; a stable sort keeps each file's own order.
    const merged = tails
      .flatMap(({ child, lines: own }) => own.map((text) => ({ at: text.slice(0, 24), text: `${prefix(child)}${text}` })))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      .map((line) => line.text);
    const result = { file: files[0]!.file.path, lines: count === 0 ? [] : merged.slice(-count) };
    if (!follow) return result;
    writeJsonLine(socket, { id, ok: true, result });
    for (const { child, seq } of tails) after.set(child, seq);
    for (const line of held) send(line.child, line.seq, line.text);
    return undefined;
  }
}

function childName(request: Record<string, unknown>): string {
  const name = request.name;
  if (typeof name !== 'string' || name === '') {
    throw new SupervisorError('ERR_SUPERVISOR_CONTROL', `Expected \`name\` to be a child's name, got ${JSON.stringify(name)}`);
  }
  return name;
}
