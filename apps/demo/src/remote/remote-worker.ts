// The worker module of the demo's remote pool: the same defineWorker module a local pool runs,
// here run by drove-worker hosts (the demo's own, and any started elsewhere:
// `drove-worker --queue drove-demo apps/demo/dist/remote-worker.js`).
import { createHash } from 'node:crypto';
import { defineWorker } from '@drove/pool/worker';

export default defineWorker({
  handlers: {
    /** A few milliseconds of CPU: hashes `text` over and over; answers the first 12 hex digits. */
    default: (text: unknown) => {
      let digest = String(text);
      for (let i = 0; i < 2000; i++) digest = createHash('sha256').update(digest).digest('hex');
      return digest.slice(0, 12);
    },
  },
});
