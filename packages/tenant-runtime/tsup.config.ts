import { packageConfig } from '../../tools/tsup.js';

export default [
  packageConfig({ index: 'src/index.ts' }),
  // The tenant helper runs in every tenant at start: one file with pool's child side and envelope inlined loads ~3 ms faster than a module graph.
  packageConfig({ tenant: 'src/tenant.ts' }, { splitting: false, clean: false, noExternal: ['@drove/pool'] }),
];
