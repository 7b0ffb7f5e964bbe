/**
 * What a renderer module is: the contract between the user's code and the
 * render children. A renderer module exports `setup` (optional) and `render`
 * as named exports, or a default export made with {@link defineRenderer}.
 *
 * @module
 */

/** The levels of {@link RenderContext.log}. */
export type LogLevel = 'info' | 'warn' | 'error';

/** What `render(path, ctx)` gets besides the path. */
export interface RenderContext<S = unknown> {
  /** The path being rendered, exactly as the path stream gave it. */
  readonly path: string;
  /** The page's own output file relative to `outDir` (`about/index.html` for `/about`); a returned string or bytes go here. */
  readonly file: string;
  /** What `setup(options)` returned in this child. */
  readonly state: S;
  /** The pool's number for this render child. */
  readonly workerId: number;
  /** Fires when the path is abandoned (the run was stopped); an async renderer may give up early. */
  readonly signal: AbortSignal;
  /**
   * Stages a file (relative to `outDir`) for this path. Nothing is visible
   * until `render` has returned: then every staged file is written to a
   * temporary file beside its target and renamed over it. A render that throws
   * publishes nothing. Writing the same name twice keeps the last data.
   *
   * @throws {StaticExportError} `ERR_EXPORT_PATH_ESCAPES` or `ERR_EXPORT_INVALID_ARTIFACT`
   * for an unsafe name; the path then fails even if the renderer catches this.
   */
  write(file: string, data: string | Uint8Array): void;
  /** Adds a line to the path's log entries (the coordinator's `onLog`); at most 100 a path are kept. */
  log(message: string, level?: LogLevel): void;
}

/** A file a render produces, named relative to `outDir`. */
export interface Artifact {
  file: string;
  data: string | Uint8Array;
}

/**
 * What `render` may return: a string or bytes (the page itself, written to
 * `ctx.file`), a list of artifacts, or nothing (it wrote through `ctx.write`).
 */
export type RenderResult = string | Uint8Array | readonly Artifact[] | null | undefined | void;

/** A renderer module's exports. */
export interface Renderer<O = unknown, S = unknown> {
  /** Runs once in each render child before any path: load config, open caches. What it returns is `ctx.state`. A throw stops the export (`ERR_EXPORT_SETUP_FAILED`). */
  setup?: (options: O) => S | Promise<S>;
  /** Renders one path. Throwing fails that path alone (`ERR_EXPORT_RENDER_FAILED`). */
  render: (path: string, ctx: RenderContext<S>) => RenderResult | Promise<RenderResult>;
  /** Runs once when a child is stopped gracefully. */
  teardown?: (state: S) => void | Promise<void>;
}

/**
 * Types a renderer written as one object; export it as the module's default.
 * (Plain named exports `setup` and `render` work the same.)
 *
 * @example
 * ```ts
 * // render.mjs
 * import { defineRenderer } from '@drove/static-export';
 * export default defineRenderer({
 *   setup: async (options) => ({ title: options.title }),
 *   render: (path, ctx) => `<h1>${ctx.state.title}: ${path}</h1>`,
 * });
 * ```
 */
export function defineRenderer<O = unknown, S = unknown>(renderer: Renderer<O, S>): Renderer<O, S> {
  return renderer;
}
