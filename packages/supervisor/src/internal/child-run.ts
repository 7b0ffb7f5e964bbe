// One run of a child: one process or thread from its spawn to its exit. It
// spawns and stops through pool's transport, tells when the child is ready,
// and watches its heartbeat and its memory. What happens after it ends is
// the supervisor's business.
import { connect } from 'node:net';
import type { SendHandle } from 'node:child_process';
import type { Clock, ClockTimer } from '@drove/pool/clock';
import { envelope, isEnvelope, deserializeError, type Envelope, type EnvelopeOf, type TelemetrySample } from '@drove/pool/envelope';
import { readProcStat } from '@drove/pool/telemetry';
import { spawnEndpoint, type Endpoint, type ExitInfo } from '@drove/pool/transport';
import { childEnvironment, type ResolvedChildSpec } from '../child-spec.js';
import type { ExitReason } from '../stats.js';
import type { ChildOutput } from './child-output.js';

/** The envelopes a child sends about the listening sockets the supervisor lends it. */
export type SocketRequest = EnvelopeOf<'listen'> | EnvelopeOf<'listening'> | EnvelopeOf<'accepted'>;

/** How a run ended. */
export interface RunExit {
  info: ExitInfo;
  reason: ExitReason;
  error: Error | undefined;
  rssBytes: number | undefined;
}

export interface RunHooks {
  onReady(run: ChildRun): void;
  onExit(run: ChildRun, exit: RunExit): void;
  onSocketRequest(run: ChildRun, message: SocketRequest): void;
}

export interface RunContext {
  clock: Clock;
  output: ChildOutput;
  hooks: RunHooks;
}

/** Kill causes set by the supervisor before it stops a run. */
export type StopCause = Extract<ExitReason, 'shutdown' | 'readiness-timeout' | 'heartbeat-timeout' | 'memory-limit'>;

export class ChildRun {
  readonly spec: ResolvedChildSpec;
  readonly endpoint: Endpoint;
  readonly spawnedAt: number;
  readyAt: number | undefined;
  /** The last heartbeat answer. */
  lastPong: { at: number; telemetry: TelemetrySample } | undefined;
  /** Resolves true once ready, false if the run ended (or was stopped) first. */
  readonly readiness: Promise<boolean>;
  readonly #context: RunContext;
  #resolveReadiness!: (ready: boolean) => void;
  #cause: StopCause | undefined;
  #fatal: Error | undefined;
  #rssBytes: number | undefined;
  readonly #timers = new Set<ClockTimer>();
  #heartbeatDeadline: ClockTimer | undefined;
  #pingId = 0;
  readonly #probeAbort = new AbortController();
  #ended = false;

  /** Whether this run is a warm spare that was handed the entry, rather than a new spawn. */
  readonly fromSpare: boolean;

  /**
   * Spawns the child, or — given the endpoint of a warm spare that was just
   * handed the entry — takes that process over (its output is wired already).
   */
  constructor(spec: ResolvedChildSpec, context: RunContext, spare?: Endpoint) {
    this.spec = spec;
    this.#context = context;
    this.readiness = new Promise((resolve) => {
      this.#resolveReadiness = resolve;
    });
    this.fromSpare = spare !== undefined;
    this.endpoint = spare ?? spawnEndpoint({ ...spec.spawn, env: childEnvironment(spec), stdio: context.output.stdio });
    this.spawnedAt = context.clock.now();
    if (!spare) context.output.attach(this.endpoint);
    this.endpoint.on('message', (message) => this.#onMessage(message));
    this.endpoint.once('exit', (info) => this.#onExit(info));
    if (this.endpoint.alive) this.#watchReadiness();
    if (spec.maxRssBytes > 0) this.#every(spec.memoryCheckIntervalMs, () => this.#checkMemory());
  }

  get pid(): number | undefined {
    return this.endpoint.pid;
  }

  get threadId(): number {
    return this.endpoint.threadId;
  }

  get alive(): boolean {
    return this.endpoint.alive;
  }

  get ready(): boolean {
    return this.readyAt !== undefined;
  }

  /** Why the supervisor is stopping this run, once it is. */
  get cause(): StopCause | undefined {
    return this.#cause;
  }

  /**
   * Stops the run: the `shutdown` envelope for threads, SIGTERM for processes
   * and commands, a kill after `graceMs` (pool's `Endpoint.stop`, its grace
   * on the supervisor's clock). Resolves once the child has exited.
   */
  stop(cause: StopCause = 'shutdown', graceMs = this.spec.shutdownTimeoutMs): Promise<ExitInfo> {
    this.#cause ??= cause;
    this.#clearTimers();
    if (!this.endpoint.alive) return this.endpoint.exited;
    if (graceMs <= 0) {
      this.endpoint.kill();
      return this.endpoint.exited;
    }
    if (this.spec.kind === 'thread') {
      try {
        this.endpoint.send(envelope('shutdown', {}));
      } catch {
        // The thread is on its way out already; stop() below waits for it.
      }
      return this.endpoint.stop({ graceMs, signal: null, clock: this.#context.clock });
    }
    return this.endpoint.stop({ graceMs, clock: this.#context.clock });
  }

  /** Kills at once (SIGKILL, or `terminate()` for a thread). */
  kill(cause: StopCause = 'shutdown'): Promise<ExitInfo> {
    this.#cause ??= cause;
    this.#clearTimers();
    this.endpoint.kill();
    return this.endpoint.exited;
  }

  /**
   * Sends an envelope with a handle (process children only); false when the
   * channel is gone. `keepOpen` keeps the supervisor's copy of a socket open
   * until the child acknowledges it.
   */
  sendHandle(message: Envelope, handle: SendHandle, { keepOpen = false } = {}): boolean {
    if (!this.endpoint.alive) return false;
    try {
      // A send that fails later is left to the exit that follows (and a connection
      // not acknowledged is handed on then); it must not become this child's exit error.
      this.endpoint.send(message, { handle, keepOpen, onSent: () => {} });
      return true;
    } catch {
      return false;
    }
  }

  #onMessage(message: unknown): void {
    if (!isEnvelope(message)) return;
    switch (message.type) {
      case 'listen':
      case 'listening':
      case 'accepted':
        this.#context.hooks.onSocketRequest(this, message);
        return;
      case 'ready':
        if (this.spec.readiness === 'envelope') this.#markReady();
        return;
      case 'pong':
        this.lastPong = { at: this.#context.clock.now(), telemetry: message.telemetry };
        this.#armHeartbeatDeadline();
        return;
      case 'fatal':
        this.#fatal = deserializeError(message.error);
        return;
      default:
        return;
    }
  }

  #watchReadiness(): void {
    const { readiness, readinessTimeoutMs } = this.spec;
    if (readiness === 'spawn') {
      // A spare was spawned long ago; the supervisor holds this run once the constructor returns.
      if (this.fromSpare) {
        queueMicrotask(() => this.#markReady());
        return;
      }
      // A command that cannot be spawned never emits 'spawn': it ends through 'exit'.
      this.endpoint.once('spawn', () => this.#markReady());
      return;
    }
    this.#after(readinessTimeoutMs, () => {
      if (this.ready || !this.endpoint.alive) return;
      void this.stop('readiness-timeout');
    });
    if (readiness === 'envelope') return;
    const attempt =
      'tcp' in readiness
        ? () => tcpConnects(readiness.tcp.port, readiness.tcp.host)
        : async () =>
            (await readiness.probe({ name: this.spec.name, pid: this.endpoint.pid, signal: this.#probeAbort.signal })) === true;
    const tryOnce = (): void => {
      attempt().then(
        (ok) => {
          if (this.ready || !this.endpoint.alive || this.#cause) return;
          if (ok) this.#markReady();
          else this.#after(this.spec.probeIntervalMs, tryOnce);
        },
        () => {
          if (!this.ready && this.endpoint.alive && !this.#cause) this.#after(this.spec.probeIntervalMs, tryOnce);
        },
      );
    };
    tryOnce();
  }

  #markReady(): void {
    if (this.ready || !this.endpoint.alive || this.#cause) return;
    this.readyAt = this.#context.clock.now();
    this.#probeAbort.abort();
    this.#resolveReadiness(true);
    this.#startHeartbeat();
    this.#context.hooks.onReady(this);
  }

  #startHeartbeat(): void {
    const heartbeat = this.spec.heartbeat;
    if (!heartbeat) return;
    this.#armHeartbeatDeadline();
    this.#every(heartbeat.intervalMs, () => {
      try {
        this.endpoint.send(envelope('ping', { id: ++this.#pingId }));
      } catch {
        // The channel closed: the exit follows.
      }
    });
  }

  /** A child is killed `timeoutMs` after its last answer (or its readiness). */
  #armHeartbeatDeadline(): void {
    const heartbeat = this.spec.heartbeat;
    if (!heartbeat || this.#ended || this.#cause) return;
    if (this.#heartbeatDeadline !== undefined) this.#clear(this.#heartbeatDeadline);
    this.#heartbeatDeadline = this.#after(heartbeat.timeoutMs, () => {
      if (this.endpoint.alive && !this.#cause) void this.kill('heartbeat-timeout');
    });
  }

  #checkMemory(): void {
    const pid = this.endpoint.pid;
    if (pid === undefined || this.#cause) return;
    void readProcStat(pid).then((stat) => {
      if (!stat || !this.endpoint.alive || this.#cause) return;
      if (stat.rssBytes > this.spec.maxRssBytes) {
        this.#rssBytes = stat.rssBytes;
        void this.stop('memory-limit');
      }
    });
  }

  #onExit(info: ExitInfo): void {
    this.#ended = true;
    this.#clearTimers();
    this.#probeAbort.abort();
    this.#resolveReadiness(false);
    let reason: ExitReason;
    if (this.#cause) reason = this.#cause;
    else if (!this.ready) reason = 'exited-before-ready';
    else if (info.exitCode === 0 && info.signal === null && !info.error && !this.#fatal) reason = 'normal';
    else reason = 'crashed';
    this.#context.hooks.onExit(this, { info, reason, error: this.#fatal ?? info.error, rssBytes: this.#rssBytes });
  }

  #after(ms: number, callback: () => void): ClockTimer {
    const timer = this.#context.clock.setTimeout(() => {
      this.#timers.delete(timer);
      callback();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  #every(ms: number, callback: () => void): void {
    const tick = (): void => {
      if (this.#ended) return;
      callback();
      if (!this.#ended && !this.#cause) this.#after(ms, tick);
    };
    this.#after(ms, tick);
  }

  #clear(timer: ClockTimer): void {
    this.#context.clock.clearTimeout(timer);
    this.#timers.delete(timer);
  }

  #clearTimers(): void {
    for (const timer of this.#timers) this.#context.clock.clearTimeout(timer);
    this.#timers.clear();
  }
}

/** True when a TCP connection to the port succeeds. */
function tcpConnects(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
