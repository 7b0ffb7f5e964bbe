import { packageConfig } from '../../tools/tsup.js';

export default [
  packageConfig({
    index: 'src/index.ts',
    worker: 'src/worker.ts',
    envelope: 'src/envelope.ts',
    transport: 'src/transport.ts',
    backoff: 'src/backoff.ts',
    telemetry: 'src/telemetry.ts',
  }),
  // Worker entry scripts are single files: a new thread or process loads one module, not a graph of chunks.
  packageConfig(
    { 'entry/thread': 'src/entry/thread.ts', 'entry/process': 'src/entry/process.ts' },
    { splitting: false, clean: false, dts: false },
  ),
];
