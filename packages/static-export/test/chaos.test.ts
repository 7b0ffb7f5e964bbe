// Seeded random kills: runs of three versions of a site, each run incremental or not, in processes or threads,
// killed at random moments (the coordinator after a random delay, a render child, or a named crash point:
// mid-write, mid-journal, mid-commit), then a run to the end. Every run that ends, and the last run of each
// round, must leave exactly a clean export's files and manifest, byte for byte, and nothing else.
// CHAOS_SEED=<n> replays a seed; CHAOS_ROUNDS=<n> runs more rounds (`npm run chaos`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, seededRandom } from '@drove/test-support';
import { pathsFile, runCli, type CliRunOptions } from './export-process.js';
import { fixturePath, tempDir, treeOf } from './helpers.js';

afterAll(removeTempDirs);

const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const rounds = Number(process.env.CHAOS_ROUNDS ?? 5);
const versions = [1, 2, 3];
const crashPoints = ['file-written', 'file-renamed', 'journal-flushed', 'journal-torn', 'commit-start', 'commit-journals-removed', 'commit-renamed'];
const paths = pathsFile(Array.from({ length: 160 }, (_, n) => `/docs/page-${n}`));
const clean: Record<number, Record<string, string>> = {};
/** How long a clean run took here, so that kills after a random delay land while a run works (a range, never asserted). */
let runMs = 1000;


function args(out: string, version: number, kind: string, incremental: boolean): string[] {
  const options = JSON.stringify({ version, renderMs: 1 });
  return ['-r', fixturePath('chaos-renderer.mjs'), '-p', paths, '-o', out, '-w', '2', '--kind', kind, '-q', '--json', '--options', options, ...(incremental ? ['--incremental'] : [])];
}

beforeAll(async () => {
  console.log(`chaos: seed ${seed}, ${rounds} rounds (replay: CHAOS_SEED=${seed} npx vitest run test/chaos.test.ts)`);
  for (const version of versions) {
    const out = tempDir();
    const started = Date.now();
    expect((await runCli(args(out, version, 'process', false))).code).toBe(0);
    runMs = Date.now() - started;
    clean[version] = treeOf(out);
  }
}, 60_000);

describe(`chaos (seed ${seed})`, () => {
  it(`${rounds} rounds of runs killed at random, each round ending in a clean export's bytes and manifest and nothing else`, async () => {
    const next = seededRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const counts = { runs: 0, killed: 0, coordinatorKills: 0, childKills: 0, crashPoints: 0, checked: 0, stragglers: 0 };
    for (let round = 0; round < rounds; round++) {
      const out = tempDir();
      const log: string[] = [];
      const steps = 2 + Math.floor(next() * 3);
      const first = pick(versions);
      for (let step = 0; step <= steps; step++) {
        const last = step === steps;
        // Killed runs move to another version; the last run often rolls back to the first.
        const version = step === 0 ? first : last && next() < 0.6 ? first : pick(versions.filter((v) => v !== first));
        const kind = pick(['process', 'process', 'thread']);
        const incremental = next() < 0.8;
        const options: CliRunOptions = {};
        let how = 'to the end';
        // The first step exports a whole version; the last runs to the end; those between are killed.
        if (step > 0 && !last) {
          const mode = pick(['coordinator', 'coordinator', 'child', 'point', 'point', 'point']);
          if (mode === 'coordinator') options.killAfterMs = Math.floor((0.3 + next() * 0.7) * runMs);
          else if (mode === 'child') options.killChildAfterMs = Math.floor((0.3 + next() * 0.7) * runMs);
          else {
            const point = pick(crashPoints);
            const n = point.startsWith('commit') ? 1 : 1 + Math.floor(next() * (point.startsWith('file') ? 90 : 4));
            options.env = { DROVE_EXPORT_CRASH_AT: `${point}:${n}` };
          }
          how = JSON.stringify(options);
          counts[mode === 'coordinator' ? 'coordinatorKills' : mode === 'child' ? 'childKills' : 'crashPoints']++;
        }
        const run = await runCli(args(out, version, kind, incremental), options);
        counts.runs++;
        counts.stragglers += run.stragglers;
        log.push(`v${version} ${kind}${incremental ? ' --incremental' : ''} ${how}: ${run.signal ?? `exit ${run.code}`}`);
        const context = `seed ${seed}, round ${round}:\n  ${log.join('\n  ')}\n${run.stderr.slice(0, 2000)}`;
        if (run.code !== 0) counts.killed++;
        if (last) expect(run.code, context).toBe(0);
        // Every run that ended well equals a clean export of its version: files, bytes, manifest, nothing more.
        if (run.code === 0) {
          expect(treeOf(out), context).toEqual(clean[version]);
          counts.checked++;
        }
      }
    }
    console.log(`chaos: seed ${seed}: ${JSON.stringify(counts)}`);
    expect(counts.stragglers).toBe(0);
    expect(counts.checked).toBeGreaterThanOrEqual(rounds);
  }, 60_000 + rounds * 15_000);
});
