// Example: `node examples/export-site.mjs [outDir]` after `npm run build -w @drove/static-export`.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportStatic } from '@drove/static-export';

const outDir = process.argv[2] ?? join(tmpdir(), 'drove-example-site');

// Any iterable or async iterable: paths are pulled only as fast as the children render them.
function* paths() {
  yield '/';
  yield '/feed.xml';
  for (let i = 1; i <= 50; i++) yield `/blog/post-${i}`;
  yield '/blog/missing'; // fails on its own; the export goes on
}

const summary = await exportStatic({
  renderer: new URL('./render.mjs', import.meta.url),
  paths: paths(),
  outDir,
  workers: 2, // or 'auto'
  kind: 'process', // or 'thread', or 'inline'
  rendererOptions: { siteName: 'Drove blog', posts: 50 },
  onProgress: ({ done }) => {
    if (done % 25 === 0) console.log(`${done} paths done`);
  },
});

console.log(`rendered ${summary.rendered}, failed ${summary.failed}: ${summary.artifacts} files, ${summary.bytes} bytes in ${outDir}`);
for (const failure of summary.failures) console.log(`failed ${failure.path}: ${failure.code}`);
console.log(`manifest: ${summary.manifestFile}`);
