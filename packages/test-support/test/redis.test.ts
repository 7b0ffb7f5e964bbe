// startRedis: a real redis-server on 127.0.0.1, its own port and folder, no persistence, gone after stop().
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, removeTempDirs, startRedis, waitFor } from '../src/index.js';

afterAll(removeTempDirs);

/** Sends RESP commands (inline form) and resolves with the raw replies once `replies` lines arrived. */
function ask(port: number, commands: string[], replies: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let text = '';
    socket.once('connect', () => socket.write(commands.map((command) => `${command}\r\n`).join('')));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const lines = text.split('\r\n').filter(Boolean);
      if (lines.length >= replies) {
        socket.destroy();
        resolve(lines);
      }
    });
    socket.once('error', reject);
  });
}

describe('startRedis', () => {
  it('starts two servers on distinct free ports that answer, each with its own data', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.url).toBe(`redis://127.0.0.1:${a.port}`);
      expect(await ask(a.port, ['SET k a'], 1)).toEqual(['+OK']);
      expect(await ask(b.port, ['GET k'], 1)).toEqual(['$-1']);
      expect(await ask(a.port, ['GET k'], 2)).toEqual(['$1', 'a']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('keeps nothing on disk: no snapshot points, no append-only file, nothing written at shutdown', async () => {
    const redis = await startRedis();
    try {
      expect(await ask(redis.port, ['CONFIG GET save', 'CONFIG GET appendonly'], 9)).toEqual(['*2', '$4', 'save', '$0', '*2', '$10', 'appendonly', '$2', 'no']);
      expect(await ask(redis.port, ['SET k v'], 1)).toEqual(['+OK']);
      const pid = redis.pid ?? 0;
      process.kill(pid, 'SIGTERM');
      expect(await waitFor(() => !isAlive(pid))).toBe(true);
      expect(readdirSync(redis.dir).sort()).toEqual(['redis.log']);
    } finally {
      await redis.stop();
    }
  });

  it('stops the server and removes its folder, and stop() may be called twice', async () => {
    const redis = await startRedis();
    const pid = redis.pid ?? 0;
    expect(isAlive(pid)).toBe(true);
    expect(redis.log()).toContain('Ready to accept connections');
    await redis.stop();
    await redis.stop();
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(redis.dir)).toBe(false);
  });
});
