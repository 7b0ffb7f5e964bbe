// A warm spare of one process child: a Node process started ahead of need,
// through pool's transport, with the spec's own env, args, execArgv and cwd —
// the process a cold restart would make — that has imported the child helper
// and the spec's `preload` modules and waits. A restart hands it the entry to
// run as its main module (the `load` envelope): Node's start is already paid.
import { deserializeError, envelope, isEnvelope } from '@drove/pool/envelope';
import { spawnEndpoint, type Endpoint } from '@drove/pool/transport';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { childEnvironment, type ResolvedChildSpec } from '../child-spec.js';
import { SupervisorError } from '../errors.js';
import type { SpareState } from '../stats.js';
import type { ChildOutput } from './child-output.js';

// Both sit next to the module this file is bundled into (dist/).
const spareEntry = new URL('./entry/spare.cjs', import.meta.url);
const childHelper = new URL('./child.js', import.meta.url).href;

export interface SpareHooks {
  /** The spare ended while it waited (it is no use any more). */
  onGone(spare: WarmSpare): void;
  /** It could not boot: a preload failed. */
  onError(error: SupervisorError): void;
}

export class WarmSpare {
  readonly endpoint: Endpoint;
  readonly #spec: ResolvedChildSpec;
  readonly #env: NodeJS.ProcessEnv;
  readonly #cwd: string;
  readonly #hooks: SpareHooks;
  #state: SpareState | 'taken' | 'gone' = 'booting';

  constructor(spec: ResolvedChildSpec, output: ChildOutput, hooks: SpareHooks) {
    if (spec.spawn.kind !== 'process') throw new TypeError('A warm spare is for process children');
    this.#spec = spec;
    this.#hooks = hooks;
    this.#env = childEnvironment(spec);
    this.#cwd = spec.spawn.cwd ?? process.cwd();
    this.endpoint = spawnEndpoint({ ...spec.spawn, entry: spareEntry, env: this.#env, stdio: output.stdio });
    // A spare alone never keeps the supervisor's process alive.
    this.endpoint.unref();
    output.attach(this.endpoint);
    this.endpoint.on('message', this.#onMessage);
    this.endpoint.once('exit', () => {
      if (this.#state === 'taken') return;
      this.#state = 'gone';
      this.#hooks.onGone(this);
    });
    try {
      this.endpoint.send(envelope('load', { id: 1, modules: [childHelper, ...spec.preload] }));
    } catch {
      // The spare is gone already: its exit says so.
    }
  }

  get pid(): number | undefined {
    return this.endpoint.pid;
  }

  /** `booting` until its preloads are imported, then `warm`; `gone` once taken or dead. */
  get state(): SpareState | 'gone' {
    return this.#state === 'taken' ? 'gone' : this.#state;
  }

  /**
   * Hands the spare the child's entry and returns its endpoint, now the
   * child's; `undefined` when it is not warm, has died, or would no longer be
   * the process a cold start makes (the supervisor's environment or working
   * directory changed since it was spawned).
   */
  take(): Endpoint | undefined {
    const spawn = this.#spec.spawn;
    if (this.#state !== 'warm' || !this.endpoint.alive || spawn.kind !== 'process') return undefined;
    if (!isDeepStrictEqual(childEnvironment(this.#spec), this.#env) || (spawn.cwd ?? process.cwd()) !== this.#cwd) return undefined;
    const entry = spawn.entry;
    try {
      this.endpoint.send(envelope('load', { id: 2, modules: [], main: entry instanceof URL ? entry.href : pathToFileURL(entry).href }));
    } catch {
      return undefined;
    }
    this.#state = 'taken';
    this.endpoint.off('message', this.#onMessage);
    // From now on it is a child like any other: it keeps the supervisor alive while it runs.
    this.endpoint.ref();
    return this.endpoint;
  }

  /** Kills the spare (it holds no work); resolves once its process has ended. */
  async stop(): Promise<void> {
    if (this.#state === 'taken') return;
    this.#state = 'gone';
    this.endpoint.kill();
    await this.endpoint.exited;
  }

  readonly #onMessage = (message: unknown): void => {
    if (!isEnvelope(message) || message.type !== 'loaded' || message.id !== 1 || this.#state !== 'booting') return;
    if (!message.error) {
      this.#state = 'warm';
      return;
    }
    this.#state = 'gone';
    this.endpoint.kill();
    this.#hooks.onError(
      new SupervisorError(
        'ERR_SUPERVISOR_SPARE',
        `The warm spare of child \`${this.#spec.name}\` could not preload its modules; the child restarts cold`,
        { cause: deserializeError(message.error) },
      ),
    );
  };
}
