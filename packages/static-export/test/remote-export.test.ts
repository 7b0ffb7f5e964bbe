// An export spread over hosts, against a real redis-server: `drove-export worker` processes render into
// their own folders, the coordinator (`exportRemote`, `drove-export --remote`) sends the paths, and
// `mergeExports` (`drove-export merge`) joins the folders into what a one-machine export writes, byte for byte.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportStatic, mergeExports, readManifest, StaticExportError, type ManifestEntry } from '@drove/static-export';
import { exportRemote, RemoteExportAbortedError } from '@drove/static-export/remote';
import { startRedis } from '@drove/test-support';
import { cliPath, pathsFile } from './export-process.js';
import { filesUnder, fixture, fixturePath, sitePaths, tempDir, treeOf } from './helpers.js';
import { startExportHost, stopExportHost, useRedis } from './remote-hosts.js';

const redis = useRedis();

/** What a one-machine export of `paths` writes, with the renderer options the hosts got. */
async function localExport(paths: Iterable<string>, rendererOptions?: unknown): Promise<string> {
  const outDir = tempDir('drove-local-');
  const summary = await exportStatic({ renderer: fixture('remote-renderer.mjs'), paths, outDir, workers: 1, kind: 'thread', rendererOptions });
  expect(summary.failed).toBe(0);
  return outDir;
}

async function manifestOf(dir: string): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for await (const entry of readManifest(join(dir, '.drove-manifest.jsonl'))) entries.push(entry);
  return entries;
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('an export over three hosts', () => {
  it('merges into what a one-machine export writes, byte for byte, with at most concurrency × chunkPaths paths in flight', { timeout: 120_000 }, async () => {
    const paths = [...sitePaths(600)];
    const hosts = await Promise.all(['host-a', 'host-b', 'host-c'].map((name) => startExportHost(redis.url, 'three', { name, out: tempDir(`drove-${name}-`) })));
    let ahead = 0;
    let pulled = 0;
    function* source() {
      for (const path of paths) {
        pulled++;
        yield path;
      }
    }
    const summary = await exportRemote({
      connection: redis.url,
      queue: 'three',
      paths: source(),
      chunkPaths: 8,
      concurrency: 4,
      onProgress: ({ done }) => (ahead = Math.max(ahead, pulled - done)),
    });
    expect(summary).toMatchObject({ paths: 600, rendered: 600, failed: 0 });
    // Bounded in flight: the tasks the map holds, one chunk being filled, and the path just pulled.
    expect(ahead).toBeLessThanOrEqual(4 * 8 + 8 + 1);
    for (const name of summary.hosts) expect(['host-a', 'host-b', 'host-c']).toContain(name);

    const merged = tempDir('drove-merged-');
    const result = await mergeExports({ from: hosts.map((host) => host.out), outDir: merged });
    expect(result).toMatchObject({ run: summary.run, paths: 600, collisions: 0 });
    const local = await localExport(paths);
    expect(treeOf(merged)).toEqual(treeOf(local));
    expect(readFileSync(join(merged, '.drove-manifest.jsonl'), 'utf8')).toBe(readFileSync(join(local, '.drove-manifest.jsonl'), 'utf8'));
  });

  it('does the same from the command line: drove-export --remote, then drove-export merge', { timeout: 120_000 }, async () => {
    const paths = [...sitePaths(200)];
    const outs = [tempDir('drove-cli-a-'), tempDir('drove-cli-b-')];
    await Promise.all(outs.map((out, i) => startExportHost(redis.url, 'cli', { name: `cli-${i}`, out })));
    const coordinator = await run(['--remote', redis.url, '--queue', 'cli', '--paths', pathsFile(paths), '--chunk-paths', '4', '--json']);
    expect(coordinator.stderr).toBe('');
    expect(coordinator.code).toBe(0);
    const summary = JSON.parse(coordinator.stdout) as { run: string; rendered: number };
    expect(summary.rendered).toBe(200);
    const merged = tempDir('drove-cli-merged-');
    const merge = await run(['merge', ...outs, '--out', merged, '--run', summary.run]);
    expect(merge.code).toBe(0);
    expect(merge.stdout).toContain(`merged run ${summary.run}: 200 paths`);
    expect(treeOf(merged)).toEqual(treeOf(await localExport(paths)));
  });

  it('reports a path that fails with the host that met it', { timeout: 120_000 }, async () => {
    await startExportHost(redis.url, 'broken', { name: 'lonely-host', out: tempDir('drove-broken-') });
    const paths = ['/ok/1', '/broken/page', '/ok/2'];
    const summary = await exportRemote({ connection: redis.url, queue: 'broken', paths });
    expect(summary).toMatchObject({ rendered: 2, failed: 1, hosts: ['lonely-host'] });
    expect(summary.failures).toEqual([
      expect.objectContaining({ path: '/broken/page', code: 'ERR_EXPORT_RENDER_FAILED', host: 'lonely-host', message: 'Could not render /broken/page: no page at /broken/page (on host lonely-host)' }),
    ]);
    expect(summary.failures[0]?.stack).toContain('RangeError: no page at /broken/page');
    const cli = await run(['--remote', redis.url, '--queue', 'broken', '--paths', pathsFile(paths), '--quiet']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('✗ /broken/page: ERR_EXPORT_RENDER_FAILED Could not render /broken/page: no page at /broken/page (on host lonely-host)');
  });

  it('skips in an incremental run what did not change, whichever host rendered it before', { timeout: 180_000 }, async () => {
    const paths = [...sitePaths(300)];
    const merged = tempDir('drove-incremental-');
    // Run 1: two hosts.
    const first = await Promise.all(['first-a', 'first-b'].map((name) => startExportHost(redis.url, 'incremental', { name, out: tempDir(`drove-${name}-`) })));
    const one = await exportRemote({ connection: redis.url, queue: 'incremental', paths });
    expect(one.failed).toBe(0);
    await mergeExports({ from: first.map((host) => host.out), outDir: merged });
    expect(await Promise.all(first.map(stopExportHost))).toEqual([0, 0]);

    // Run 2: other hosts with empty folders, given the merged manifest; 12 pages changed.
    const changed = paths.filter((_, i) => i % 25 === 3);
    const options = JSON.stringify({ changed });
    const second = await Promise.all(
      ['second-a', 'second-b', 'second-c'].map((name) =>
        startExportHost(redis.url, 'incremental', { name, out: tempDir(`drove-${name}-`), args: ['--previous', join(merged, '.drove-manifest.jsonl'), '--options', options] }),
      ),
    );
    const two = await exportRemote({ connection: redis.url, queue: 'incremental', paths, incremental: true });
    const changedFiles = changed.reduce((files, path) => files + (path.endsWith('/with-assets') ? 2 : 1), 0);
    expect(two).toMatchObject({ rendered: 300, failed: 0, artifacts: changedFiles });
    expect(two.unchanged).toBeGreaterThan(300 - changed.length);
    // The hosts' folders hold only what changed, and their run files.
    const written = second.flatMap((host) => filesUnder(host.out).filter((file) => !file.startsWith('.drove-run.')));
    expect(written).toHaveLength(changedFiles);
    const result = await mergeExports({ from: second.map((host) => host.out), outDir: merged });
    expect(result).toMatchObject({ paths: 300, copied: changedFiles });
    expect(treeOf(merged)).toEqual(treeOf(await localExport(paths, { changed })));
    expect((await manifestOf(merged)).map((entry) => entry.path)).toEqual(paths);
  });

  it('refuses to merge a file left unchanged that the output folder does not hold', { timeout: 120_000 }, async () => {
    const paths = ['/a', '/b'];
    const out = tempDir('drove-refuse-');
    const host = await startExportHost(redis.url, 'refuse', { name: 'refuse-a', out });
    await exportRemote({ connection: redis.url, queue: 'refuse', paths });
    const merged = tempDir('drove-refuse-merged-');
    await mergeExports({ from: [out], outDir: merged });
    await stopExportHost(host);
    const again = tempDir('drove-refuse-again-');
    await startExportHost(redis.url, 'refuse', { name: 'refuse-b', out: again, args: ['--previous', join(merged, '.drove-manifest.jsonl')] });
    await exportRemote({ connection: redis.url, queue: 'refuse', paths, incremental: true });
    expect(readdirSync(again).filter((name) => !name.startsWith('.drove-run.'))).toEqual([]);
    const elsewhere = tempDir('drove-refuse-elsewhere-');
    const error = await mergeExports({ from: [again], outDir: elsewhere }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StaticExportError);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_MERGE' });
    expect((error as Error).message).toContain('merge into the previous merge\'s outDir');
  });

  it('runs over TLS with a CA of its own and an ACL user, from the command line, showing no password', { timeout: 120_000 }, async () => {
    const secret = 'export-S3cret-41d0';
    const secure = await startRedis({ tls: true, user: { name: 'exporter', password: secret } });
    try {
      const caFile = secure.tls?.caFile ?? '';
      const out = tempDir('drove-tls-host-');
      const host = await startExportHost(secure.url, 'tls', { name: 'tls-host', out, args: ['--tls-ca', caFile] });
      expect(host.stderr()).toContain(`at rediss://***@127.0.0.1:${secure.port}`);
      const paths = ['/', '/about', '/blog/7/with-assets'];
      const coordinator = await run(['--queue', 'tls', '--tls-ca', caFile, '--paths', pathsFile(paths)], { REDIS_URL: secure.url });
      expect(coordinator.code).toBe(0);
      expect(coordinator.stdout).toContain('3 rendered, 0 failed');
      const untrusted = await run(['--queue', 'tls', '--paths', pathsFile(paths)], { REDIS_URL: secure.url });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toContain(`drove-export: Could not reach Redis at rediss://***@127.0.0.1:${secure.port}`);
      expect(await stopExportHost(host)).toBe(0);
      for (const text of [host.stderr(), coordinator.stdout, coordinator.stderr, untrusted.stdout, untrusted.stderr]) expect(text).not.toContain(secret);
      const merged = tempDir('drove-tls-merged-');
      await mergeExports({ from: [out], outDir: merged });
      expect(treeOf(merged)).toEqual(treeOf(await localExport(paths)));
    } finally {
      await secure.stop();
    }
  });

  it('stops on abort: rejects ERR_EXPORT_ABORTED with what finished, the tasks in flight taken back', { timeout: 120_000 }, async () => {
    await startExportHost(redis.url, 'abort', { name: 'abort-host', out: tempDir('drove-abort-') });
    const controller = new AbortController();
    const error = await exportRemote({
      connection: redis.url,
      queue: 'abort',
      paths: sitePaths(5000),
      chunkPaths: 4,
      concurrency: 2,
      signal: controller.signal,
      onProgress: ({ done }) => {
        if (done === 40) controller.abort(new Error('enough'));
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteExportAbortedError);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_ABORTED', summary: { aborted: true, failed: 0 } });
    const { summary } = error as RemoteExportAbortedError;
    expect(summary.rendered).toBeGreaterThanOrEqual(40);
    expect(summary.rendered).toBeLessThan(5000);
  });

  it('rejects ERR_EXPORT_REMOTE when Redis does not answer, showing no password', async () => {
    // A port nothing listens on: taken, then given back.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    probe.close();
    const error = await exportRemote({ connection: `redis://user:hunter2@127.0.0.1:${port}`, queue: 'none', paths: ['/'], connectTimeoutMs: 500 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StaticExportError);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_REMOTE' });
    expect((error as Error).message).toContain(`Could not reach Redis at redis://***@127.0.0.1:${port}`);
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });

  it('drove-export worker: a renderer whose setup throws, and a Redis that does not answer, are one line each, exit 1, no password', { timeout: 60_000 }, async () => {
    const setup = await run(['worker', '--queue', 'q', '--renderer', fixturePath('setup-fails.mjs'), '--out', tempDir('drove-setup-'), '--threads', '2'], { REDIS_URL: redis.url });
    expect(setup.code).toBe(1);
    expect(setup.stderr).toMatch(/^drove-export worker: ERR_EXPORT_SETUP_FAILED The renderer's setup failed on this host \(file:.*setup-fails\.mjs\): .*\n$/);
    const args = ['worker', '--queue', 'q', '--renderer', fixturePath('remote-renderer.mjs'), '--out', tempDir('drove-unreachable-'), '--connect-timeout-ms', '300'];
    const unreachable = await run(args, { REDIS_URL: 'redis://exporter:hunter2@127.0.0.1:1' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe('drove-export worker: could not reach Redis at redis://***@127.0.0.1:1; check --connection (or REDIS_URL) and that Redis runs there\n');
  });

  it('works with one folder shared by every host: merged into itself, it equals a one-machine export', { timeout: 120_000 }, async () => {
    const shared = tempDir('drove-shared-');
    const hosts = await Promise.all(['shared-a', 'shared-b'].map((name) => startExportHost(redis.url, 'shared', { name, out: shared })));
    const paths = [...sitePaths(300)];
    expect(await exportRemote({ connection: redis.url, queue: 'shared', paths, chunkPaths: 4 })).toMatchObject({ rendered: 300, failed: 0 });
    expect(await Promise.all(hosts.map(stopExportHost))).toEqual([0, 0]);
    const result = await mergeExports({ from: [shared], outDir: shared });
    expect(result).toMatchObject({ paths: 300, copied: 0 });
    expect(result.inPlace).toBe(result.files);
    const tree = treeOf(shared);
    for (const file of Object.keys(tree)) if (file.startsWith('.drove-run.')) delete tree[file];
    expect(tree).toEqual(treeOf(await localExport(paths)));
  });
});
