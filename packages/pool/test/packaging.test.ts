import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));

describe('as users meet it', () => {
  it('runs the README quick start (examples/quick-start.mjs)', async () => {
    const { stdout } = await run(process.execPath, [fileURLToPath(new URL('../examples/quick-start.mjs', import.meta.url))]);
    expect(stdout).toContain('words: 6');
    expect(stdout).toContain('mapped 200:');
    expect(stdout).toMatch(/leased worker \d+ → [0-9a-f]{12}/);
    expect(stdout).toContain('completed 203');
  });

  it('is require()-able from CommonJS on Node >= 20.19', async () => {
    const script = `
      const { createPool, PoolError } = require('@drove/pool');
      const pool = createPool({ worker: ${JSON.stringify(fileURLToPath(new URL('./fixtures/plain-functions-worker.mjs', import.meta.url)))}, maxWorkers: 1 });
      pool.run(4, { handler: 'triple' }).then(async (value) => {
        console.log(JSON.stringify({ value, base: typeof PoolError }));
        await pool.close();
      });`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: here });
    expect(JSON.parse(stdout)).toEqual({ value: 12, base: 'function' });
  });

  it.each([
    ['thread', 'leave'],
    ['process', 'leave'],
    ['thread', 'destroy'],
    ['process', 'destroy'],
    ['process', 'close'],
  ])('a script with a %s pool it %ss ends by itself', async (kind, mode) => {
    const fixture = fileURLToPath(new URL('./fixtures/exits-naturally.mjs', import.meta.url));
    // Exit code 13 would mean a top-level await never settled; a hang would time out.
    const { stdout } = await run(process.execPath, [fixture, kind, mode], { timeout: 20_000 });
    expect(stdout.trim()).toBe('21');
  });
});
