import { packageConfig } from '../../tools/tsup.js';

export default [
  packageConfig({
    index: 'src/index.ts',
    child: 'src/child.ts',
    cli: 'src/cli.ts',
  }),
  // The warm spare's script is one CommonJS file with pool's envelope inlined: a spare boots faster than a module graph.
  packageConfig(
    { 'entry/spare': 'src/entry/spare.ts' },
    { format: ['cjs'], splitting: false, clean: false, dts: false, shims: true, noExternal: ['@drove/pool'] },
  ),
];
