import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '@drove/test-support';
import { cataloguePaths, countPaths, makeProducts } from '../src/catalogue/products.js';
import { demoFlags, parseDemoArgs, usage } from '../src/control/demo-options.js';
import { TenantBoard } from '../src/services/tenant-board.js';
import { serveStatic } from '../src/shared/static-files.js';
import { getText } from './helpers.js';

describe('the command line', () => {
  it('fills in defaults and reads every flag', () => {
    const defaults = parseDemoArgs([]);
    expect(defaults).toMatchObject({ host: '127.0.0.1', port: 8080, dashboardPort: 8081, posts: 3000, products: 2000, idleSeconds: 20, json: false });
    expect(parseDemoArgs(['--large'])).toMatchObject({ posts: 10_000 });
    expect(parseDemoArgs(['--port', '0', '--dashboard-port', '0', '--posts', '50', '--workers', '3', '--data-dir', '/tmp/x'])).toMatchObject({
      port: 0,
      dashboardPort: 0,
      posts: 50,
      workers: 3,
      dataDir: '/tmp/x',
    });
    expect(parseDemoArgs(['--help'])).toBe('help');
    expect(parseDemoArgs(['-h'])).toBe('help');
    expect(parseDemoArgs(['--host', '0.0.0.0', '--forecast-paths', '50'])).toMatchObject({ host: '0.0.0.0', forecastPaths: 50 });
  });

  it('prints its help on stdout and exits 0; a usage error is one line and the usage on stderr, exit 2', () => {
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    for (const flag of ['--help', '-h']) {
      const help = spawnSync(process.execPath, [main, flag], { encoding: 'utf8' });
      expect(help).toMatchObject({ status: 0, stderr: '' });
      expect(help.stdout).toBe(`${usage}\n`);
    }
    const wrong = spawnSync(process.execPath, [main, '--posts', 'x'], { encoding: 'utf8' });
    expect(wrong).toMatchObject({ status: 2, stdout: '' });
    expect(wrong.stderr).toBe(`drove-demo: Expected --posts to be an integer from 1 to 1000000, got \`x\`\n\n${usage}\n`);
  });

  it('names every flag it reads in its help', () => {
    for (const [flag, spec] of Object.entries(demoFlags)) {
      expect(usage).toMatch(new RegExp(`^  ${'short' in spec ? `-${spec.short}, ` : ''}--${flag}\\b`, 'm'));
    }
  });

  it('refuses bad values with a message naming the flag', () => {
    expect(parseDemoArgs(['--posts', '0'])).toBe('Expected --posts to be an integer from 1 to 1000000, got `0`');
    expect(parseDemoArgs(['--port', '70000'])).toBe('Expected --port to be an integer from 0 to 65535, got `70000`');
    expect(parseDemoArgs(['--workers', 'many'])).toBe('Expected --workers to be an integer from 1 to 256, got `many`');
    expect(parseDemoArgs(['--port', '9000', '--dashboard-port', '9000'])).toBe('Expected --port and --dashboard-port to differ, both are 9000');
    expect(parseDemoArgs(['--large', '--posts', '5'])).toBe('Use either --large or --posts, not both');
    expect(parseDemoArgs(['--nope'])).toMatch(/Unknown option '--nope'/);
  });
});

describe('serveStatic', () => {
  it('serves files and index files, answers the 404 page, and refuses paths that leave the root', async () => {
    const root = makeTempDir('drove-static-');
    mkdirSync(join(root, '2024/hello'), { recursive: true });
    writeFileSync(join(root, '2024/hello/index.html'), '<p>hello</p>');
    writeFileSync(join(root, 'feed.xml'), '<rss/>');
    writeFileSync(join(root, '404.html'), '<p>lost</p>');
    writeFileSync(join(tmpdir(), 'drove-static-secret.txt'), 'secret');
    const server = createServer(serveStatic(() => root)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await getText(`${base}/2024/hello/`)).toEqual({ status: 200, body: '<p>hello</p>' });
      expect(await getText(`${base}/2024/hello`)).toEqual({ status: 200, body: '<p>hello</p>' });
      expect(await getText(`${base}/feed.xml`)).toEqual({ status: 200, body: '<rss/>' });
      expect(await getText(`${base}/nothing/`)).toEqual({ status: 404, body: '<p>lost</p>' });
      for (const path of ['/%2e%2e/drove-static-secret.txt', '/a%2F..%2F..%2Fdrove-static-secret.txt', '/a%00b', '/%E0%A4%A']) {
        const answer = await getText(`${base}${path}`);
        expect(answer.body).not.toContain('secret');
        expect([400, 404]).toContain(answer.status);
      }
    } finally {
      server.close();
      removeTempDirs();
    }
  });
});

describe('the catalogue', () => {
  it('is the same for the same seed, and its paths are counted right', () => {
    const options = { products: 50, seed: 7, basePath: '/catalogue/' };
    expect(makeProducts(options)).toEqual(makeProducts(options));
    expect(makeProducts({ ...options, seed: 8 })).not.toEqual(makeProducts(options));
    const products = makeProducts(options);
    const paths = [...cataloguePaths(products)];
    expect(paths).toHaveLength(countPaths(products));
    expect(new Set(paths).size).toBe(paths.length);
  });
});

describe('TenantBoard', () => {
  const now = () => 1000;

  it('follows a tenant from cold to ready, and to idle-killed or stopped', () => {
    const board = new TenantBoard(['a'], now);
    expect(board.list()[0]).toMatchObject({ key: 'a', state: 'cold', spawns: 0 });
    board.transition({ type: 'spawn', key: 'a', pid: 11, port: null });
    expect(board.list()[0]).toMatchObject({ state: 'starting', pid: 11, spawns: 1 });
    board.transition({ type: 'ready', key: 'a', pid: 11, port: 4000, durationMs: 31.6 });
    expect(board.list()[0]).toMatchObject({ state: 'ready', port: 4000, readyMs: 32 });
    board.metrics({ type: 'observation', key: 'a', pid: 11, cpuMs: 100, rssBytes: 5e7, at: 10_000 });
    board.metrics({ type: 'observation', key: 'a', pid: 11, cpuMs: 350, rssBytes: 6e7, at: 11_000 });
    expect(board.list()[0]).toMatchObject({ cpuPercent: 25, rssBytes: 6e7 });
    board.transition({ type: 'exit', key: 'a', pid: 11, exitCode: 0, signal: 'SIGTERM', reason: 'idle-killed' });
    expect(board.list()[0]).toMatchObject({ state: 'idle-killed', pid: undefined, lastExit: { reason: 'idle-killed' } });
    board.transition({ type: 'spawn', key: 'a', pid: 12, port: null });
    board.transition({ type: 'ready', key: 'a', pid: 12, port: 4001, durationMs: 20 });
    board.transition({ type: 'exit', key: 'a', pid: 12, exitCode: null, signal: 'SIGTERM', reason: 'killed' });
    expect(board.list()[0]).toMatchObject({ state: 'stopped', spawns: 2, lastExit: { reason: 'killed' } });
  });

  it('shows a failed start as backing off, with the retry time once known, until cleared', () => {
    const board = new TenantBoard(['b'], now);
    board.transition({ type: 'spawn', key: 'b', pid: 21, port: null });
    board.transition({ type: 'exit', key: 'b', pid: 21, exitCode: 1, signal: null, reason: 'crashed' });
    expect(board.list()[0]).toMatchObject({ state: 'backing-off', retryAt: undefined });
    board.transition({ type: 'backoff', key: 'b', attempt: 1, retryAfterMs: 1500 });
    expect(board.list()[0]).toMatchObject({ state: 'backing-off', retryAt: 2500 });
    board.cleared('b');
    expect(board.list()[0]).toMatchObject({ state: 'cold', retryAt: undefined });
  });

  it('ignores an exit reported after the key already spawned its next process', () => {
    const board = new TenantBoard(['c'], now);
    board.transition({ type: 'spawn', key: 'c', pid: 31, port: null });
    board.transition({ type: 'ready', key: 'c', pid: 31, port: 4000, durationMs: 10 });
    board.transition({ type: 'spawn', key: 'c', pid: 32, port: null });
    board.transition({ type: 'exit', key: 'c', pid: 31, exitCode: null, signal: 'SIGTERM', reason: 'restarted' });
    expect(board.list()[0]).toMatchObject({ state: 'starting', pid: 32, lastExit: { reason: 'restarted' } });
  });
});
