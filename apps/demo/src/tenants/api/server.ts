// The `api` tenant: a tiny JSON API over the products the catalogue export wrote (products.json).
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { listen } from '@drove/tenant-runtime/tenant';
import type { Product } from '../../catalogue/products.js';
import { requireEnv, sendJson } from '../../shared/http.js';
import { dataLayout } from '../../shared/layout.js';

const feed = join(dataLayout(requireEnv('DEMO_DATA_DIR')).catalogueOut, 'products.json');
const startedAt = Date.now();
let cache: { mtimeMs: number; products: Product[] } | undefined;

/** The exported products, read again whenever the export replaced the file. */
async function products(): Promise<Product[]> {
  const { mtimeMs } = await stat(feed);
  if (cache?.mtimeMs !== mtimeMs) cache = { mtimeMs, products: JSON.parse(await readFile(feed, 'utf8')) as Product[] };
  return cache.products;
}

process.on('SIGINT', () => {});

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://api');
  void (async () => {
    if (url.pathname === '/' || url.pathname === '/health') {
      sendJson(response, 200, { ok: true, pid: process.pid, uptimeMs: Date.now() - startedAt, endpoints: ['/products?q=&category=&limit=', '/products/:slug'] });
      return;
    }
    if (url.pathname === '/products') {
      const q = (url.searchParams.get('q') ?? '').toLowerCase();
      const category = url.searchParams.get('category');
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20));
      const found = (await products()).filter((p) => (!q || p.name.toLowerCase().includes(q)) && (!category || p.category === category));
      sendJson(response, 200, { total: found.length, products: found.slice(0, limit) });
      return;
    }
    const slug = /^\/products\/([a-z0-9-]+)$/.exec(url.pathname)?.[1];
    const product = slug === undefined ? undefined : (await products()).find((p) => p.slug === slug);
    if (product) sendJson(response, 200, product);
    else sendJson(response, 404, { error: `nothing at ${url.pathname}` });
  })().catch((error: unknown) => {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    sendJson(response, missing ? 503 : 500, { error: missing ? 'the catalogue has not been exported yet' : String(error) });
  });
});

await listen(server);
