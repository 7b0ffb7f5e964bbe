import { packageConfig } from '../../tools/tsup.js';

export default [
  // Both declaration files come from this config: a second config writing its own would race with this one's clean.
  packageConfig({ index: 'src/index.ts' }, { dts: { entry: { index: 'src/index.ts', tenant: 'src/tenant.ts' } } }),
  // The tenant helper runs in every tenant at start: one file with pool's child side and envelope inlined loads ~3 ms faster than a module graph.
  packageConfig({ tenant: 'src/tenant.ts' }, { splitting: false, clean: false, dts: false, noExternal: ['@drove/pool'] }),
];
