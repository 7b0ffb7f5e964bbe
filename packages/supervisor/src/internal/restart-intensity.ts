/**
 * OTP's restart intensity: at most `maxRestarts` restarts within any
 * `periodMs`; one more and the supervisor gives up.
 */
export class RestartIntensity {
  readonly maxRestarts: number;
  readonly periodMs: number;
  readonly #at: number[] = [];

  constructor(maxRestarts: number, periodMs: number) {
    this.maxRestarts = maxRestarts;
    this.periodMs = periodMs;
  }

  /** Restarts within the window ending at `now`. */
  recent(now: number): number {
    this.#forget(now);
    return this.#at.length;
  }

  /** Records a restart at `now`; false when it is one too many. */
  record(now: number): boolean {
    if (this.maxRestarts === Infinity) return true;
    this.#forget(now);
    this.#at.push(now);
    return this.#at.length <= this.maxRestarts;
  }

  #forget(now: number): void {
    while (this.#at.length > 0 && this.#at[0]! <= now - this.periodMs) this.#at.shift();
  }
}
