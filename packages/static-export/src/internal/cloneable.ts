/** Where in a value structured clone fails, and why. */
export interface CloneFailure {
  /** The key path from the root, as code would write it: `rendererOptions.db.connect`, `rendererOptions.list[2]`. */
  keyPath: string;
  value: unknown;
  reason: string;
}

/**
 * Finds the deepest part of `value` that structured clone refuses, so an
 * option error can name it (`rendererOptions.db.connect`) rather than say
 * "could not be cloned". Returns `undefined` when the whole value clones.
 */
export function findUncloneable(value: unknown, rootName: string): CloneFailure | undefined {
  const reason = cloneError(value);
  if (reason === undefined) return undefined;
  return narrow(value, rootName, reason, new Set());
}

function narrow(value: unknown, keyPath: string, reason: string, seen: Set<object>): CloneFailure {
  if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    for (const [key, child] of entriesOf(value)) {
      const childReason = cloneError(child);
      if (childReason !== undefined) return narrow(child, `${keyPath}${key}`, childReason, seen);
    }
  }
  return { keyPath, value, reason };
}

function entriesOf(value: object): [string, unknown][] {
  if (Array.isArray(value)) return value.map((item, index) => [`[${index}]`, item]);
  if (value instanceof Map) {
    const out: [string, unknown][] = [];
    for (const [key, item] of value) {
      out.push([`.get(${JSON.stringify(typeof key === 'string' || typeof key === 'number' ? key : String(key))})`, item]);
    }
    return out;
  }
  if (value instanceof Set) return [...value].map((item, index) => [`<set item ${index}>`, item]);
  return Object.keys(value).map((key) => [/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`, (value as Record<string, unknown>)[key]]);
}

function cloneError(value: unknown): string | undefined {
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
