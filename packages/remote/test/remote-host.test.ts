// createRemoteHost in-process: its options are checked at once, and a host that cannot reach Redis leaves nothing running.
import { waitFor } from '@drove/test-support';
import { describe, expect, it } from 'vitest';
import { createRemoteHost, RemoteError } from '../src/index.js';
import { fixture } from './helpers.js';

describe('createRemoteHost', () => {
  it('refuses invalid options with the option, what it expects and what it got', () => {
    const base = { queue: 'q', connection: 'redis://127.0.0.1:1', worker: fixture };
    expect(() => createRemoteHost({ ...base, threads: 0 })).toThrow('Expected `threads` to be an integer >= 1, got `0` (number)');
    expect(() => createRemoteHost({ ...base, concurrency: 1.5 })).toThrow('Expected `concurrency` to be an integer >= 1, got `1.5` (number)');
    expect(() => createRemoteHost({ ...base, stallIntervalMs: 10 })).toThrow(/Expected `stallIntervalMs` to be a number of milliseconds >= 100/);
    expect(() => createRemoteHost({ ...base, queue: 'a:b' })).toThrow(/without `:`/);
    expect(() => createRemoteHost({ ...base, thread: 2 } as never)).toThrow(RemoteError);
  });

  it('rejects start() with ERR_REMOTE_CONNECTION when Redis does not answer, and stops its local workers', async () => {
    const host = createRemoteHost({ queue: 'q', connection: 'redis://app:hunter2@127.0.0.1:1', worker: fixture, threads: 2, connectTimeoutMs: 300 });
    const error = await host.start().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_REMOTE_CONNECTION', message: 'could not reach Redis at redis://***@127.0.0.1:1' });
    expect(await waitFor(() => host.stats().pool.workers === 0)).toBe(true);
    await host.close();
  });
});
