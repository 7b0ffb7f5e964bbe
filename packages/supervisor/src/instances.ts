/**
 * Instances: one spec run as N copies (`instances: N | 'max'`), named
 * `<name>#0` … `<name>#N-1`, resized at run time by `supervisor.scale()`.
 *
 * @module
 */
import type { ResolvedChildSpec } from './child-spec.js';

/** The name of copy `index` of the group `group`: `web#0`. */
export function instanceName(group: string, index: number): string {
  return `${group}#${index}`;
}

/**
 * Copy `index` of a spec with `instances` (or of another copy of it): its
 * name, and `DROVE_INSTANCE` and PM2's `NODE_APP_INSTANCE` in its environment.
 */
export function instanceSpec(spec: ResolvedChildSpec, index: number): ResolvedChildSpec {
  const group = spec.group ?? spec.name;
  const number = String(index);
  return {
    ...spec,
    name: instanceName(group, index),
    env: { ...spec.env, DROVE_INSTANCE: number, NODE_APP_INSTANCE: number },
    group,
    instance: index,
  };
}

/** The specs a resolved spec stands for: itself, or its `instances` copies. */
export function expandInstances(spec: ResolvedChildSpec): ResolvedChildSpec[] {
  if (spec.instances === undefined) return [spec];
  return Array.from({ length: spec.instances }, (_, index) => instanceSpec(spec, index));
}
