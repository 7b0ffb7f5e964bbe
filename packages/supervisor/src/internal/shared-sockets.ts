// Listening sockets the supervisor owns and lends to process children.
//
// The supervisor keeps its own copy of each listening socket open for as long
// as it runs, so the port never stops accepting: while a child is restarting,
// the kernel still completes connections. Both the supervisor and the children
// accept on the socket (Node's shared-handle mode); the supervisor hands each
// connection it accepts to a ready child over IPC, or holds it until one is
// ready, so a crashed child never turns into refused connections.
import type { SendHandle } from 'node:child_process';
import { createServer, Server, type Socket } from 'node:net';
import { envelope } from '@drove/pool/envelope';
import { connectionHandle } from '@drove/pool/transport';
import { SupervisorError } from '../errors.js';
import type { SharedSocketOptions } from '../options.js';
import type { ChildRun, SocketRequest } from './child-run.js';

interface Entry {
  server: Server;
  /** Opened by the supervisor (and closed by it), as opposed to given to it. */
  owned: boolean;
  options: Required<SharedSocketOptions> | undefined;
  /** Runs whose server accepts on this socket, in the order they said so. */
  listeners: ChildRun[];
  /** Connections waiting for a ready child. */
  waiting: Socket[];
  next: number;
}

/** Held connections per socket at most; past it the oldest are dropped. */
const MAX_WAITING = 1024;

export class SharedSockets {
  readonly #entries = new Map<string, Entry>();
  readonly #onError: (error: Error) => void;
  /** Connections handed to a run and not yet acknowledged by it, by id. */
  readonly #unacknowledged = new Map<ChildRun, Map<number, Socket>>();
  readonly #names = new WeakMap<Socket, string>();
  #nextId = 0;
  #closed = false;

  constructor(specs: Record<string, Required<SharedSocketOptions> | Server>, onError: (error: Error) => void) {
    this.#onError = onError;
    for (const [name, spec] of Object.entries(specs)) {
      const owned = !(spec instanceof Server);
      // pauseOnConnect: a connection handed to a child must not have been read from here.
      const server = spec instanceof Server ? spec : createServer({ pauseOnConnect: true });
      const entry: Entry = { server, owned, options: owned ? (spec as Required<SharedSocketOptions>) : undefined, listeners: [], waiting: [], next: 0 };
      server.on('connection', (socket: Socket) => this.#accept(name, entry, socket));
      server.on('error', (error) => {
        // A listen that fails is open()'s rejection: reported once, there.
        if (owned && !server.listening) return;
        this.#onError(new SupervisorError('ERR_SUPERVISOR_SOCKET', `Shared socket \`${name}\` failed`, { cause: error }));
      });
      this.#entries.set(name, entry);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The address a shared socket listens on. */
  address(name: string): ReturnType<Server['address']> {
    return this.#entries.get(name)?.server.address() ?? null;
  }

  /** Opens the sockets the supervisor owns. */
  async open(): Promise<void> {
    await Promise.all(
      [...this.#entries].map(([name, entry]) => {
        if (!entry.owned || entry.server.listening) return undefined;
        const { port, host, backlog } = entry.options!;
        return new Promise<void>((resolve, reject) => {
          const onError = (error: Error): void =>
            reject(new SupervisorError('ERR_SUPERVISOR_SOCKET', `Could not listen on ${host}:${port} for shared socket \`${name}\``, { cause: error }));
          entry.server.once('error', onError);
          entry.server.listen({ port, host, backlog }, () => {
            entry.server.off('error', onError);
            // Stopped while the socket was opening: it must not outlive the supervisor.
            if (this.#closed) entry.server.close();
            resolve();
          });
        });
      }),
    );
  }

  /** A child asked for a socket, or said its server accepts on one. */
  handle(run: ChildRun, message: SocketRequest): void {
    const entry = this.#entries.get(message.name);
    if (message.type === 'listen') {
      if (!entry || this.#closed) {
        const known = [...this.#entries.keys()].map((name) => `\`${name}\``).join(', ') || 'none';
        try {
          run.endpoint.send(envelope('listen-handle', { name: message.name, error: `No shared socket \`${message.name}\` (known: ${known})` }));
        } catch {
          // The child is gone.
        }
        return;
      }
      run.sendHandle(envelope('listen-handle', { name: message.name }), entry.server as unknown as SendHandle);
      return;
    }
    if (message.type === 'listening' && entry && !entry.listeners.includes(run)) {
      entry.listeners.push(run);
      this.#flush(entry);
      return;
    }
    if (message.type === 'accepted') {
      const socket = this.#unacknowledged.get(run)?.get(message.id);
      if (!socket) return;
      this.#unacknowledged.get(run)!.delete(message.id);
      // Closes only the supervisor's copy of the connection; the child holds its own.
      socket.destroy();
    }
  }

  /** A run became ready: it may take held connections. */
  onReady(): void {
    for (const entry of this.#entries.values()) this.#flush(entry);
  }

  /**
   * A run ended: it takes no more connections, and those it had not
   * acknowledged (so never read from) go to the next ready child.
   */
  forget(run: ChildRun): void {
    for (const entry of this.#entries.values()) {
      const index = entry.listeners.indexOf(run);
      if (index !== -1) entry.listeners.splice(index, 1);
    }
    const pending = this.#unacknowledged.get(run);
    this.#unacknowledged.delete(run);
    if (!pending) return;
    for (const socket of pending.values()) {
      const name = this.#names.get(socket);
      const entry = name === undefined ? undefined : this.#entries.get(name);
      if (!entry || socket.destroyed) continue;
      if (this.#closed) socket.destroy();
      else entry.waiting.unshift(socket);
    }
    for (const entry of this.#entries.values()) this.#flush(entry);
  }

  /** Stops listening on the sockets the supervisor owns and drops held connections. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#unacknowledged.values()) for (const socket of pending.values()) socket.destroy();
    this.#unacknowledged.clear();
    for (const entry of this.#entries.values()) {
      for (const socket of entry.waiting.splice(0)) socket.destroy();
      entry.listeners.length = 0;
      if (entry.owned && entry.server.listening) entry.server.close();
    }
  }

  #accept(name: string, entry: Entry, socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    socket.on('error', () => {});
    if (!this.#handOver(name, entry, socket)) {
      entry.waiting.push(socket);
      if (entry.waiting.length > MAX_WAITING) entry.waiting.shift()!.destroy();
    }
  }

  #flush(entry: Entry): void {
    const name = [...this.#entries].find(([, candidate]) => candidate === entry)?.[0];
    if (name === undefined) return;
    while (entry.waiting.length > 0) {
      const socket = entry.waiting[0]!;
      if (socket.destroyed) {
        entry.waiting.shift();
        continue;
      }
      if (!this.#handOver(name, entry, socket)) return;
      entry.waiting.shift();
    }
  }

  /** Gives the connection to the next ready child, round robin; false when none can take it. */
  #handOver(name: string, entry: Entry, socket: Socket): boolean {
    const count = entry.listeners.length;
    for (let tried = 0; tried < count; tried++) {
      const run = entry.listeners[(entry.next + tried) % count]!;
      if (!run.ready || !run.alive || run.cause) continue;
      const id = ++this.#nextId;
      // The bare handle: a sent socket would tie the server's `close()` to the children that got one.
      const handle = connectionHandle(socket);
      if (handle === undefined) return true; // closed meanwhile: nothing to hand over
      if (run.sendHandle(envelope('connection', { name, id }), handle, { keepOpen: true })) {
        let pending = this.#unacknowledged.get(run);
        if (!pending) this.#unacknowledged.set(run, (pending = new Map()));
        pending.set(id, socket);
        this.#names.set(socket, name);
        entry.next = (entry.next + tried + 1) % count;
        return true;
      }
    }
    return false;
  }
}
