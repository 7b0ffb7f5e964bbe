// The coordinator's memory in an export spread over hosts: a real redis-server, two
// `drove-export worker` processes with a renderer that writes nothing, and exportRemote()
// in this process, which takes a full GC and reads its heap and RSS after 10,000 paths and
// after the last. What grows is the 8-byte fingerprint of each output file (collisions);
// the paths themselves are read only as the hosts take them.
//
//   node --expose-gc bench/lib/remote-memory.mjs [paths=200000]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeTempDirs, startRedis, waitFor } from '@drove/test-support';
import { exportRemote } from '@drove/static-export/remote';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const count = Number(process.argv[2] ?? 200_000);
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const renderer = fileURLToPath(new URL('../../test/fixtures/noop-renderer.mjs', import.meta.url));
const redis = await startRedis();
const hosts = [];
try {
  for (const name of ['a', 'b']) {
    const child = spawn(process.execPath, [cli, 'worker', '--queue', 'memory', '--renderer', renderer, '--out', makeTempDir('drove-remote-memory-'), '--name', name, '--threads', '1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, REDIS_URL: redis.url },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
    hosts.push(child);
    if (!(await waitFor(() => stderr.includes('ready'), { deadlineMs: 30_000 }))) throw new Error(stderr);
  }
  function* paths() {
    for (let i = 0; i < count; i++) yield `/section-${i % 97}/page-${i}`;
  }
  const samples = [];
  const measure = (done) => {
    globalThis.gc();
    const { heapUsed, rss } = process.memoryUsage();
    samples.push({ done, heapUsed, rss });
  };
  const started = performance.now();
  const summary = await exportRemote({
    connection: redis.url,
    queue: 'memory',
    paths: paths(),
    chunkPaths: 64,
    concurrency: 16,
    onProgress: ({ done }) => {
      if (done === 10_000) measure(done);
    },
  });
  measure(summary.paths);
  const seconds = (performance.now() - started) / 1000;
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  console.log(`${summary.rendered} rendered, ${summary.failed} failed on ${summary.hosts.join(', ')} in ${seconds.toFixed(1)} s (${Math.round(summary.paths / seconds)} paths/s)`);
  for (const { done, heapUsed, rss } of samples) console.log(`after ${done.toLocaleString('en-US')} paths: heap used ${mib(heapUsed)} MiB, RSS ${mib(rss)} MiB`);
} finally {
  for (const child of hosts) child.kill('SIGKILL');
  await redis.stop();
  removeTempDirs();
}
