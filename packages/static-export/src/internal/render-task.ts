import { createHash } from 'node:crypto';
import type { SerializedError } from '@drove/pool/envelope';
import { StaticExportError } from '../errors.js';
import { resolveArtifactName, resolveOutputFile } from '../output-path.js';
import type { Artifact, LogLevel, RenderContext, Renderer, RenderResult } from '../renderer.js';
import type { FileCommitter, FileRecord } from './file-committer.js';

/** A line a renderer logged with `ctx.log()`. */
export interface RenderLog {
  level: LogLevel;
  message: string;
}

/** What a render child sends back for one path: names, sizes and hashes, never content. */
export interface RenderReply {
  files: FileRecord[];
  /** SHA-256 over the files' names and hashes. */
  hash: string;
  logs: RenderLog[] | undefined;
}

/** Thrown by {@link renderPath} for a path that finished past its time limit: nothing of it was published. */
export const lateMark: unique symbol = Symbol('late');

/**
 * One path's outcome in a chunk: its reply, its error as the pool serializes
 * errors, or `late` when it took longer than `timeoutMs` (nothing published;
 * to be sent again alone, where the pool's time limit applies).
 */
export type ChunkOutcome =
  | { reply: RenderReply; error?: undefined; late?: undefined }
  | { reply?: undefined; error: SerializedError; late?: undefined }
  | { reply?: undefined; error?: undefined; late: true };

/** A chunk of paths to render, in order, and the time limit of each (0 for none). */
export interface ChunkTask {
  paths: string[];
  timeoutMs: number;
}

/** What a render child sends back for a chunk of paths: one outcome a path it got to, in order, and the time they took. */
export interface ChunkReply {
  outcomes: ChunkOutcome[];
  /** Wall time of the whole chunk in the child, ms. */
  renderMs: number;
}

/** A renderer module loaded and set up in this child. */
export interface LoadedRenderer {
  render: Renderer['render'];
  teardown: Renderer['teardown'];
  state: unknown;
}

const LOGS_KEPT = 100;

/** The render child's side of one path: render, collect what it staged, commit, report. */
export function renderPath(
  renderer: LoadedRenderer,
  committer: FileCommitter,
  path: string,
  task: { workerId: number; readonly signal: AbortSignal },
  late?: () => boolean,
): RenderReply | Promise<RenderReply> {
  const ctx = new PathContext(renderer.state, path, resolveOutputFile(path), task);
  let outcome: RenderResult | Promise<RenderResult>;
  try {
    outcome = renderer.render(path, ctx);
  } catch (error) {
    throw renderFailed(path, error);
  }
  if (isPromiseLike(outcome)) {
    return Promise.resolve(outcome).then(
      (result) => ctx.publish(result, committer, late),
      (error: unknown) => {
        throw renderFailed(path, error);
      },
    );
  }
  return ctx.publish(outcome, committer, late);
}

/**
 * A path's `ctx`: what the renderer stages and logs. A class rather than an
 * object literal: a literal with its own `get signal()` gets a hidden class of
 * its own each time, which kept every path's objects alive through
 * young-generation collections.
 */
class PathContext implements RenderContext {
  readonly state: unknown;
  readonly path: string;
  readonly file: string;
  readonly workerId: number;
  readonly #staged = new Map<string, string | Uint8Array>();
  #refused: StaticExportError | undefined;
  #logs: RenderLog[] | undefined;
  readonly #task: { readonly signal: AbortSignal };

  constructor(state: unknown, path: string, file: string, task: { workerId: number; readonly signal: AbortSignal }) {
    this.state = state;
    this.path = path;
    this.file = file;
    this.workerId = task.workerId;
    this.#task = task;
  }

  get signal(): AbortSignal {
    return this.#task.signal;
  }

  // Own arrow functions, so that a renderer may take them out of `ctx`.
  readonly write = (name: string, data: string | Uint8Array): void => {
    try {
      stage(this.#staged, resolveArtifactName(name, this.path), data, this.path);
    } catch (error) {
      // A renderer that catches this still fails its path: an unsafe name is a bug to see.
      this.#refused ??= error as StaticExportError;
      throw error;
    }
  };

  readonly log = (message: string, level: LogLevel = 'info'): void => {
    this.#logs ??= [];
    if (this.#logs.length < LOGS_KEPT) this.#logs.push({ level, message: String(message) });
  };

  /** What `render` returned, and what it staged, written: the path's reply. */
  publish(result: RenderResult, committer: FileCommitter, late: (() => boolean) | undefined): RenderReply {
    if (this.#refused) throw this.#refused;
    // Past its time limit inside a chunk: publish nothing; the coordinator sends the path again alone.
    if (late?.()) throw lateMark;
    collect(this.#staged, result, this.file, this.path);
    const files = committer.commit(this.path, this.#staged);
    return { files, hash: pathHash(files), logs: this.#logs };
  }
}

function collect(staged: Map<string, string | Uint8Array>, result: RenderResult, file: string, path: string): void {
  if (result === undefined || result === null) return;
  if (typeof result === 'string' || result instanceof Uint8Array) {
    staged.set(file, result);
    return;
  }
  if (Array.isArray(result)) {
    // Check every name before staging any, so a bad one publishes nothing.
    const named = (result as readonly Artifact[]).map((artifact, index) => {
      if (typeof artifact !== 'object' || artifact === null) {
        throw new StaticExportError('ERR_EXPORT_INVALID_ARTIFACT', `render(${JSON.stringify(path)}) returned a list whose item ${index} is not an artifact { file, data }`, { path });
      }
      return [resolveArtifactName(artifact.file, path), artifact.data] as const;
    });
    for (const [name, data] of named) stage(staged, name, data, path);
    return;
  }
  throw new StaticExportError(
    'ERR_EXPORT_INVALID_ARTIFACT',
    `render(${JSON.stringify(path)}) returned ${typeof result === 'object' ? 'an object' : typeof result}; expected a string, bytes, a list of { file, data } or nothing`,
    { path },
  );
}

function stage(staged: Map<string, string | Uint8Array>, name: string, data: unknown, path: string): void {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new StaticExportError('ERR_EXPORT_INVALID_ARTIFACT', `The artifact ${JSON.stringify(name)} (rendering ${path}) has ${typeof data} data; expected a string or a Uint8Array`, { path });
  }
  staged.set(name, data);
}

function renderFailed(path: string, error: unknown): StaticExportError {
  if (error instanceof StaticExportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StaticExportError('ERR_EXPORT_RENDER_FAILED', `Could not render ${path}: ${message}`, { cause: error, path });
}

function pathHash(files: readonly FileRecord[]): string {
  const hash = createHash('sha256');
  for (const record of files) hash.update(`${record.file}\0${record.hash}\n`);
  return hash.digest('hex');
}

function isPromiseLike(value: unknown): value is PromiseLike<RenderResult> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
