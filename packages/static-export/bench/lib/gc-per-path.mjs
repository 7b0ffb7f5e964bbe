// What the coordinator and each render child allocate per path, and how much of it survives a
// young-generation collection (copied, or promoted to the old generation): V8's --trace-gc-nvp
// totals for an export of 40,000 paths through 2 process children with a renderer that does
// nothing (test/fixtures/gc-probe.mjs), under --single-threaded-gc so the counts repeat.
//
//   node bench/lib/gc-per-path.mjs
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { traceGc } from '@drove/test-support';

const PATHS = 40_000;
const probe = fileURLToPath(new URL('../../test/fixtures/gc-probe.mjs', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'drove-gc-per-path-'));
try {
  const { isolates } = await traceGc(['--expose-gc', probe, outDir]);
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  console.log(`${PATHS.toLocaleString('en-US')} paths, 2 process children, a renderer that does nothing`);
  console.log('| isolate | MiB allocated | bytes a path | scavenges | mark-compacts | MiB copied | MiB promoted | survived / allocated |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  isolates.forEach((each, at) => {
    const name = at === 0 ? 'coordinator' : `child ${at}`;
    const share = (((each.survived + each.promoted) / each.allocated) * 100).toFixed(1);
    console.log(
      `| ${name} | ${mib(each.allocated)} | ${Math.round(each.allocated / (at === 0 ? PATHS : PATHS / 2))} | ${each.scavenges} | ${each.markCompacts} | ${mib(each.survived)} | ${mib(each.promoted)} | ${share} % |`,
    );
  });
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
