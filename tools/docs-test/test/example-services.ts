/**
 * The services README programs talk to, started for the docs test the way the
 * packages' own tests start them: a real redis-server on 127.0.0.1 (free
 * port, own folder, no persistence) for the programs that read `REDIS_URL`.
 */
import { startRedis, type Redis } from '@drove/test-support';

/** Running services and the environment that points README programs at them. */
export interface ExampleServices {
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startExampleServices(): Promise<ExampleServices> {
  const redis: Redis = await startRedis();
  return { env: { REDIS_URL: redis.url }, stop: () => redis.stop() };
}
