import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';
import { packageConfig } from '../../tools/tsup.js';

/**
 * The render worker bundles markdown-it (with its dependencies) and highlight.js:
 * loaded as some 80 separate module files they took 120 ms of every render
 * thread's start here, as one file 70 ms. It is the one module a thread loads,
 * and neither library's objects cross the package's API. The bundled packages'
 * licences go to dist/THIRD-PARTY-NOTICES.md, listed from what esbuild actually
 * bundled (so the file follows the lockfile's versions).
 */
const bundled = [/^markdown-it(\/|$)/, /^highlight\.js(\/|$)/, 'entities', 'linkify-it', 'mdurl', 'punycode.js', 'uc.micro'];

const thirdPartyNotices: Plugin = {
  name: 'third-party-notices',
  setup(build) {
    build.initialOptions.metafile = true;
    build.onEnd((result) => {
      const roots = new Set<string>();
      for (const input of Object.keys(result.metafile?.inputs ?? {})) {
        const at = input.lastIndexOf('node_modules/');
        if (at === -1) continue;
        const rest = input.slice(at + 'node_modules/'.length).split('/');
        roots.add(input.slice(0, at) + 'node_modules/' + rest.slice(0, rest[0]!.startsWith('@') ? 2 : 1).join('/'));
      }
      const sections = [...roots].sort().map((root) => {
        const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
        const licenceFile = readdirSync(root).find((name) => /^licen[cs]e/i.test(name));
        const text = licenceFile ? readFileSync(join(root, licenceFile), 'utf8').trim() : `(no licence file; package.json says ${manifest.license})`;
        return `## ${manifest.name} ${manifest.version} (${manifest.license})\n\n\`\`\`\n${text}\n\`\`\``;
      });
      const out = join(dirname(build.initialOptions.outdir ?? 'dist'), 'dist', 'THIRD-PARTY-NOTICES.md');
      if (existsSync(dirname(out))) {
        writeFileSync(out, `# Third-party notices\n\n\`dist/entry/render-worker.js\` includes these packages, under their own licences:\n\n${sections.join('\n\n')}\n`);
      }
    });
  },
};

export default [
  packageConfig({ index: 'src/index.ts', cli: 'src/cli.ts' }),
  // The render worker is a pool worker module: one ES module file, so a thread loads no chunk graph.
  packageConfig({ 'entry/render-worker': 'src/entry/render-worker.ts' }, { splitting: false, clean: false, dts: false, noExternal: bundled, esbuildPlugins: [thirdPartyNotices] }),
];
