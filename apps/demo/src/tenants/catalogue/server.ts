// The `catalogue` tenant: serves the product catalogue that drove-demo exported with @drove/static-export.
import { createServer } from 'node:http';
import { listen } from '@drove/tenant-runtime/tenant';
import { requireEnv } from '../../shared/http.js';
import { dataLayout } from '../../shared/layout.js';
import { serveStatic } from '../../shared/static-files.js';

const { catalogueOut } = dataLayout(requireEnv('DEMO_DATA_DIR'));
process.on('SIGINT', () => {});
await listen(createServer(serveStatic(() => catalogueOut)));
