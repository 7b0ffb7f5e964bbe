// The `blog` tenant: serves the blog that drove-demo built with @drove/blog-engine.
import { createServer } from 'node:http';
import { listen } from '@drove/tenant-runtime/tenant';
import { requireEnv } from '../../shared/http.js';
import { dataLayout } from '../../shared/layout.js';
import { serveStatic } from '../../shared/static-files.js';

const { blogOut } = dataLayout(requireEnv('DEMO_DATA_DIR'));
// Ctrl-C reaches the whole process group; the front door decides when a tenant stops.
process.on('SIGINT', () => {});
await listen(createServer(serveStatic(() => blogOut)));
