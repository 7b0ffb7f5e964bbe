/** A small static file handler for the demo's tenants: safe paths, index files, a 404 page. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { resolveOutputFile } from '@drove/static-export';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

async function fileAt(path: string): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
  const found = await stat(path).catch(() => undefined);
  if (found?.isFile()) return { path, size: found.size, mtimeMs: found.mtimeMs };
  if (found?.isDirectory()) return fileAt(join(path, 'index.html'));
  return undefined;
}

/** Serves the files under `root` (read on every request: a rebuild shows at once). */
export function serveStatic(root: () => string): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void (async () => {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      // static-export's own mapping of a URL path to its file: `/a/` → a/index.html, and no path leaves the root.
      let relative: string;
      try {
        relative = resolveOutputFile(new URL(request.url ?? '/', 'http://x').pathname);
      } catch {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('bad path\n');
        return;
      }
      const dir = root();
      const file = await fileAt(join(dir, relative));
      const missing = file ? undefined : await fileAt(join(dir, '404.html'));
      const found = file ?? missing;
      if (!found) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found (has the site been built yet?)\n');
        return;
      }
      const etag = `"${found.size.toString(36)}-${Math.floor(found.mtimeMs).toString(36)}"`;
      if (file && request.headers['if-none-match'] === etag) {
        response.writeHead(304, { etag }).end();
        return;
      }
      response.writeHead(file ? 200 : 404, {
        'content-type': contentTypes[extname(found.path)] ?? 'application/octet-stream',
        'content-length': found.size,
        'cache-control': 'no-cache',
        etag,
      });
      if (request.method === 'HEAD') response.end();
      else createReadStream(found.path).on('error', () => response.destroy()).pipe(response);
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  };
}
