// Master RSS and the memory each child adds, process vs thread: each
// configuration in a fresh Node process.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));

async function measure(kind, count) {
  const { stdout } = await run(process.execPath, ['--expose-gc', probe, kind, String(count)], { timeout: 120_000 });
  return JSON.parse(stdout);
}

export async function memoryPerChild(count) {
  const empty = await measure('process', 0);
  const out = { master: empty.master, perChild: {} };
  for (const kind of ['process', 'thread']) {
    const full = await measure(kind, count);
    out.perChild[kind] = {
      masterRssWith: full.master.rss,
      rss: (full.master.rss - empty.master.rss + full.children.rss) / count,
      uss: (full.master.uss - empty.master.uss + full.children.uss) / count,
    };
  }
  return out;
}
