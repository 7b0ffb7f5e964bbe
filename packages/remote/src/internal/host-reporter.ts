import type { Redis } from 'ioredis';
import type { HostReport } from '../host-report.js';
import { hostReportKey, hostsKey } from './job-format.js';

/**
 * Writes a host's report to Redis every interval: a key that expires after
 * three intervals (a dead host vanishes by itself) and the host's id in the
 * queue's sorted set of hosts.
 */
export class HostReporter {
  readonly #client: Redis;
  readonly #report: () => Promise<HostReport>;
  readonly #intervalMs: number;
  readonly #keys: { set: string; report: string; hostId: string };
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;

  constructor(client: Redis, options: { prefix: string; queue: string; hostId: string; intervalMs: number; report: () => Promise<HostReport> }) {
    this.#client = client;
    this.#report = options.report;
    this.#intervalMs = options.intervalMs;
    this.#keys = { set: hostsKey(options.prefix, options.queue), report: hostReportKey(options.prefix, options.queue, options.hostId), hostId: options.hostId };
  }

  /** Writes the first report, then one every interval; a failed first write rejects, and the timer goes on. */
  async start(): Promise<void> {
    this.#timer = setInterval(() => {
      // A slow write (Redis busy, workers slow to answer the telemetry probe) skips a tick rather than piling up.
      this.#writing ??= this.#write()
        .catch(() => undefined)
        .finally(() => (this.#writing = undefined));
    }, this.#intervalMs).unref();
    await this.#write();
  }

  async #write(): Promise<void> {
    const report = await this.#report();
    await this.#client
      .multi()
      .set(this.#keys.report, JSON.stringify(report), 'PX', this.#intervalMs * 3)
      .zadd(this.#keys.set, report.at, this.#keys.hostId)
      .exec();
  }

  /** Stops reporting and removes the report: a host that leaves on purpose is gone at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#writing;
    await this.#client.multi().del(this.#keys.report).zrem(this.#keys.set, this.#keys.hostId).exec();
  }
}
