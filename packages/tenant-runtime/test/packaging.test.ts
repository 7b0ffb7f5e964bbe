import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
// Plain output whatever the test runner's terminal: no colours in what the children print.
const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };

describe('as users meet it', () => {
  it('runs the README quick start (examples/quick-start.mjs)', async () => {
    const { stdout } = await run(process.execPath, [fileURLToPath(new URL('../examples/quick-start.mjs', import.meta.url))], {
      timeout: 30_000,
      env,
    });
    expect(stdout).toContain('GET /hello/ → 200 hello from hello (/)');
    expect(stdout).toContain('GET /world/orders?page=2 → 200 hello from world (/orders?page=2)');
    expect(stdout).toContain('GET /hello/again → 200 hello from hello (/again)');
    expect(stdout).toContain('GET /nobody/ → 404');
    expect(stdout).toContain('drove_tenant_runtime_spawns_total 2');
    expect(stdout).toContain('exits 2');
  });

  it('is require()-able from CommonJS on Node >= 20.19', async () => {
    const script = `
      const { createRuntime, TenantRuntimeError } = require('@drove/tenant-runtime');
      const { listen } = require('@drove/tenant-runtime/tenant');
      const runtime = createRuntime({ source: { kind: 'directory', root: '/' } });
      console.log(JSON.stringify({ stats: runtime.stats(), base: typeof TenantRuntimeError, listen: typeof listen }));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: here, env });
    expect(JSON.parse(stdout)).toMatchObject({ stats: { running: 0 }, base: 'function', listen: 'function' });
  });

  it('leaves no tenant behind when the host is killed with SIGKILL', async () => {
    const script = `
      import { createRuntime } from '@drove/tenant-runtime';
      const runtime = createRuntime({ source: { kind: 'directory', root: ${JSON.stringify(fileURLToPath(new URL('../examples/tenants', import.meta.url)))} }, entry: 'server.mjs' });
      const tenant = await runtime.ensure('hello');
      process.stdout.write(String(tenant.pid) + '\\n');
      process.kill(process.pid, 'SIGKILL');`;
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: here, env });
    let output = '';
    child.stdout?.on('data', (chunk: string) => (output += chunk));
    await new Promise((resolve) => child.once('close', resolve));
    const pid = Number(output.trim());
    expect(pid).toBeGreaterThan(0);
    // The tenant watches its IPC channel and exits when the host is gone.
    const deadline = Date.now() + 10_000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(pid, 0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });
});
