/**
 * Every error the blog engine raises is a {@link BlogEngineError} with a stable
 * `code`. Codes are API: listed in the README, never renamed within a major.
 */
export type BlogEngineErrorCode =
  | 'ERR_BLOG_CONFIG'
  | 'ERR_BLOG_INVALID_OPTION'
  | 'ERR_BLOG_FRONT_MATTER'
  | 'ERR_BLOG_DATA'
  | 'ERR_BLOG_UNKNOWN_LAYOUT'
  | 'ERR_BLOG_TEMPLATE'
  | 'ERR_BLOG_DUPLICATE_PERMALINK'
  | 'ERR_BLOG_PATH_ESCAPES'
  | 'ERR_BLOG_MACRO'
  | 'ERR_BLOG_IO'
  | 'ERR_BLOG_WOULD_OVERWRITE'
  | 'ERR_BLOG_BUILD_FAILED'
  | 'ERR_BLOG_ABORTED';

/** Where a problem is: the file (relative to the site folder where it is inside it), and the line and column when known. */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
}

/** Options of a {@link BlogEngineError}. */
export interface BlogEngineErrorOptions extends SourceLocation {
  cause?: unknown;
  /** The short reason, without the location: "unknown layout `fancy`". The message adds the location. */
  reason?: string;
}

/** The plain form of a {@link BlogEngineError}, as `toJSON()` returns it and as it crosses threads. */
export interface BlogEngineErrorJSON {
  name: string;
  code: BlogEngineErrorCode;
  message: string;
  reason: string;
  file?: string;
  line?: number;
  column?: number;
  stack?: string;
  cause?: unknown;
  problems?: BlogEngineErrorJSON[];
}

function locate(location: SourceLocation): string {
  if (location.file === undefined) return '';
  const line = location.line === undefined ? '' : `:${location.line}${location.column === undefined ? '' : `:${location.column}`}`;
  return `${location.file}${line}: `;
}

/**
 * The base class of the engine's errors: a stable `code`, the `file`, `line`
 * and `column` where known, the bare `reason`, and a message that joins them
 * (`posts/a.md:3: unknown layout \`fancy\``).
 *
 * @example
 * ```ts
 * import { build, BlogEngineError } from '@drove/blog-engine';
 * try { await build({ site: './my-blog' }); } catch (error) {
 *   if (error instanceof BlogEngineError) for (const problem of error.problems) console.error(problem.message);
 * }
 * ```
 */
export class BlogEngineError extends Error {
  override name: string = 'BlogEngineError';
  readonly code: BlogEngineErrorCode;
  readonly reason: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: BlogEngineErrorCode, reason: string, options: BlogEngineErrorOptions = {}) {
    super(`${locate(options)}${reason}`, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.reason = reason;
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
  }

  /** The problems this error stands for: itself, or for a {@link BuildError} every problem found. */
  get problems(): readonly BlogEngineError[] {
    return [this];
  }

  /** A plain form for logs, JSON output and crossing a thread. */
  toJSON(): BlogEngineErrorJSON {
    const json: BlogEngineErrorJSON = { name: this.name, code: this.code, message: this.message, reason: this.reason };
    if (this.file !== undefined) json.file = this.file;
    if (this.line !== undefined) json.line = this.line;
    if (this.column !== undefined) json.column = this.column;
    json.stack = this.stack;
    if (this.cause !== undefined) json.cause = this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : this.cause;
    return json;
  }

  /** Rebuilds an error from its plain form (what a worker sends back). */
  static fromJSON(json: BlogEngineErrorJSON): BlogEngineError {
    if (json.code === 'ERR_BLOG_BUILD_FAILED' && json.problems) return new BuildError(json.problems.map((p) => BlogEngineError.fromJSON(p)));
    const error = new BlogEngineError(json.code, json.reason, {
      file: json.file,
      line: json.line,
      column: json.column,
      ...(json.cause === undefined ? {} : { cause: json.cause }),
    });
    if (json.stack !== undefined) error.stack = json.stack;
    return error;
  }
}

/** An option given to a function or the CLI was invalid; the message names it, what it expects and what it got. */
export class InvalidOptionError extends BlogEngineError {
  override name = 'InvalidOptionError' as const;
  constructor(message: string) {
    super('ERR_BLOG_INVALID_OPTION', message);
  }
}

/**
 * A command would have replaced or removed files it did not create (a user's
 * files in an output folder, an existing site where `generate` was pointed).
 * Nothing was changed; `files` lists them all (relative to `dir`), the message
 * names the first few and the count. Pass `force` (`--force`) to replace them.
 */
export class OverwriteError extends BlogEngineError {
  override name = 'OverwriteError' as const;
  /** The folder the files are in. */
  readonly dir: string;
  /** Every file that would have been replaced or removed, relative to `dir`. */
  readonly files: readonly string[];

  constructor(reason: string, dir: string, files: readonly string[]) {
    super('ERR_BLOG_WOULD_OVERWRITE', reason);
    this.dir = dir;
    this.files = files;
  }
}

/**
 * A build found problems. Every problem is collected (front matter, layouts,
 * templates, permalinks, macros…) and reported together in `problems`, sorted
 * by file and line; the output folder is left as it was.
 */
export class BuildError extends BlogEngineError {
  override name = 'BuildError' as const;
  readonly #problems: readonly BlogEngineError[];

  constructor(problems: readonly BlogEngineError[]) {
    const sorted = [...problems].sort(compareProblems);
    const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
    super('ERR_BLOG_BUILD_FAILED', `The build failed with ${count}:\n${sorted.map((p) => `  ${p.code} ${p.message}`).join('\n')}`);
    this.#problems = sorted;
  }

  override get problems(): readonly BlogEngineError[] {
    return this.#problems;
  }

  override toJSON(): BlogEngineErrorJSON {
    return { ...super.toJSON(), problems: this.#problems.map((p) => p.toJSON()) };
  }
}

function compareProblems(a: BlogEngineError, b: BlogEngineError): number {
  return (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || a.message.localeCompare(b.message);
}
