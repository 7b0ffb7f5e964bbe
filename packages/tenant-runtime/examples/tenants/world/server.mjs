// A tenant is a plain Node HTTP server, made to listen by the runtime's helper.
import { createServer } from 'node:http';
import { listen } from '@drove/tenant-runtime/tenant';

const server = createServer((request, response) => response.end(`hello from ${process.env.DROVE_TENANT_KEY} (${request.url})\n`));
await listen(server);
