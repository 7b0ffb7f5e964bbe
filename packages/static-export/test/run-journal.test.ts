import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStatic, type ExportSummary } from '@drove/static-export';
import { removeTempDirs } from '@drove/test-support';
import { removeLeftovers, temporaryOwner } from '../src/internal/leftovers.js';
import { beginRun, endRun, isRunAlive } from '../src/internal/run-identity.js';
import { pathsFile, runCli } from './export-process.js';
import { filesUnder, fixture, fixturePath, leftovers, tempDir, treeOf } from './helpers.js';

afterAll(removeTempDirs);

const paths = pathsFile(Array.from({ length: 120 }, (_, n) => `/page-${n}`));
const args = (out: string, version: number, ...more: string[]) => [
  '-r', fixturePath('chaos-renderer.mjs'), '-p', paths, '-o', out, '-w', '2', '-q', '--json', '--options', JSON.stringify({ version, renderMs: 0 }), ...more,
];
const clean: Record<number, Record<string, string>> = {};

beforeAll(async () => {
  for (const version of [1, 2]) {
    const out = tempDir();
    expect((await runCli(args(out, version))).code).toBe(0);
    clean[version] = treeOf(out);
  }
}, 60_000);

/** v1 exported whole, then v2 exported incrementally and killed at `crashAt`: the output a rollback starts from. */
async function killedUpgrade(crashAt: string, kind = 'process'): Promise<string> {
  const out = tempDir();
  expect((await runCli(args(out, 1))).code).toBe(0);
  const killed = await runCli(args(out, 2, '--incremental', '--kind', kind), { env: { DROVE_EXPORT_CRASH_AT: crashAt } });
  expect(killed.stragglers).toBe(0);
  return out;
}

describe('the run after a killed run', () => {
  it('rolls back to v1 byte for byte after v2 died half-way (a thread, so the coordinator died with it), and writes only what v2 changed', async () => {
    const out = await killedUpgrade('file-renamed:45', 'thread');
    const touched = Object.entries(clean[1]!).filter(([file, hash]) => !file.startsWith('.') && treeOf(out)[file] !== hash);
    // The killed run replaced files, some of them with bytes of the very same size.
    expect(touched.length).toBeGreaterThan(10);
    expect(readdirSync(out).some((name) => name.endsWith('.drove-journal'))).toBe(true);
    const rollback = await runCli(args(out, 1, '--incremental'));
    expect(rollback.code).toBe(0);
    const summary = JSON.parse(rollback.stdout) as ExportSummary;
    expect(treeOf(out)).toEqual(clean[1]);
    // Those files and nothing else were written again: every other one was proven current.
    expect(summary.artifacts).toBe(touched.length);
    expect(summary.unchanged).toBe(Object.keys(clean[1]!).length - 1 - touched.length);
  }, 60_000);

  it.each(['journal-flushed:2', 'journal-torn:2', 'commit-start:1', 'commit-journals-removed:1', 'commit-renamed:1', 'file-written:30'])(
    'after a coordinator killed at %s, a rollback equals a clean export and leaves nothing behind',
    async (crashAt) => {
      const out = await killedUpgrade(crashAt, 'thread');
      expect((await runCli(args(out, 1, '--incremental'))).code).toBe(0);
      expect(treeOf(out)).toEqual(clean[1]);
    },
    60_000,
  );

  it('after two killed runs in a row trusts only the newer one, and a non-incremental run clears both', async () => {
    const out = await killedUpgrade('file-renamed:30', 'thread');
    // v1 again, killed too: its records are the ones to trust; v2's journal is superseded.
    expect((await runCli(args(out, 1, '--incremental', '--kind', 'thread'), { env: { DROVE_EXPORT_CRASH_AT: 'file-renamed:20' } })).signal).toBe('SIGKILL');
    expect(readdirSync(out).filter((name) => name.endsWith('.drove-journal'))).toHaveLength(2);
    expect((await runCli(args(out, 2, '--incremental'))).code).toBe(0);
    expect(treeOf(out)).toEqual(clean[2]);
    const other = await killedUpgrade('file-renamed:30', 'thread');
    expect((await runCli(args(other, 1))).code).toBe(0);
    expect(treeOf(other)).toEqual(clean[1]);
  }, 60_000);

  it('removes the temporary files of render children killed inside a commit, and still equals a clean export', async () => {
    const out = tempDir();
    // Each child SIGKILLs itself with a temporary file written; the pool replaces it and the path is sent again.
    const run = await runCli(args(out, 2, '--retries', '5'), { env: { DROVE_EXPORT_CRASH_AT: 'file-written:25' } });
    expect(run.stderr).not.toContain('ERR_EXPORT');
    expect(run.code).toBe(0);
    expect(treeOf(out)).toEqual(clean[2]);
  }, 60_000);
});

describe('leftovers and live runs', () => {
  it('removes only Drove temporary files of runs that are over, never a user file or a live run\'s', () => {
    const out = tempDir();
    mkdirSync(join(out, 'a/b'), { recursive: true });
    const live = beginRun();
    const over = beginRun();
    endRun(over);
    const files = {
      dead: `a/b/.index.html.${over}.4242-0-7.drove-tmp`,
      live: `a/.index.html.${live}.4242-1-0.drove-tmp`,
      oldDeadManifest: '..drove-manifest.jsonl.999999999.drove-tmp',
      oldDeadPage: 'a/.page.html.999999999-0-3.drove-tmp',
      oldLivePage: `a/.page.html.${process.pid}-0-3.drove-tmp`,
      user1: 'a/b/notes.drove-tmp',
      user2: 'a/.index.html.drove-tmp',
      user3: 'a/b/index.html',
    };
    for (const file of Object.values(files)) writeFileSync(join(out, file), 'x');
    expect(temporaryOwner('index.html')).toBeUndefined();
    expect(removeLeftovers(out, { tree: false }).map((file) => file.slice(out.length + 1))).toEqual([files.oldDeadManifest]);
    expect(removeLeftovers(out, { tree: true }).map((file) => file.slice(out.length + 1)).sort()).toEqual([files.dead, files.oldDeadPage].sort());
    expect(filesUnder(out)).toEqual([files.live, files.oldLivePage, files.user2, files.user1, files.user3].sort());
    // Once the run is over (its children stopped), its own files go too.
    expect(isRunAlive(live)).toBe(true);
    expect(removeLeftovers(out, { tree: true, finishedRun: live })).toHaveLength(1);
    endRun(live);
    expect(isRunAlive(live)).toBe(false);
    // A pid that exists but started at another time (a reused pid) is not the run's.
    expect(isRunAlive(`${process.ppid}-1-1`)).toBe(false);
  });

  it('refuses to export while a live run writes the same manifest, and takes over a dead run\'s, checking files by content', async () => {
    const outDir = tempDir();
    // A run of another live process: this one's parent, with its real start time.
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]).toString(36);
    const live = `${process.ppid}-${start}-1`;
    const journal = join(outDir, `..drove-manifest.jsonl.1.${live}.drove-journal`);
    writeFileSync(journal, '');
    const refused = await exportStatic({ renderer: fixture('site-renderer.mjs'), paths: ['/'], outDir, kind: 'inline' }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ERR_EXPORT_MANIFEST' });
    expect((refused as Error).message).toContain(`Another export (run ${live})`);
    // Another shard's manifest is another journal: no conflict.
    await exportStatic({ renderer: fixture('site-renderer.mjs'), paths: ['/'], outDir, kind: 'inline', shard: { index: 1, count: 1 } });
    // The same pid started at another time: a run that died, whose empty journal vouches for nothing.
    unlinkSync(journal);
    writeFileSync(join(outDir, `..drove-manifest.jsonl.1.${process.ppid}-${start}0-1.drove-journal`), '');
    const summary = await exportStatic({ renderer: fixture('site-renderer.mjs'), paths: ['/'], outDir, kind: 'inline', incremental: true });
    // index.html (written by the shard's export) holds the very bytes: read back, it is left as it is.
    expect(summary).toMatchObject({ rendered: 1, artifacts: 0, unchanged: 1 });
    expect(leftovers(outDir)).toEqual([]);
    expect(readFileSync(join(outDir, '.drove-manifest.jsonl'), 'utf8')).toContain('"path":"/"');
  });
});
