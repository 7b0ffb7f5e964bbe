import { request } from 'node:http';

/** One GET on a fresh connection: `{ ok, body }` or `{ ok: false, code }`. */
export function get(port, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ ok: res.statusCode === 200, body }));
      res.on('error', (error) => resolve({ ok: false, code: error.code ?? error.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error) => resolve({ ok: false, code: error.code ?? error.message }));
    req.end();
  });
}

/** Polls until a response comes from a pid other than `oldPid`; resolves with that pid. */
export async function waitForNewPid(port, oldPid, deadlineMs = 20_000) {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    const outcome = await get(port, 2000);
    if (outcome.ok && outcome.body !== String(oldPid)) return Number(outcome.body);
    if (!outcome.ok) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`no new server on port ${port} within ${deadlineMs} ms`);
}

export function freePort() {
  return import('node:net').then(
    ({ createServer }) =>
      new Promise((resolve) => {
        const server = createServer();
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address();
          server.close(() => resolve(port));
        });
      }),
  );
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once every child of the supervisor that keeps a spare has a warm one. */
export async function warm(supervisor, deadlineMs = 20_000) {
  const end = performance.now() + deadlineMs;
  while (supervisor.stats().children.some((child) => child.spare?.state !== 'warm')) {
    if (performance.now() > end) throw new Error('no warm spare');
    await sleep(5);
  }
}
