// Resizing a group of `instances` (`scale()`): copies stop newest first (the
// highest numbers, which the last scale-ups made) and start with the lowest
// free numbers, each ready before the next starts. Scales run one after the
// other.
import { availableParallelism } from 'node:os';
import type { ResolvedChildSpec } from '../child-spec.js';
import { InvalidSpecError, SupervisorError } from '../errors.js';
import { instanceSpec } from '../instances.js';
import type { ChildInfo } from '../stats.js';
import { abortError } from './abortable.js';
import type { ChildSlot } from './child-slot.js';

/** What a scale needs of the supervisor. */
export interface ScaleHost {
  /** The children in start order. */
  slots(): readonly ChildSlot[];
  /** The error a call made now gets when the supervisor is stopping or stopped; undefined while it may scale. */
  stopped(): SupervisorError | undefined;
  /** Stops a copy and removes its spec. */
  retire(slot: ChildSlot): Promise<void>;
  /** Adds a copy at the end of the start order and starts it (resolves once it is ready). */
  add(spec: ResolvedChildSpec): Promise<void>;
}

export class GroupScaler {
  readonly #host: ScaleHost;
  /** Each `instances` group's spec (its first copy), to make more copies of. */
  readonly #templates = new Map<string, ResolvedChildSpec>();
  /** The scale in progress. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(specs: readonly ResolvedChildSpec[], host: ScaleHost) {
    this.#host = host;
    for (const spec of specs) if (spec.group !== undefined && !this.#templates.has(spec.group)) this.#templates.set(spec.group, spec);
  }

  /** Resizes `group` to `count` copies (`'max'`: the machine's available parallelism), after the scales before it. */
  scale(group: string, count: number | 'max', signal: AbortSignal | undefined): Promise<ChildInfo[]> {
    const wanted = count === 'max' ? availableParallelism() : count;
    if (typeof wanted !== 'number' || !Number.isSafeInteger(wanted) || wanted < 0) {
      return Promise.reject(new InvalidSpecError([`Expected \`count\` to be an integer >= 0 or \`'max'\`, got \`${String(count)}\` (${typeof count})`], 'scale'));
    }
    const template = this.#templates.get(group);
    if (!template) {
      const known = [...this.#templates.keys()].map((name) => `\`${name}\``).join(', ') || 'none';
      return Promise.reject(new SupervisorError('ERR_SUPERVISOR_UNKNOWN_CHILD', `No group of instances named \`${group}\` (groups: ${known})`));
    }
    const stopped = this.#host.stopped();
    if (stopped) return Promise.reject(stopped);
    if (signal?.aborted) return Promise.reject(abortError('scale', signal));
    const scaling = this.#queue.catch(() => {}).then(() => this.#scale(group, template, wanted, signal));
    this.#queue = scaling;
    return scaling;
  }

  async #scale(group: string, template: ResolvedChildSpec, count: number, signal: AbortSignal | undefined): Promise<ChildInfo[]> {
    const host = this.#host;
    const members = (): ChildSlot[] => host.slots().filter((slot) => slot.spec.group === group);
    const check = (): void => {
      const stopped = host.stopped();
      if (stopped) throw stopped;
      if (signal?.aborted) throw abortError('scale', signal);
    };
    const extra = members().length - count;
    const newestFirst = members().sort((a, b) => (b.spec.instance ?? 0) - (a.spec.instance ?? 0));
    for (const slot of newestFirst.slice(0, Math.max(0, extra))) {
      check();
      await host.retire(slot);
    }
    while (members().length < count) {
      check();
      const used = new Set(members().map((slot) => slot.spec.instance));
      let index = 0;
      while (used.has(index)) index += 1;
      await host.add(instanceSpec(template, index));
    }
    return members().map((slot) => slot.info());
  }
}
