// startRedis: a real redis-server on 127.0.0.1, its own port and folder, no persistence, gone after stop().
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, removeTempDirs, startRedis, waitFor } from '../src/index.js';

afterAll(removeTempDirs);

/** Sends RESP commands (inline form) and resolves with the raw replies once `replies` lines arrived. */
function ask(port: number, commands: string[], replies: number, ca?: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = ca === undefined ? connect({ port, host: '127.0.0.1' }) : connectTls({ port, host: '127.0.0.1', ca });
    let text = '';
    socket.once(ca === undefined ? 'connect' : 'secureConnect', () => socket.write(commands.map((command) => `${command}\r\n`).join('')));
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

  it('asks for the password it was given, and for an ACL user in place of the default user', async () => {
    const [withPassword, withUser] = await Promise.all([startRedis({ password: 's3cret pass' }), startRedis({ user: { name: 'drove', password: 'p@ss' } })]);
    try {
      expect(withPassword.url).toBe(`redis://:s3cret%20pass@127.0.0.1:${withPassword.port}`);
      expect((await ask(withPassword.port, ['PING'], 1))[0]).toMatch(/^-NOAUTH/);
      expect(await ask(withPassword.port, ['AUTH "s3cret pass"', 'PING'], 2)).toEqual(['+OK', '+PONG']);
      expect(withUser.url).toBe(`redis://drove:p%40ss@127.0.0.1:${withUser.port}`);
      expect((await ask(withUser.port, ['AUTH default ""'], 1))[0]).toMatch(/^-WRONGPASS/);
      expect(await ask(withUser.port, ['AUTH drove p@ss', 'SET k v'], 2)).toEqual(['+OK', '+OK']);
    } finally {
      await Promise.all([withPassword.stop(), withUser.stop()]);
    }
  });

  it('listens only with TLS, on a certificate its own CA signed, when asked', async () => {
    const redis = await startRedis({ tls: true, password: 'pw' });
    try {
      expect(redis.url).toBe(`rediss://:pw@127.0.0.1:${redis.port}`);
      expect(redis.tls?.ca).toContain('BEGIN CERTIFICATE');
      expect(await ask(redis.port, ['AUTH pw', 'PING'], 2, redis.tls?.ca)).toEqual(['+OK', '+PONG']);
      // Without the CA the certificate is refused; in plain text the server answers nothing that is Redis.
      await expect(ask(redis.port, ['PING'], 1, '')).rejects.toThrow();
      const plain = await Promise.race([ask(redis.port, ['PING'], 1).catch(() => ['closed']), new Promise<string[]>((resolve) => setTimeout(() => resolve(['no answer']), 3000))]);
      expect(plain[0]).not.toMatch(/^[+-]/);
    } finally {
      await redis.stop();
    }
  });
});
