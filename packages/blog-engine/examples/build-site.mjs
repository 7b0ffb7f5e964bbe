// Builds examples/site twice: `node examples/build-site.mjs` after `npm run build -w @drove/blog-engine`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '@drove/blog-engine';

const site = fileURLToPath(new URL('./site/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'drove-blog-example-'));
const out = join(work, 'out');
const database = `file:${join(work, 'build.db')}`;

try {
  const first = await build({ site, out, database, workers: 2 });
  console.log(`first build: ${first.written} files written, ${first.draftsSkipped} draft left out`);
  for (const [section, counts] of Object.entries(first.sections)) console.log(`  ${section}: ${counts.total} pages`);

  const again = await build({ site, out, database, workers: 2 });
  console.log(`second build: ${again.written} written, ${again.unchanged} unchanged`);

  const post = readFileSync(join(out, '2024/03/hello-workers/index.html'), 'utf8');
  console.log(`macro expanded: ${post.includes('<strong>FAST</strong>')}`);
  console.log(`translation linked: ${post.includes('/de/2024/03/hello-workers/')}`);
  console.log(`feeds: ${['feed.xml', 'atom.xml', 'de/feed.xml', 'tags/node/feed.xml'].join(', ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
