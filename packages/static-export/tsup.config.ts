import { packageConfig } from '../../tools/tsup.js';

// Keep `node:` on built-in imports: a bare `string_decoder` would resolve to the npm package of that name in some tools.
const keepNodeProtocol = { removeNodeProtocol: false };

export default [
  packageConfig({ index: 'src/index.ts', remote: 'src/remote.ts', cli: 'src/cli.ts' }, keepNodeProtocol),
  // The render workers are pool worker modules: one ES module file each, so a child loads no chunk graph.
  packageConfig(
    { 'entry/render-worker': 'src/entry/render-worker.ts', 'entry/export-host-worker': 'src/entry/export-host-worker.ts' },
    { ...keepNodeProtocol, splitting: false, clean: false, dts: false },
  ),
];
