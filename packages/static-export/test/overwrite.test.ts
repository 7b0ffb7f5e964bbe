// An export never replaces a file it did not write unless forced: through the library and the real CLI, on real files.
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportStatic, StaticExportError, type ExportOptions, type ExportSummary } from '@drove/static-export';
import { removeTempDirs } from '@drove/test-support';
import { pathsFile, runCli } from './export-process.js';
import { filesUnder, fixture, fixturePath, leftovers, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const pages = Array.from({ length: 40 }, (_, n) => `/docs/page-${n}`);
const userBytes = Buffer.from('<p>my own page, written by hand</p>\n\u00e9\u0000\u00ff');
const anHourAgo = new Date(Date.now() - 3_600_000);

function exportSite(outDir: string, paths: readonly string[], more: Partial<ExportOptions> = {}): Promise<ExportSummary> {
  return exportStatic({ renderer: fixture('site-renderer.mjs'), paths, outDir, workers: 2, kind: 'thread', stdio: 'ignore', ...more });
}

/** A user's file, older than any run (as a user's files are). */
function userFile(outDir: string, file: string, bytes: Buffer = userBytes): string {
  const target = join(outDir, file);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bytes);
  utimesSync(target, anHourAgo, anHourAgo);
  return target;
}

function backdate(outDir: string): void {
  for (const file of filesUnder(outDir)) utimesSync(join(outDir, file), anHourAgo, anHourAgo);
}

function manifestFiles(outDir: string): string[] {
  return readFileSync(join(outDir, '.drove-manifest.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => (JSON.parse(line) as { files: { file: string }[] }).files.map((f) => f.file));
}

describe('exportStatic after a run that could not write every path', () => {
  it('keeps the files the manifest it replaced named as the export\'s own, until a complete run commits', async () => {
    const out = tempDir();
    expect((await exportSite(out, pages)).failed).toBe(0);
    backdate(out);
    // A run of fewer pages in which one path fails (a user's file in its way): its manifest names only what it wrote.
    userFile(out, 'docs/extra/index.html');
    const partial = await exportSite(out, [...pages.slice(0, 20), '/docs/extra']);
    expect(partial.failed).toBe(1);
    expect(manifestFiles(out)).not.toContain('docs/page-30/index.html');
    // The pages it did not write are still the export's: the next full run replaces them without force.
    const again = await exportSite(out, pages, { rendererOptions: { title: 'again' } });
    expect(again).toMatchObject({ failed: 0, rendered: pages.length });
    expect(manifestFiles(out)).toContain('docs/page-30/index.html');
    // A complete run's commit drops what the incomplete one kept.
    expect(readdirSync(out).filter((name) => name.endsWith('.owned') || name.endsWith('.owned-since'))).toEqual([]);
  });
});

describe('exportStatic: a user file at a page path', () => {
  it('is left byte for byte, its path fails with ERR_EXPORT_WOULD_OVERWRITE naming it, and the other paths go on', async () => {
    const out = tempDir();
    expect((await exportSite(out, pages)).failed).toBe(0);
    backdate(out);
    const target = userFile(out, 'docs/new-page/index.html');
    const before = readFileSync(join(out, 'docs/page-3/index.html'));
    const summary = await exportSite(out, [...pages, '/docs/new-page'], { rendererOptions: { title: 'v2' } });
    expect(summary.rendered).toBe(pages.length);
    expect(summary.failed).toBe(1);
    expect(summary.failures[0]).toMatchObject({ path: '/docs/new-page', code: 'ERR_EXPORT_WOULD_OVERWRITE' });
    expect(summary.failures[0]!.message).toContain(target);
    expect(readFileSync(target).equals(userBytes)).toBe(true);
    // The export's own files were replaced as before, and the manifest does not claim the user's file.
    expect(readFileSync(join(out, 'docs/page-3/index.html')).equals(before)).toBe(false);
    expect(manifestFiles(out)).not.toContain('docs/new-page/index.html');
    expect(leftovers(out)).toEqual([]);
  });

  it('is replaced with force: true', async () => {
    const out = tempDir();
    await exportSite(out, pages);
    backdate(out);
    const target = userFile(out, 'docs/new-page/index.html');
    const summary = await exportSite(out, [...pages, '/docs/new-page'], { force: true });
    expect(summary.failed).toBe(0);
    expect(readFileSync(target, 'utf8')).toContain('<h1>/docs/new-page</h1>');
    expect(manifestFiles(out)).toContain('docs/new-page/index.html');
  });

  it('a re-export over an earlier export replaces its files without force, incremental or not', async () => {
    const out = tempDir();
    await exportSite(out, pages);
    backdate(out);
    expect((await exportSite(out, pages, { rendererOptions: { title: 'v2' } })).failed).toBe(0);
    expect(readFileSync(join(out, 'docs/page-0/index.html'), 'utf8')).toContain('<title>v2</title>');
    backdate(out);
    const again = await exportSite(out, pages, { rendererOptions: { title: 'v3' }, incremental: true });
    expect(again).toMatchObject({ failed: 0, rendered: pages.length });
    expect(readFileSync(join(out, 'docs/page-0/index.html'), 'utf8')).toContain('<title>v3</title>');
  });

  it('refuses a non-empty outDir with no manifest at the start, naming a few files and the count, and writes nothing', async () => {
    const out = tempDir();
    for (const name of ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt']) userFile(out, name);
    const error = await exportSite(out, pages).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(StaticExportError);
    expect(error).toMatchObject({ code: 'ERR_EXPORT_WOULD_OVERWRITE' });
    expect((error as Error).message).toMatch(/a\.txt, b\.txt, c\.txt and 2 more: 5 entries/);
    expect(readdirSync(out).sort()).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt']);
    expect((await exportSite(out, pages, { force: true })).failed).toBe(0);
    expect(readFileSync(join(out, 'a.txt')).equals(userBytes)).toBe(true);
  });

  it('with manifest: false, requires force for a non-empty outDir and not for an empty one', async () => {
    const out = tempDir();
    expect((await exportSite(out, pages, { manifest: false })).failed).toBe(0);
    await expect(exportSite(out, pages, { manifest: false })).rejects.toMatchObject({ code: 'ERR_EXPORT_WOULD_OVERWRITE' });
    expect((await exportSite(out, pages, { manifest: false, force: true })).failed).toBe(0);
  });

  it('checks nothing when outDir held only Drove files, and leaves a user file beside the pages alone', async () => {
    const out = tempDir();
    const notes = userFile(out, 'docs/NOTES.md');
    expect((await exportSite(out, pages, { force: true })).failed).toBe(0);
    backdate(out);
    expect((await exportSite(out, pages)).failed).toBe(0);
    expect(readFileSync(notes).equals(userBytes)).toBe(true);
  });
});

describe('drove-export (spawned)', () => {
  const paths = pathsFile(pages);
  const withNew = pathsFile([...pages, '/docs/new-page', '/docs/other-page']);
  const args = (out: string, list = paths, ...more: string[]) => ['-r', fixturePath('site-renderer.mjs'), '-p', list, '-o', out, '-w', '2', '-q', '--json', ...more];

  it('reports the user file it did not replace, exits 1, and replaces it with --force', async () => {
    const out = tempDir();
    expect((await runCli(args(out))).code).toBe(0);
    // Not backdated: a file written just before a run, as a user does between two runs.
    const target = join(out, 'docs/new-page/index.html');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, userBytes);
    const run = await runCli(args(out, withNew));
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as ExportSummary;
    expect(summary).toMatchObject({ rendered: pages.length + 1, failed: 1 });
    expect(summary.failures[0]).toMatchObject({ path: '/docs/new-page', code: 'ERR_EXPORT_WOULD_OVERWRITE' });
    expect(run.stderr).toContain(target);
    expect(readFileSync(target).equals(userBytes)).toBe(true);
    expect(existsSync(join(out, 'docs/other-page/index.html'))).toBe(true);

    const forced = await runCli(args(out, withNew, '--force'));
    expect(forced.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toContain('<h1>/docs/new-page</h1>');
  }, 60_000);

  it('refuses to start in a non-empty folder with no manifest: one line, exit non-zero, no stack; --force runs', async () => {
    const out = tempDir();
    writeFileSync(join(out, 'index.html'), userBytes);
    writeFileSync(join(out, 'photo.jpg'), userBytes);
    const run = await runCli(args(out));
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ERR_EXPORT_WOULD_OVERWRITE|not empty/);
    expect(lines[0]).toContain('index.html, photo.jpg: 2 entries');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(out).sort()).toEqual(['index.html', 'photo.jpg']);
    expect(readFileSync(join(out, 'index.html')).equals(userBytes)).toBe(true);
    expect((await runCli(args(out, paths, '--force'))).code).toBe(0);
  }, 60_000);

  it('re-exports over an earlier export without --force', async () => {
    const out = tempDir();
    expect((await runCli(args(out))).code).toBe(0);
    backdate(out);
    const run = await runCli(args(out, paths, '--options', '{"title":"v2"}'));
    expect(run.code).toBe(0);
    expect(readFileSync(join(out, 'docs/page-1/index.html'), 'utf8')).toContain('<title>v2</title>');
  }, 60_000);

  it("counts a killed run's files as the export's own (its journal), over an earlier export and into an empty folder", async () => {
    const many = pathsFile(Array.from({ length: 400 }, (_, n) => `/docs/page-${n}`));
    for (const earlier of [true, false]) {
      const out = tempDir();
      if (earlier) expect((await runCli(args(out))).code).toBe(0);
      // New pages, killed after the journal holds some of them.
      const killed = await runCli(args(out, many, '--options', '{"title":"v2"}'), { env: { DROVE_EXPORT_CRASH_AT: 'journal-flushed:1' } });
      expect(killed.signal).toBe('SIGKILL');
      const journals = readdirSync(out).filter((name) => name.endsWith('.drove-journal'));
      expect(journals).toHaveLength(1);
      const recorded = readFileSync(join(out, journals[0]!), 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => (JSON.parse(line) as { files: { file: string }[] }).files.map((f) => f.file));
      expect(recorded.length).toBeGreaterThan(0);
      // The files the journal lists, backdated: only the journal can vouch for them now. The others (renamed after the
      // last flush) are newer than the dead run's start, which is what vouches for them.
      for (const file of recorded) utimesSync(join(out, file), anHourAgo, anHourAgo);
      const after = await runCli(args(out, many));
      expect(after.code, after.stderr).toBe(0);
      expect((JSON.parse(after.stdout) as ExportSummary).failed).toBe(0);
      expect(leftovers(out)).toEqual([]);
    }
  }, 120_000);
});
