import type { Settled } from '@drove/pool';
import { StaticExportError } from '../errors.js';
import { resolveOutputFile } from '../output-path.js';
import type { ResolvedExportOptions } from '../options.js';
import type { ExportFailure, ExportSummary } from '../report.js';
import { fnv1a32, FingerprintTable } from './fingerprint.js';
import type { ManifestWriter } from './manifest-writer.js';
import { failureOf, toPathError } from './path-error.js';
import type { RenderReply } from './render-task.js';
import { RunTally } from './run-tally.js';

/**
 * The coordinator's book-keeping for one export: which paths are admitted
 * (shard, safety, collisions), what each finished path wrote, the counters,
 * the kept failures, the manifest and the callbacks. Its memory is constant
 * in paths and bytes but for the claimed output files: 8 bytes each in a
 * {@link FingerprintTable}, which is how a collision is caught.
 */
export class ExportRun extends RunTally<ExportFailure> {
  readonly #options: ResolvedExportOptions;
  readonly #manifest: ManifestWriter | undefined;
  readonly #claims = new FingerprintTable();
  /** Paths sent (or about to be sent) to a child: each may have written files, whatever became of it. */
  admitted = 0;
  /** Files two paths of this run wrote (found after the second was rendered): the manifest cannot vouch for them. */
  lateCollisions = 0;
  otherShards = 0;

  constructor(options: ResolvedExportOptions, manifest: ManifestWriter | undefined) {
    super(options);
    this.#options = options;
    this.#manifest = manifest;
    if (options.manifest !== undefined) this.#claims.add(options.manifest);
  }

  /**
   * Decides whether a path from the stream is dispatched: it must belong to
   * this shard, map to a file inside `outDir`, and map to a file no earlier
   * path of this export maps to. A path refused here is reported as failed
   * and nothing is rendered or written for it.
   */
  admit(path: string): boolean {
    this.seen++;
    let file: string | undefined;
    let refused: StaticExportError | undefined;
    try {
      file = resolveOutputFile(path);
    } catch (error) {
      refused = error as StaticExportError;
    }
    const shard = this.#options.shard;
    if (shard && (fnv1a32(file ?? String(path)) % shard.count) + 1 !== shard.index) {
      this.otherShards++;
      return false;
    }
    if (refused) {
      this.#fail(String(path), refused);
      return false;
    }
    if (!this.#claims.add(file!)) {
      this.#fail(path, collision(path, file!, true));
      return false;
    }
    this.admitted++;
    return true;
  }

  /** Records one finished path: its files, its manifest line, or its failure. */
  record(settled: Settled<string, RenderReply>): void {
    const path = settled.input;
    if (settled.status === 'rejected') {
      const error = toPathError(settled.reason, path);
      if (error) this.#fail(path, error);
      else this.interrupted++;
      return;
    }
    const reply = settled.value;
    const own = resolveOutputFile(path);
    // The page's own file was claimed before dispatch; the others are claimed now.
    for (const record of reply.files) {
      if (record.file !== own && !this.#claims.add(record.file)) {
        this.lateCollisions++;
        this.#fail(path, collision(path, record.file, false));
        return;
      }
    }
    let bytes = 0;
    const onLog = this.#options.onLog;
    for (const record of reply.files) {
      bytes += record.bytes;
      this.countFile(record);
      onLog?.({ type: 'artifact', path, file: record.file, bytes: record.bytes, hash: record.hash, unchanged: record.unchanged });
    }
    if (reply.logs && onLog) for (const log of reply.logs) onLog({ type: 'message', path, level: log.level, message: log.message });
    this.#manifest?.add(path, reply.files, bytes, reply.hash);
    this.countRendered(path);
  }

  /** The summary so far. */
  summary(aborted: boolean): ExportSummary {
    const { paths, rendered, failed, ...rest } = this.totals();
    return {
      paths,
      rendered,
      failed,
      otherShards: this.otherShards,
      ...rest,
      manifestFile: this.#manifest?.file,
      shard: this.#options.shard,
      kind: this.#options.kind,
      workers: this.#options.workers,
      aborted,
    };
  }

  #fail(path: string, error: StaticExportError): void {
    this.countFailure(failureOf(path, error));
  }
}

function collision(path: string, file: string, beforeRender: boolean): StaticExportError {
  const what = beforeRender ? 'maps to' : 'wrote';
  const after = beforeRender ? 'nothing was rendered for it' : 'the file may hold either path\'s content';
  return new StaticExportError(
    'ERR_EXPORT_COLLISION',
    `The path ${path} ${what} ${file}, which an earlier path of this export (or the manifest) already claimed; ${after}`,
    { path },
  );
}
