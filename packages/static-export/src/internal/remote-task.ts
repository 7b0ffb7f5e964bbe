import type { SerializedError } from '@drove/pool/envelope';
import type { RenderLog } from './render-task.js';

/**
 * What travels between a remote export's coordinator and its hosts, as BullMQ
 * job data and return value (JSON). A task is a chunk of paths, each with its
 * place in the input (`seq`), which the hosts write into their run files so
 * that `mergeExports` can put the merged manifest in input order.
 */
export interface RemoteRenderTask {
  /** The export's run id: it names the hosts' run files. */
  run: string;
  /** Leave files whose content the previous (merged) manifest lists unchanged. */
  incremental: boolean;
  /** `[seq, path]`, in input order. */
  paths: [number, string][];
}

/** One file of a path as a host reports it. */
export interface RemoteFileRecord {
  file: string;
  bytes: number;
  hash: string;
  unchanged: boolean;
}

/** One path's outcome on its host: what it wrote, or its error in the envelope's error form. */
export type RemotePathOutcome =
  | { files: RemoteFileRecord[]; hash: string; logs?: RenderLog[] | undefined; error?: undefined }
  | { files?: undefined; hash?: undefined; logs?: undefined; error: SerializedError };

/** What a host answers for a task: its name (for failures) and one outcome a path, in order. */
export interface RemoteRenderReply {
  host: string;
  outcomes: RemotePathOutcome[];
}

/** The handler of the host worker module that renders a {@link RemoteRenderTask}. */
export const REMOTE_RENDER_HANDLER = 'render';

/** A run id: base-36 milliseconds (so a later run sorts after) and random hex. */
export const RUN_ID = /^[0-9a-z]{8,12}-[0-9a-f]{8}$/;

/** The prefix of a host's run files in its folder: `.drove-run.<run>.<host>.jsonl`. */
export const RUN_FILE_PREFIX = '.drove-run.';

/** A host's run file for one render thread or process. */
export function runFileName(run: string, writer: string): string {
  return `${RUN_FILE_PREFIX}${run}.${writer.replace(/[^\w.-]/g, '_')}.jsonl`;
}

/** The run id a file name of a host's folder belongs to, or `undefined` when it is no run file. */
export function runOfFileName(name: string): string | undefined {
  if (!name.startsWith(RUN_FILE_PREFIX) || !name.endsWith('.jsonl')) return undefined;
  const run = name.slice(RUN_FILE_PREFIX.length).split('.')[0] ?? '';
  return RUN_ID.test(run) ? run : undefined;
}

/**
 * One line of a host's run file: a path it rendered (with its place in the
 * input) and its files; `here` is false for a file left unchanged that this
 * folder does not hold (it is in the merged output).
 */
export interface RunFileLine {
  seq: number;
  path: string;
  files: { file: string; bytes: number; hash: string; here: boolean }[];
  bytes: number;
  hash: string;
}

export function runFileLine(seq: number, path: string, files: readonly { file: string; bytes: number; hash: string; elsewhere?: true }[], hash: string): string {
  let bytes = 0;
  const listed = files.map((record) => {
    bytes += record.bytes;
    return { file: record.file, bytes: record.bytes, hash: record.hash, here: record.elsewhere !== true };
  });
  return `${JSON.stringify({ seq, path, files: listed, bytes, hash } satisfies RunFileLine)}\n`;
}

/** Parses a run file's line; `undefined` for one that is not (a line torn by a kill). */
export function parseRunFileLine(line: string): RunFileLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const entry = value as RunFileLine;
  if (
    typeof entry !== 'object' ||
    entry === null ||
    !Number.isInteger(entry.seq) ||
    entry.seq < 0 ||
    typeof entry.path !== 'string' ||
    typeof entry.bytes !== 'number' ||
    typeof entry.hash !== 'string' ||
    !Array.isArray(entry.files) ||
    !entry.files.every((f) => typeof f?.file === 'string' && typeof f.bytes === 'number' && typeof f.hash === 'string' && typeof f.here === 'boolean')
  ) {
    return undefined;
  }
  return entry;
}
