// The worker module of the quick start: init once per worker, then named handlers.
import { createHash } from 'node:crypto';
import { defineWorker } from '@drove/pool/worker';

export default defineWorker({
  init: (initData) => ({ rounds: initData.rounds }),
  handlers: {
    // Hashing is CPU work: it spreads over the cores.
    default: (text, ctx) => {
      let digest = text;
      for (let i = 0; i < ctx.state.rounds; i++) digest = createHash('sha256').update(digest).digest('hex');
      return digest.slice(0, 12);
    },
    countWords: (text, ctx) => {
      ctx.progress(0.5, 'splitting');
      return text.split(/\s+/).filter(Boolean).length;
    },
  },
});
