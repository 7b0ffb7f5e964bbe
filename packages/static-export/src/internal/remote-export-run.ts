import { deserializeError } from '@drove/pool/envelope';
import { StaticExportError } from '../errors.js';
import { resolveOutputFile } from '../output-path.js';
import type { RemoteExportFailure, RemoteExportLogEntry, RemoteExportSummary } from '../remote-report.js';
import { FingerprintTable } from './fingerprint.js';
import { failureOf, toPathError } from './path-error.js';
import type { RemotePathOutcome } from './remote-task.js';
import { RunTally, type RunTallyCallbacks } from './run-tally.js';

/** What the coordinator of a remote export calls back. */
export interface RemoteRunCallbacks extends RunTallyCallbacks<RemoteExportFailure> {
  onLog: ((entry: RemoteExportLogEntry) => void) | undefined;
}

/**
 * A remote export's book-keeping at its coordinator: which paths are admitted
 * (safety, collisions: 8 bytes an output file, as a local export), what each
 * finished path wrote and on which host, the counters and the kept failures.
 * It keeps no list of paths: the coordinator's memory does not grow with them
 * but for that table.
 */
export class RemoteExportRun extends RunTally<RemoteExportFailure> {
  readonly run: string;
  readonly #callbacks: RemoteRunCallbacks;
  readonly #claims = new FingerprintTable();
  /** Hosts that answered: a handful, whatever the paths. */
  readonly #hosts = new Set<string>();

  constructor(run: string, callbacks: RemoteRunCallbacks) {
    super(callbacks);
    this.run = run;
    this.#callbacks = callbacks;
  }

  /** Whether a path is sent: it must map to a file inside the output, and to one no earlier path maps to. */
  admit(path: unknown): path is string {
    this.seen++;
    let file: string;
    try {
      file = resolveOutputFile(path as string);
    } catch (error) {
      this.#fail(String(path), error as StaticExportError, undefined);
      return false;
    }
    if (!this.#claims.add(file)) {
      this.#fail(path as string, collision(path as string, file, 'maps to'), undefined);
      return false;
    }
    return true;
  }

  /** One path's outcome on `host`. */
  record(path: string, outcome: RemotePathOutcome, host: string): void {
    this.#hosts.add(host);
    if (outcome.error !== undefined) {
      const error = toPathError(deserializeError(outcome.error), path);
      if (error) this.#fail(path, error, host);
      else this.interrupted++;
      return;
    }
    const own = resolveOutputFile(path);
    for (const record of outcome.files) {
      // Another path of this export wrote the same file: the later path fails, as in a local export, and `mergeExports` leaves it out the same way.
      if (record.file !== own && !this.#claims.add(record.file)) {
        this.#fail(path, collision(path, record.file, 'wrote'), host);
        return;
      }
    }
    const onLog = this.#callbacks.onLog;
    for (const record of outcome.files) {
      this.countFile(record);
      onLog?.({ type: 'artifact', path, file: record.file, bytes: record.bytes, hash: record.hash, unchanged: record.unchanged, host });
    }
    if (outcome.logs && onLog) for (const log of outcome.logs) onLog({ type: 'message', path, level: log.level, message: log.message, host });
    this.countRendered(path);
  }

  /** A task that failed as a whole (its hosts lost it too often, Redis refused it): each of its paths fails with its error. */
  recordTask(paths: readonly string[], reason: unknown): void {
    for (const path of paths) {
      const error = toPathError(reason, path);
      if (error) this.#fail(path, error, undefined);
      else this.interrupted++;
    }
  }

  /** Tasks lost by a host and put back in the queue, as the remote pool counted them. */
  stalled = 0;

  summary(aborted: boolean): RemoteExportSummary {
    const { durationMs, ...counts } = this.totals();
    return { run: this.run, ...counts, hosts: [...this.#hosts].sort(), stalled: this.stalled, durationMs, aborted };
  }

  #fail(path: string, error: StaticExportError, host: string | undefined): void {
    const failure: RemoteExportFailure = { ...failureOf(path, error), host };
    if (host !== undefined && !failure.message.includes(host)) failure.message = `${failure.message} (on host ${host})`;
    this.countFailure(failure);
  }
}

function collision(path: string, file: string, what: 'maps to' | 'wrote'): StaticExportError {
  const after = what === 'maps to' ? 'nothing was rendered for it' : 'the merged output keeps the earlier path\'s file';
  return new StaticExportError('ERR_EXPORT_COLLISION', `The path ${path} ${what} ${file}, which an earlier path of this export already claimed; ${after}`, { path });
}
