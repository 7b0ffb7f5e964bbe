import { spawn, type ChildProcess, type Serializable, type SendHandle } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { systemClock } from '../clock.js';
import { Endpoint, type ExitInfo, type SendOptions, type StopOptions } from '../endpoint.js';
import { assertJsonData } from '../envelope.js';
import type { CommandSpec, ProcessSpec } from '../transport.js';
import { groupAlive, groupReaper, signalGroup } from './group-reaper.js';
import { PARENT_ENV, parentEnvValue, wrapCommand, wrapNode } from './parent-death.js';
import { toPath } from './thread-endpoint.js';

/** Preloaded into every forked Node child: watches for the parent's death from before the first line of user code. */
const orphanWatch = fileURLToPath(new URL('./entry/orphan-watch.cjs', import.meta.url));
/** The pool's own worker entry runs the preload's check as its first line, and needs no preload. */
const poolWorkerEntry = fileURLToPath(new URL('./entry/process.cjs', import.meta.url));

/** How often `stop()` of a group checks whether the group is empty yet. */
const GROUP_POLL_MS = 25;
/** How long `stop()` waits for a group's members to be gone after their SIGKILL. */
const GROUP_KILL_WAIT_MS = 1000;

/** `execArgv` without a preload of ours it inherited (a grandchild gets its own, checking its own parent), then ours when `entry` needs it. */
function withOrphanWatch(execArgv: readonly string[], entry: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if ((arg === '--require' || arg === '-r') && execArgv[i + 1] === orphanWatch) {
      i++;
      continue;
    }
    if (arg === `--require=${orphanWatch}`) continue;
    out.push(arg);
  }
  return entry === poolWorkerEntry ? out : ['--require', orphanWatch, ...out];
}

/** A forked Node process or a command. */
export class ProcessEndpoint extends Endpoint {
  readonly kind: 'process' | 'command';
  readonly closed: Promise<void>;
  readonly threadId = 0;
  readonly child: ChildProcess;
  readonly #json: boolean;
  readonly #group: boolean;

  constructor(spec: ProcessSpec | CommandSpec) {
    super();
    this.kind = spec.kind;
    const stdio = spec.stdio ?? 'inherit';
    const streams = [spec.stdin ?? 'ignore', stdio, stdio] as const;
    this.#group = spec.processGroup === true;
    const env = spec.env ?? process.env;
    // A group leader's gate (see GroupReaper.add): one more pipe, after the IPC channel if there is one.
    let gateFd: number | undefined;
    if (spec.kind === 'process') {
      // What fork() does (spawn node with an 'ipc' stdio slot), with setpriv in front where it is armed.
      const entry = toPath(spec.entry);
      const { file, args } = wrapNode([...withOrphanWatch(spec.execArgv ?? process.execArgv, entry), entry, ...(spec.args ?? [])]);
      gateFd = this.#group ? 4 : undefined;
      this.child = spawn(file, args, {
        env: { ...env, [PARENT_ENV]: parentEnvValue(gateFd) },
        cwd: spec.cwd,
        serialization: spec.serialization ?? 'advanced',
        stdio: [...streams, 'ipc', ...(gateFd === undefined ? [] : ['pipe' as const])],
        detached: this.#group,
        ...(spec.uid === undefined ? {} : { uid: spec.uid }),
        ...(spec.gid === undefined ? {} : { gid: spec.gid }),
      });
    } else {
      const slots = spec.ipc ? [...streams, 'ipc' as const] : [...streams];
      const { file, args, gated } = wrapCommand(spec.command, spec.args ?? [], env, spec.cwd, this.#group ? slots.length : undefined);
      gateFd = gated ? slots.length : undefined;
      this.child = spawn(file, args, {
        env,
        cwd: spec.cwd,
        serialization: 'advanced',
        stdio: gateFd === undefined ? slots : [...slots, 'pipe'],
        detached: this.#group,
        ...(spec.uid === undefined ? {} : { uid: spec.uid }),
        ...(spec.gid === undefined ? {} : { gid: spec.gid }),
      });
    }
    const pgid = this.#group ? this.child.pid : undefined;
    if (pgid !== undefined) {
      groupReaper.add(pgid, gateFd === undefined ? undefined : (this.child.stdio[gateFd] as Writable | null));
      this.child.once('exit', () => groupReaper.leaderExited(pgid));
    }
    this.#json = spec.kind === 'process' && spec.serialization === 'json';
    this.child.once('spawn', () => this.emit('spawn', { pid: this.child.pid, threadId: 0 }));
    this.child.on('message', (message: unknown, handle?: SendHandle) => this.emit('message', message, handle));
    let spawnError: Error | undefined;
    this.child.on('error', (error) => {
      // 'error' without a pid means the spawn itself failed and no 'exit' follows.
      spawnError = error;
      if (this.child.pid === undefined) this.markExited({ exitCode: null, signal: null, error });
    });
    // 'exit', not 'close': a grandchild holding our stdout must not keep a dead child "alive".
    // Output that is still buffered keeps flowing to stdout/stderr listeners after it.
    this.child.on('exit', (exitCode, signal) => this.markExited({ exitCode, signal, error: spawnError }));
    this.closed = new Promise((resolve) => {
      this.child.once('close', () => resolve());
      // A spawn that failed emits neither 'exit' nor 'close'.
      this.child.once('error', () => this.child.pid === undefined && resolve());
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): Readable | null {
    return this.child.stdout;
  }

  override get stdin(): Writable | null {
    return this.child.stdin;
  }

  get stderr(): Readable | null {
    return this.child.stderr;
  }

  send(message: unknown, options: SendOptions = {}): void {
    if (!this.child.connected) throw Object.assign(new Error('The IPC channel is closed'), { code: 'ERR_IPC_CHANNEL_CLOSED' });
    // Structured serialization happens synchronously inside send(), so a value
    // that cannot be cloned throws here, where the caller can attribute it.
    // JSON would send a Date or a Map changed rather than throw: checked first.
    if (this.#json) assertJsonData(message);
    const { handle, keepOpen, onSent } = options;
    this.child.send(message as Serializable, handle, keepOpen ? { keepOpen } : undefined, onSent ? (error) => onSent(error) : undefined);
  }

  unref(): void {
    this.child.unref();
    // The IPC channel holds the loop open on its own; its handle is not in the public types.
    (this.child as unknown as { channel?: { unref?: () => void } }).channel?.unref?.();
  }

  ref(): void {
    this.child.ref();
    (this.child as unknown as { channel?: { ref?: () => void } }).channel?.ref?.();
  }

  /** For a process group: every member; otherwise the child alone. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    const pgid = this.child.pid;
    if (this.#group && pgid !== undefined) {
      // After the leader's exit the group is signalled only while it is still listed, i.e. not seen empty:
      // a pgid seen empty may already belong to someone else.
      if (this.alive || groupReaper.has(pgid)) {
        if (this.alive) this.ref();
        signalGroup(pgid, signal);
      }
      return;
    }
    if (!this.alive) return;
    this.ref();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /**
   * For a process group: signals the group, waits up to `graceMs` for the
   * leader to exit and the group to empty, then SIGKILLs what is left and
   * waits (up to a second) for it to be gone. Works after the leader's own exit too.
   */
  override async stop(options: StopOptions = {}): Promise<ExitInfo> {
    const pgid = this.child.pid;
    if (!this.#group || pgid === undefined) return super.stop(options);
    const { graceMs = 5000, signal = 'SIGTERM', clock = systemClock } = options;
    const empty = () => !this.alive && (!groupReaper.has(pgid) || !groupAlive(pgid));
    if (empty()) return this.exited;
    if (this.alive) this.ref();
    if (signal) this.kill(signal);
    const wait = async (ms: number): Promise<boolean> => {
      let waited = 0;
      while (!empty()) {
        if (waited >= ms) return false;
        await new Promise<void>((resolve) => clock.setTimeout(resolve, GROUP_POLL_MS));
        waited += GROUP_POLL_MS;
      }
      return true;
    };
    if (!(await wait(graceMs))) {
      this.kill('SIGKILL');
      await this.exited;
      await wait(GROUP_KILL_WAIT_MS);
    }
    groupReaper.leaderExited(pgid);
    return this.exited;
  }
}

