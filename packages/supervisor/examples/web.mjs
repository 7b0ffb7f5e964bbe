// A tiny HTTP server that accepts on the supervisor's socket `http`.
import http from 'node:http';
import { drain, listen, ready } from '@drove/supervisor/child';

const server = http.createServer((request, response) => response.end(`hello from pid ${process.pid}\n`));
await listen(server, 'http');
// On stop: finish what it serves, answer keep-alive clients with `connection: close`, then exit.
ready({ onShutdown: () => drain(server) });
