import { rmSync } from 'node:fs';
import { packageConfig } from '../../tools/tsup.js';

// Three builds write to dist/. tsup's `clean` also removes every .d.ts when a build's declaration
// step starts, which can come after another build's declarations are written: clean once, here.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

export default [
  packageConfig({ index: 'src/index.ts', cli: 'src/cli.ts' }, { clean: false }),
  // The child helper runs in every child at start: one file with pool's child side and envelope
  // inlined loads ~6 ms faster than the module graph (68 → 62 ms median from fork to `ready`,
  // Node 20.20). `@drove/pool` itself, imported only on an error path, stays external.
  packageConfig({ child: 'src/child.ts' }, { splitting: false, clean: false, noExternal: [/^@drove\/pool\/(child|envelope)$/] }),
  // The warm spare's script is one CommonJS file with pool's envelope inlined: a spare boots faster than a module graph.
  packageConfig(
    { 'entry/spare': 'src/entry/spare.ts' },
    { format: ['cjs'], splitting: false, clean: false, dts: false, shims: true, noExternal: ['@drove/pool'] },
  ),
];
