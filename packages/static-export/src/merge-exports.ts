/**
 * Joins the folders of a remote export's hosts into one export: its files and
 * one manifest, in input order, equal to what a one-machine export writes.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StaticExportError } from './errors.js';
import { FingerprintTable } from './internal/fingerprint.js';
import { ManifestWriter } from './internal/manifest-writer.js';
import { inspectOutDir } from './internal/ownership.js';
import { parseRunFileLine, runOfFileName, RUN_ID, type RunFileLine } from './internal/remote-task.js';
import { check } from './internal/validate.js';
import { defaultManifestName } from './manifest.js';
import { resolveOutputFile } from './output-path.js';

/** Options of {@link mergeExports}. */
export interface MergeExportsOptions {
  /** The hosts' folders (each `drove-export worker --out`); one folder shared by every host works too. */
  from: readonly (string | URL)[];
  /** The merged export (created if missing); it may be one of `from` (a shared folder). */
  outDir: string | URL;
  /** The run to merge (the coordinator's `summary.run`). @default the newest run found in `from` */
  run?: string;
  /** The manifest's file name in `outDir`. @default '.drove-manifest.jsonl' */
  manifest?: string;
  /** Merge into an `outDir` that is not empty and holds no manifest of an earlier export. @default false */
  force?: boolean;
}

/** What {@link mergeExports} resolves to. */
export interface MergeSummary {
  run: string;
  /** Paths in the merged manifest. */
  paths: number;
  /** Files the merged manifest lists. */
  files: number;
  /** Files copied from a host's folder into `outDir`. */
  copied: number;
  /** Files already in `outDir` with the right content (left unchanged by an incremental run, or written there by a host sharing it). */
  inPlace: number;
  /** Paths rendered more than once (a host that died or stalled after rendering them, at-least-once delivery): each is listed once. */
  duplicates: number;
  /** Paths left out because a file of theirs is an earlier path's (the coordinator reported them failed: `ERR_EXPORT_COLLISION`). */
  collisions: number;
  /** Lines of the hosts' run files that were not whole (a host killed while writing one): their paths were rendered again elsewhere. */
  tornLines: number;
  /** The merged manifest, absolute. */
  manifestFile: string;
  durationMs: number;
}

interface RunFile {
  dir: string;
  file: string;
  inPlace: boolean;
}

/**
 * Merges the hosts' folders of one run of a remote export into `outDir`:
 * every path any host rendered (each once, however often it ran), in the
 * input's order, with each file taken from the folder of a host that wrote
 * it — checked against its SHA-256 — or found unchanged in `outDir` (an
 * incremental run). The result, files and manifest, equals a one-machine
 * export of the same paths byte for byte. Files are copied atomically
 * (a temporary file renamed into place); a file whose content is already
 * there is left alone. Memory: 16 bytes a path plus 8 an output file.
 *
 * @throws (rejects) {StaticExportError} `ERR_EXPORT_INVALID_OPTION` for an invalid option, `ERR_EXPORT_MERGE`
 * when no run is found, a host's file is missing or changed since its host wrote it, or a file left unchanged
 * is not in `outDir`, `ERR_EXPORT_WOULD_OVERWRITE` for an `outDir` that holds files no export wrote (without `force`).
 * @example
 * ```ts
 * import { mergeExports } from '@drove/static-export';
 * const merged = await mergeExports({ from: ['host-a', 'host-b'], outDir: 'dist' });
 * console.log(`${merged.paths} paths, ${merged.copied} files copied`);
 * ```
 */
export async function mergeExports(options: MergeExportsOptions): Promise<MergeSummary> {
  const started = performance.now();
  check.keys('', options, ['from', 'outDir', 'run', 'manifest', 'force']);
  if (!Array.isArray(options.from) || options.from.length === 0) check.fail('from', 'a non-empty list of folders', options.from);
  const from = options.from.map((dir, i) => toPath(`from[${i}]`, dir));
  for (const dir of from) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new StaticExportError('ERR_EXPORT_MERGE', `No host folder at ${dir}`);
  }
  const outDir = toPath('outDir', options.outDir);
  const manifestName = options.manifest ?? defaultManifestName();
  check.string('manifest', manifestName);
  if (options.run !== undefined && !RUN_ID.test(options.run)) check.fail('run', 'a run id as `exportRemote` reports it (like `0mhx3k2a1-1f2e3d4c`)', options.run);
  mkdirSync(outDir, { recursive: true });
  const realOut = realpathSync.native(outDir);
  const inPlaceDirs = new Set(from.filter((dir) => realpathSync.native(dir) === realOut));
  if (inPlaceDirs.size === 0) inspectOutDir(outDir, manifestName, options.force === true);

  const run = options.run ?? newestRun(from);
  const runFiles: RunFile[] = [];
  for (const dir of new Set(from)) {
    for (const name of readdirSync(dir).sort()) if (runOfFileName(name) === run) runFiles.push({ dir, file: join(dir, name), inPlace: inPlaceDirs.has(dir) });
  }
  if (runFiles.length === 0) throw new StaticExportError('ERR_EXPORT_MERGE', `No run file of run ${run} in ${from.join(', ')}`);

  const index = new LineIndex();
  const claims = new FingerprintTable();
  const summary: MergeSummary = { run, paths: 0, files: 0, copied: 0, inPlace: 0, duplicates: 0, collisions: 0, tornLines: 0, manifestFile: join(outDir, manifestName), durationMs: 0 };
  // First pass: where each path's first whole line is, and every page's own file claimed (as a local export claims them before rendering).
  for (let f = 0; f < runFiles.length; f++) {
    let offset = 0;
    const lines = createInterface({ input: createReadStream(runFiles[f]!.file), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      const length = Buffer.byteLength(line);
      const entry = line === '' ? undefined : parseRunFileLine(line);
      if (entry === undefined) {
        if (line !== '') summary.tornLines++;
      } else if (index.has(entry.seq)) {
        summary.duplicates++;
      } else {
        index.set(entry.seq, f, offset, length);
        claims.add(resolveOutputFile(entry.path));
      }
      offset += length + 1;
    }
  }

  const journal = join(outDir, `${manifestName}.merge-${process.pid}.drove-journal`);
  const writer = new ManifestWriter(summary.manifestFile, journal);
  const fds = runFiles.map(({ file }) => openSync(file, 'r'));
  let done = false;
  try {
    let buffer = Buffer.alloc(64 * 1024);
    for (let seq = 0; seq < index.size; seq++) {
      const at = index.get(seq);
      if (at === undefined) continue;
      if (at.length > buffer.length) buffer = Buffer.alloc(at.length);
      readSync(fds[at.file]!, buffer, 0, at.length, at.offset);
      const entry = parseRunFileLine(buffer.toString('utf8', 0, at.length))!;
      const own = resolveOutputFile(entry.path);
      if (entry.files.some(({ file }) => file !== own && !claims.add(file))) {
        summary.collisions++;
        continue;
      }
      for (const record of entry.files) placeFile(runFiles[at.file]!, outDir, record, entry, summary);
      writer.add(entry.path, entry.files.map(({ file, bytes, hash }) => ({ file, bytes, hash })), entry.bytes, entry.hash);
      summary.paths++;
      summary.files += entry.files.length;
    }
    writer.close();
    renameSync(journal, summary.manifestFile);
    done = true;
  } finally {
    for (const fd of fds) closeSync(fd);
    if (!done) writer.discard();
  }
  summary.durationMs = performance.now() - started;
  return summary;
}

/** Puts one file of a path in `outDir`: copied from its host's folder, or checked where it already is. */
function placeFile(source: RunFile, outDir: string, record: RunFileLine['files'][number], entry: RunFileLine, summary: MergeSummary): void {
  const target = resolve(outDir, record.file);
  if (!target.startsWith(outDir + sep)) throw new StaticExportError('ERR_EXPORT_MERGE', `The run file ${source.file} names ${record.file} (path ${entry.path}), which is outside outDir`, { path: entry.path });
  const current = readIfExists(target);
  if (!record.here || source.inPlace) {
    if (current === undefined || sha256(current) !== record.hash) {
      const why = record.here
        ? `its host wrote it into this folder, but it ${current === undefined ? 'is missing' : 'has other content now'}`
        : `its host left it unchanged, as the previous merged manifest lists it, but outDir ${current === undefined ? 'has no such file' : 'holds other content'}: merge into the previous merge's outDir, or export again without --incremental`;
      throw new StaticExportError('ERR_EXPORT_MERGE', `Could not merge ${target} (path ${entry.path}): ${why}`, { path: entry.path });
    }
    summary.inPlace++;
    return;
  }
  const from = join(source.dir, record.file);
  const bytes = readIfExists(from);
  if (bytes === undefined || bytes.length !== record.bytes || sha256(bytes) !== record.hash) {
    throw new StaticExportError(
      'ERR_EXPORT_MERGE',
      `Could not merge ${record.file} (path ${entry.path}) from ${source.dir}: the file ${bytes === undefined ? 'is missing' : 'changed since its host wrote it'} (a later run into the same folder?); merge the newest run, or export again`,
      { path: entry.path },
    );
  }
  if (current !== undefined && current.equals(bytes)) {
    summary.inPlace++;
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target).slice(0, 80)}.merge-${process.pid}.drove-tmp`);
  try {
    writeFileSync(temp, bytes);
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Never written.
    }
    throw new StaticExportError('ERR_EXPORT_WRITE_FAILED', `Could not write ${target} (merging path ${entry.path}): ${(error as Error).message}`, { cause: error, path: entry.path });
  }
  summary.copied++;
}

/** Where each path's line is: run file, byte offset and length, by the path's place in the input (16 bytes a place). */
class LineIndex {
  #files = new Int32Array(1024).fill(-1);
  #offsets = new Float64Array(1024);
  #lengths = new Int32Array(1024);
  size = 0;

  has(seq: number): boolean {
    return seq < this.size && this.#files[seq]! >= 0;
  }

  set(seq: number, file: number, offset: number, length: number): void {
    if (seq >= this.#files.length) this.#grow(seq + 1);
    this.#files[seq] = file;
    this.#offsets[seq] = offset;
    this.#lengths[seq] = length;
    if (seq >= this.size) this.size = seq + 1;
  }

  get(seq: number): { file: number; offset: number; length: number } | undefined {
    const file = this.#files[seq]!;
    return file < 0 ? undefined : { file, offset: this.#offsets[seq]!, length: this.#lengths[seq]! };
  }

  #grow(least: number): void {
    let capacity = this.#files.length;
    while (capacity < least) capacity *= 2;
    const files = new Int32Array(capacity).fill(-1);
    files.set(this.#files);
    const offsets = new Float64Array(capacity);
    offsets.set(this.#offsets);
    const lengths = new Int32Array(capacity);
    lengths.set(this.#lengths);
    this.#files = files;
    this.#offsets = offsets;
    this.#lengths = lengths;
  }
}

function newestRun(dirs: readonly string[]): string {
  let newest: string | undefined;
  for (const dir of dirs) {
    for (const name of readdirSync(dir)) {
      const run = runOfFileName(name);
      if (run !== undefined && (newest === undefined || run > newest)) newest = run;
    }
  }
  if (newest === undefined) {
    throw new StaticExportError('ERR_EXPORT_MERGE', `No run files (.drove-run.*.jsonl) in ${dirs.join(', ')}: are these the --out folders of drove-export worker hosts?`);
  }
  return newest;
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toPath(name: string, value: unknown): string {
  if (value instanceof URL) return fileURLToPath(value);
  check.string(name, value);
  return resolve(value as string);
}
