import type { Pool, PoolEvents } from '@drove/pool';

export const echoWorker = new URL('./fixtures/echo-worker.mjs', import.meta.url);

/** Pools made in a test, closed after it whatever happened. */
export const opened: Pool[] = [];

export async function destroyAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((pool) => pool.destroy()));
}

/** Resolves with the first event of `name` whose payload passes `accept`. */
export function nextEvent<E extends keyof PoolEventsLike>(
  pool: Pool,
  name: E,
  accept: (event: Parameters<PoolEventsLike[E]>[0]) => boolean = () => true,
): Promise<Parameters<PoolEventsLike[E]>[0]> {
  return new Promise((resolve) => {
    const listener = (event: Parameters<PoolEventsLike[E]>[0]) => {
      if (!accept(event)) return;
      pool.off(name, listener as never);
      resolve(event);
    };
    pool.on(name, listener as never);
  });
}

type PoolEventsLike = PoolEvents;
