// A coordinator built on jest-worker doing the exporter's work: the same renderer in 2 child
// processes, each writing its page atomically and answering with name, size and hash; the
// coordinator streams the paths with bounded concurrency and writes the same manifest lines.
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'jest-worker';

export async function jestWorkerExport({ paths, outDir, workers, concurrency = 8 }) {
  mkdirSync(outDir, { recursive: true });
  const worker = new Worker(fileURLToPath(new URL('../fixtures/jest-render.cjs', import.meta.url)), {
    numWorkers: workers,
    exposedMethods: ['render'],
    setupArgs: [],
    enableWorkerThreads: false,
  });
  const manifestTemp = join(outDir, '.manifest.tmp');
  const fd = openSync(manifestTemp, 'w');
  let rendered = 0;
  let failed = 0;
  const inFlight = new Set();
  try {
    for (const path of paths) {
      const task = worker
        .render(path, outDir)
        .then(
          (entry) => {
            rendered++;
            writeSync(fd, `${JSON.stringify({ path, files: [{ file: entry.file, bytes: entry.bytes, hash: entry.hash }], bytes: entry.bytes })}\n`);
          },
          () => failed++,
        )
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    closeSync(fd);
    await worker.end();
  }
  renameSync(manifestTemp, join(outDir, '.manifest.jsonl'));
  return { rendered, failed };
}
