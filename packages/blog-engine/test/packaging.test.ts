import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as engine from '@drove/blog-engine';
import { runCli } from './helpers.js';

const run = promisify(execFile);

describe('as users meet it', () => {
  it('runs the README example (examples/build-site.mjs)', async () => {
    const { stdout } = await run(process.execPath, [fileURLToPath(new URL('../examples/build-site.mjs', import.meta.url))]);
    expect(stdout).toMatch(/first build: \d+ files written, 1 draft left out/);
    expect(stdout).toMatch(/second build: 0 written, \d+ unchanged/);
    expect(stdout).toContain('macro expanded: true');
    expect(stdout).toContain('translation linked: true');
  });

  it('exports its API by name', () => {
    expect(Object.keys(engine).sort()).toEqual(
      ['BlogEngineError', 'BuildError', 'InvalidOptionError', 'OverwriteError', 'build', 'configFileNames', 'createPost', 'generateSite', 'initSite', 'loadSiteConfig', 'resolveBuildOptions', 'resolveSiteConfig', 'serve'].sort(),
    );
  });

  it('prints its version and usage', async () => {
    expect((await runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('drove-blog build [site]');
  });
});
