// quick-start.mjs — two tenants behind one front door, each started on its first request
import { once } from 'node:events';
import { createRuntime, createTenantProxy, formatPrometheus, keyFromPathPrefix } from '@drove/tenant-runtime';

const runtime = createRuntime({
  source: { kind: 'directory', root: new URL('./tenants', import.meta.url).pathname },
  entry: 'server.mjs', // in each tenant's directory
  idleAfterMs: 5 * 60_000, // stop a tenant unused for 5 minutes
  maxConcurrent: 50, // never more than 50 tenant processes
  onTransition: (event) => {
    if (event.type === 'ready') console.log(`ready: ${event.key} (pid ${event.pid})`);
  },
});

// The front door: /hello/... goes to tenant "hello" as /..., and so on.
const proxy = createTenantProxy(runtime, { resolveKey: keyFromPathPrefix() });
proxy.listen(0, '127.0.0.1');
await once(proxy, 'listening');
const address = proxy.address();
if (address === null || typeof address === 'string') throw new Error('the front door listens on TCP');
const { port } = address;

for (const path of ['/hello/', '/world/orders?page=2', '/hello/again', '/nobody/']) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  console.log(`GET ${path} → ${response.status} ${(await response.text()).trim()}`);
}

// Or without the proxy: ensure() returns the running tenant and its port.
const hello = await runtime.ensure('hello');
console.log(`hello listens on 127.0.0.1:${hello.port}`);

console.log('stats', runtime.stats());
console.log(formatPrometheus(runtime.metrics()).split('\n').find((line) => line.startsWith('drove_tenant_runtime_spawns_total')));

proxy.close();
proxy.closeAllConnections();
await runtime.dispose();
console.log(`exits ${runtime.metrics().totalExits.disposed}`);
