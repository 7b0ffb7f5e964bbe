/**
 * The dashboard's Remote panel, when the demo is given Redis (`REDIS_URL`): a
 * remote pool (@drove/remote) on the queue `drove-demo`, one host of it run by
 * the demo itself, and whatever `drove-worker` hosts other machines start on
 * that queue. The panel shows what `remote.hosts()` and `remote.stats()` say;
 * its button sends a batch of tasks over the hosts. @drove/remote is loaded
 * only when the demo has Redis.
 */
import type { HostReport, RemoteHost, RemotePool } from '@drove/remote';
import type { RemoteView } from '../shared/state.js';

export const REMOTE_QUEUE = 'drove-demo';
const BATCH_TASKS = 200;

export class RemotePanel {
  readonly #pool: RemotePool;
  readonly #host: RemoteHost | undefined;
  readonly #connection: string;
  #hosts: HostReport[] = [];
  #hostsAt: number | undefined;
  #error: string | undefined;
  #batch: { running: boolean; done: number; total: number; batches: number } = { running: false, done: 0, total: 0, batches: 0 };

  private constructor(pool: RemotePool, host: RemoteHost | undefined, connection: string, error: string | undefined) {
    this.#pool = pool;
    this.#host = host;
    this.#connection = connection;
    this.#error = error;
    pool.on('telemetry', ({ hosts, at }) => {
      this.#hosts = hosts;
      this.#hostsAt = at;
      this.#error = undefined;
    });
    pool.on('error', (problem) => (this.#error = problem.message));
  }

  /** Connects a remote pool to `url` and starts the demo's own host; Redis down is shown on the panel, not fatal. */
  static async start(url: string, log: (line: string) => void): Promise<RemotePanel> {
    const { createRemoteHost, createRemotePool, describeConnection } = await import('@drove/remote');
    const connection = describeConnection(url);
    const pool = createRemotePool({ queue: REMOTE_QUEUE, connection: url, telemetryIntervalMs: 1000, connectTimeoutMs: 5000 });
    const host = createRemoteHost({ queue: REMOTE_QUEUE, connection: url, worker: new URL('./remote-worker.js', import.meta.url), threads: 1, reportIntervalMs: 1000, connectTimeoutMs: 5000 });
    try {
      await host.start();
      await pool.ready();
      log(`remote: queue ${REMOTE_QUEUE} at ${connection}; more hosts: drove-worker --queue ${REMOTE_QUEUE} dist/remote-worker.js`);
      return new RemotePanel(pool, host, connection, undefined);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`remote: ${message}`);
      await host.close().catch(() => undefined);
      return new RemotePanel(pool, undefined, connection, message);
    }
  }

  /** What the panel shows: the connection (never its password), the pool's stats, every host's last report. */
  view(): RemoteView {
    return {
      queue: REMOTE_QUEUE,
      connection: this.#connection,
      stats: this.#pool.stats(),
      hosts: this.#hosts,
      hostsAt: this.#hostsAt,
      batch: { ...this.#batch },
      error: this.#error,
    };
  }

  /** Sends a batch of tasks over the hosts, in the background; refused while one runs. */
  batch(): string | undefined {
    if (this.#batch.running) return 'a batch is running already';
    const batch = { running: true, done: 0, total: BATCH_TASKS, batches: this.#batch.batches + 1 };
    this.#batch = batch;
    const items = Array.from({ length: BATCH_TASKS }, (_, i) => `batch ${batch.batches} task ${i}`);
    void (async () => {
      try {
        for await (const _digest of this.#pool.map(items, { concurrency: 16, ordered: false })) batch.done++;
      } catch (error) {
        this.#error = error instanceof Error ? error.message : String(error);
      } finally {
        batch.running = false;
      }
    })();
    return undefined;
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
    await this.#host?.close();
  }
}
