import { packageConfig } from '../../tools/tsup.js';

export default [
  packageConfig({
    index: 'src/index.ts',
    worker: 'src/worker.ts',
    envelope: 'src/envelope.ts',
    transport: 'src/transport.ts',
    backoff: 'src/backoff.ts',
    'map-stream': 'src/map-stream.ts',
    telemetry: 'src/telemetry.ts',
    child: 'src/child.ts',
    clock: 'src/clock.ts',
    validate: 'src/validate.ts',
    cli: 'src/cli.ts',
    'process-identity': 'src/process-identity.ts',
  }),
  // Worker entry scripts are single CommonJS files: a new thread or process starts faster
  // loading one CommonJS file than a graph of ES modules (the worker's own module is still imported as ESM).
  packageConfig(
    { 'entry/thread': 'src/entry/thread.ts', 'entry/process': 'src/entry/process.ts', 'entry/orphan-watch': 'src/entry/orphan-watch.ts' },
    { format: ['cjs'], splitting: false, clean: false, dts: false, shims: true },
  ),
];
