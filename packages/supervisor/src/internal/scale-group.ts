// Resizing a group of `instances`: copies stop newest first (the highest
// numbers, which the last scale-ups made) and start with the lowest free
// numbers, each ready before the next starts.
import type { ResolvedChildSpec } from '../child-spec.js';
import { instanceSpec } from '../instances.js';
import type { ChildSlot } from './child-slot.js';

export interface ScaleHooks {
  /** The group's copies now. */
  members(): ChildSlot[];
  /** Throws when the scale must end (the supervisor stops, the call was aborted). */
  check(): void;
  /** Stops a copy and removes its spec. */
  retire(slot: ChildSlot): Promise<void>;
  /** Adds a copy at the end of the start order and starts it (resolves once it is ready). */
  add(spec: ResolvedChildSpec): Promise<void>;
}

export async function scaleGroup(template: ResolvedChildSpec, count: number, hooks: ScaleHooks): Promise<void> {
  const extra = hooks.members().length - count;
  const newestFirst = hooks.members().sort((a, b) => (b.spec.instance ?? 0) - (a.spec.instance ?? 0));
  for (const slot of newestFirst.slice(0, Math.max(0, extra))) {
    hooks.check();
    await hooks.retire(slot);
  }
  while (hooks.members().length < count) {
    hooks.check();
    const used = new Set(hooks.members().map((slot) => slot.spec.instance));
    let index = 0;
    while (used.has(index)) index += 1;
    await hooks.add(instanceSpec(template, index));
  }
}
