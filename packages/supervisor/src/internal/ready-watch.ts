// Warns, once per child, when a child is slow to report ready: a plain app
// that never calls ready() would otherwise be killed and restarted at its
// readiness timeout, over and over, with nothing saying why.
import type { ResolvedChildSpec } from '../child-spec.js';
import { formatMs } from './cli-output.js';

/** The warning comes this long after the spawn, or at half the readiness timeout when that is sooner. */
const WARN_AFTER_MS = 5000;

export class ReadyWatch {
  readonly #warn: (line: string) => void;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #warned = new Set<string>();

  constructor(warn: (line: string) => void) {
    this.#warn = warn;
  }

  /** A run of the child was spawned: warn if it is not ready in time (unless this child was warned about already). */
  spawned(spec: ResolvedChildSpec): void {
    if (spec.readiness === 'spawn' || this.#warned.has(spec.name)) return;
    this.settled(spec.name);
    const afterMs = Math.min(WARN_AFTER_MS, Math.floor(spec.readinessTimeoutMs / 2));
    const timer = setTimeout(() => {
      this.#timers.delete(spec.name);
      this.#warned.add(spec.name);
      this.#warn(readyWarning(spec, afterMs));
    }, afterMs);
    // A warning must not keep a stopped CLI alive.
    timer.unref();
    this.#timers.set(spec.name, timer);
  }

  /** The child's run became ready or ended. */
  settled(name: string): void {
    const timer = this.#timers.get(name);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(name);
  }

  /** Forgets every pending warning. */
  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}

function readyWarning(spec: ResolvedChildSpec, afterMs: number): string {
  const { name, readiness } = spec;
  const restarted = `it is stopped and restarted if not ready within ${formatMs(spec.readinessTimeoutMs)} (readinessTimeoutMs)`;
  if (readiness === 'envelope') {
    return (
      `warning: ${name} has not reported ready after ${formatMs(afterMs)}; ${restarted}. ` +
      `A Node child reports ready by calling ready() from '@drove/supervisor/child'; ` +
      `for an app that does not, set readiness: 'spawn' (ready once spawned) or readiness: { tcp: { port } } (ready once its port accepts) in its spec`
    );
  }
  if (readiness !== 'spawn' && 'tcp' in readiness) {
    const { host, port } = readiness.tcp;
    return (
      `warning: ${name} is not ready after ${formatMs(afterMs)}: nothing accepts connections on ${host}:${port} (its readiness); ${restarted}. ` +
      `Check that it listens there, or set readiness: 'spawn' in its spec`
    );
  }
  return `warning: ${name}'s readiness probe has not passed after ${formatMs(afterMs)}; ${restarted}`;
}
