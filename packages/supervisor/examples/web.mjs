// A tiny HTTP server that accepts on the supervisor's socket `http`.
import http from 'node:http';
import { listen, ready } from '@drove/supervisor/child';

const server = http.createServer((request, response) => {
  response.setHeader('connection', 'close');
  response.end(`hello from pid ${process.pid}\n`);
});
await listen(server, 'http');
ready({ onShutdown: () => new Promise((done) => server.close(() => done())) });
