import { packageConfig } from '../../tools/tsup.js';

export default [
  packageConfig({ index: 'src/index.ts', cli: 'src/cli.ts' }),
  // The render worker is a pool worker module: one ES module file, so a thread loads no chunk graph.
  packageConfig({ 'entry/render-worker': 'src/entry/render-worker.ts' }, { splitting: false, clean: false, dts: false }),
];
