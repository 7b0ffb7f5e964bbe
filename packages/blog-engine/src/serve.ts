import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, relative, resolve, sep } from 'node:path';
import { buildWarm, type BuildOptions, type BuildResult } from './build.js';
import { loadSiteConfig } from './config.js';
import { BlogEngineError } from './errors.js';
import type { ResolvedSiteConfig } from './site-config.js';
import { stagingFolderName } from './internal/file-stager.js';
import { fail } from './internal/validate.js';
import { ChangeLog } from './internal/change-log.js';
import { toolFolders } from './internal/site-loader.js';
import { watchSite, type SiteWatcher } from './internal/site-watcher.js';
import { createWarmState } from './internal/warm-state.js';

/** Options of {@link serve}: those of {@link build} (except `signal` and `onProgress`), and the server's. */
export interface ServeOptions extends Omit<BuildOptions, 'signal' | 'onProgress' | 'clean'> {
  /** The port on 127.0.0.1; 0 picks a free one. @default 4000 */
  port?: number;
  /** Quiet time after a file change before rebuilding (an editor's save is one burst of events within a few milliseconds). @default 30 */
  debounceMs?: number;
  /** Called after every build with its result or its error. */
  onBuild?: (outcome: { result?: BuildResult; error?: Error }) => void;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
}

/** A running dev server. */
export interface DevServer {
  /** `http://127.0.0.1:<port>/<base path>` */
  readonly url: string;
  readonly port: number;
  /** The last successful build. */
  readonly lastResult: BuildResult | undefined;
  /** Rebuilds now, checking every file (changes are picked up by themselves; this is for tests and tools). */
  rebuild(): Promise<BuildResult | undefined>;
  /** Resolves after the next build that follows this call. */
  onBuilt(): Promise<{ result?: BuildResult; error?: Error }>;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

const eventsPath = '/__drove/events';
const reloadScript = `<script>new EventSource(${JSON.stringify(eventsPath)}).addEventListener('reload', () => location.reload());</script>`;

/**
 * Builds the site, serves the output on 127.0.0.1, rebuilds incrementally when
 * a file of the site changes, and tells open pages to reload (server-sent
 * events; the reload script is added to HTML as it is served, never written
 * to the output).
 *
 * @throws {InvalidOptionError} `ERR_BLOG_INVALID_OPTION`; the first build's errors are reported through `onBuild`, not thrown.
 * @example
 * ```ts
 * import { serve } from '@drove/blog-engine';
 * const server = await serve({ site: './my-blog', port: 4000 });
 * console.log(`serving ${server.url}`);
 * ```
 */
export async function serve(options: ServeOptions = {}): Promise<DevServer> {
  const { port = 4000, debounceMs = 30, onBuild, signal, ...buildOptions } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('port', 'an integer >= 0 and <= 65535', port);
  if (!Number.isInteger(debounceMs) || debounceMs < 0) fail('debounceMs', 'an integer >= 0', debounceMs);
  const site = resolve(buildOptions.site ?? process.cwd());
  let basePath = '/';
  let outDir = resolve(site, '_site');
  let cacheDir = resolve(site, '.drove-cache');
  const readFolders = (config: ResolvedSiteConfig | undefined): void => {
    if (!config) return;
    basePath = config.basePath;
    outDir = buildOptions.out ? resolve(buildOptions.out) : resolve(site, config.outDir);
    cacheDir = resolve(site, config.cacheDir);
  };
  let lastResult: BuildResult | undefined;
  const clients = new Set<ServerResponse>();
  const waiters: ((outcome: { result?: BuildResult; error?: Error }) => void)[] = [];
  // What one build learns of the site, for the next: a rebuild after an edit reads and indexes only what changed,
  // and stats only the files the watcher named.
  const warm = createWarmState();
  const changes = new ChangeLog();
  warm.changes = changes;
  let timer: NodeJS.Timeout | undefined;
  let watcher: SiteWatcher | undefined;
  // The watch skips the output and cache folders (a rebuild's own writes), tool folders and hidden files (an
  // editor's swap files), except under `static/`, which is copied with its hidden files (`.well-known/`).
  let watched = '';
  const startWatching = (): void => {
    const inside = (dir: string) => {
      const path = relative(site, dir).split(sep).join('/');
      return path === '' || path.startsWith('..') ? undefined : path;
    };
    const [outPath, cachePath] = [inside(outDir), inside(cacheDir)];
    if (watcher && watched === `${outPath}|${cachePath}`) return;
    watcher?.close();
    watcher = undefined;
    watched = `${outPath}|${cachePath}`;
    const skip = (path: string): boolean => {
      if (path === outPath || path === cachePath) return true;
      const name = path.slice(path.lastIndexOf('/') + 1);
      return toolFolders.has(name) || (name.startsWith('.') && !path.startsWith('static/'));
    };
    try {
      watcher = watchSite(site, {
        skip,
        onChange: (path) => {
          changes.add(path);
          clearTimeout(timer);
          timer = setTimeout(() => void rebuild(), debounceMs);
        },
      });
    } catch (error) {
      throw new BlogEngineError('ERR_BLOG_IO', `could not watch ${site}: ${(error as Error).message}`, { cause: error });
    }
    changes.lost();
  };

  let running: Promise<BuildResult | undefined> | undefined;
  let again = false;
  const runBuild = async (): Promise<BuildResult | undefined> => {
    let outcome: { result?: BuildResult; error?: Error };
    try {
      readFolders(await loadSiteConfig(site));
      startWatching();
      const result = await buildWarm({ ...buildOptions, site }, warm);
      lastResult = result;
      outcome = { result };
      if (result.written > 0 || result.removed > 0) for (const client of clients) client.write(`event: reload\ndata: ${Date.now()}\n\n`);
    } catch (error) {
      outcome = { error: error as Error };
    }
    onBuild?.(outcome);
    for (const waiter of waiters.splice(0)) waiter(outcome);
    return outcome.result;
  };
  const rebuild = (): Promise<BuildResult | undefined> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let result: BuildResult | undefined;
      do {
        again = false;
        result = await runBuild();
      } while (again);
      running = undefined;
      return result;
    })();
    return running;
  };

  // Watching starts before the first build, so that an edit made while it runs is built next.
  readFolders(await loadSiteConfig(site).catch(() => undefined));
  startWatching();
  await rebuild();

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(String((error as Error).message));
    });
  });
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === eventsPath) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      response.write(': connected\n\n');
      clients.add(response);
      request.on('close', () => clients.delete(response));
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      pathname = url.pathname;
    }
    if (!pathname.startsWith(basePath)) {
      if (pathname === '/' || pathname === basePath.slice(0, -1)) {
        response.writeHead(302, { location: basePath }).end();
        return;
      }
      await sendNotFound(response);
      return;
    }
    let file = resolve(outDir, `.${sep}${pathname.slice(basePath.length)}`);
    const inside = relative(outDir, file);
    if (inside.startsWith('..') || inside.split(sep)[0] === stagingFolderName) {
      await sendNotFound(response);
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) {
        if (!pathname.endsWith('/')) {
          response.writeHead(301, { location: `${url.pathname}/` }).end();
          return;
        }
        file = join(file, 'index.html');
      }
      await sendFile(response, file, 200);
    } catch {
      await sendNotFound(response);
    }
  };
  const sendFile = async (response: ServerResponse, file: string, status: number): Promise<void> => {
    const type = contentTypes[extname(file)] ?? 'application/octet-stream';
    let body: Buffer | string = await readFile(file);
    if (type.startsWith('text/html')) {
      const html = body.toString('utf8');
      const at = html.lastIndexOf('</body>');
      body = at === -1 ? html + reloadScript : `${html.slice(0, at)}${reloadScript}${html.slice(at)}`;
    }
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    response.end(body);
  };
  const sendNotFound = async (response: ServerResponse): Promise<void> => {
    try {
      await sendFile(response, join(outDir, '404.html'), 404);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    }
  };

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePromise();
    });
  }).catch(async (error: unknown) => {
    clearTimeout(timer);
    watcher?.close();
    await running;
    throw error;
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      clearTimeout(timer);
      watcher?.close();
      for (const client of clients) client.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await running;
    })();
    return closed;
  };
  signal?.addEventListener('abort', () => void close(), { once: true });

  return {
    url: `http://127.0.0.1:${actualPort}${basePath}`,
    port: actualPort,
    get lastResult() {
      return lastResult;
    },
    // Asked for, not prompted by an event: events of files written just before may not have arrived yet.
    rebuild: () => {
      changes.lost();
      return rebuild();
    },
    onBuilt: () => new Promise((done) => waiters.push(done)),
    close,
  };
}
