// tenants/hello/server.mjs — any Node server; listen() asks the runtime for its socket
import { createServer } from 'node:http';
import { listen } from '@drove/tenant-runtime/tenant';

const server = createServer((request, response) => response.end(`hello from ${process.env.DROVE_TENANT_KEY} (${request.url})\n`));
await listen(server);
