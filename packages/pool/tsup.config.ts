import { packageConfig } from '../../tools/tsup.js';

export default packageConfig({
  index: 'src/index.ts',
  worker: 'src/worker.ts',
  envelope: 'src/envelope.ts',
  transport: 'src/transport.ts',
  backoff: 'src/backoff.ts',
  telemetry: 'src/telemetry.ts',
  'entry/thread': 'src/entry/thread.ts',
  'entry/process': 'src/entry/process.ts',
});
