import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '@drove/test-support';
import { tempDir } from './helpers.js';

afterAll(removeTempDirs);

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));

describe('as users meet it', () => {
  it('runs the README example (examples/export-site.mjs)', async () => {
    const out = tempDir();
    const { stdout } = await run(process.execPath, [fileURLToPath(new URL('../examples/export-site.mjs', import.meta.url)), out]);
    expect(stdout).toContain('50 paths done');
    expect(stdout).toContain(`rendered 52, failed 1: 102 files`);
    expect(stdout).toContain('failed /blog/missing: ERR_EXPORT_RENDER_FAILED');
    expect(readFileSync(join(out, 'blog/post-7/index.html'), 'utf8')).toContain('<h1>Post number 7</h1>');
    expect(JSON.parse(readFileSync(join(out, 'blog/post-7/post.json'), 'utf8'))).toEqual({ slug: 'post-7', title: 'Post number 7' });
    expect(readFileSync(join(out, 'feed.xml'), 'utf8')).toContain('<title>Drove blog</title>');
    expect(existsSync(join(out, 'blog/missing'))).toBe(false);
  });

  it('is require()-able from CommonJS on Node >= 20.19', async () => {
    const script = `
      const { exportStatic, resolveOutputFile, StaticExportError } = require('@drove/static-export');
      console.log(JSON.stringify({ file: resolveOutputFile('/a/b'), types: [typeof exportStatic, typeof StaticExportError] }));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: here });
    expect(JSON.parse(stdout)).toEqual({ file: 'a/b/index.html', types: ['function', 'function'] });
  });
});
