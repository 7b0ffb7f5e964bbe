// worker.mjs — one module serves threads, processes and inline pools
import { createHash } from 'node:crypto';
import { defineWorker } from '@drove/pool/worker';

export default defineWorker({
  // Once per worker, before its first task: open a DB, build a template engine…
  // initData is the pool's `initData`; what init returns is `ctx.state` (typed from here).
  init: (initData) => ({ rounds: Number(initData) }),
  handlers: {
    // Hashing is CPU work: it spreads over the cores.
    default: (text, ctx) => {
      let digest = String(text);
      for (let i = 0; i < ctx.state.rounds; i++) digest = createHash('sha256').update(digest).digest('hex');
      return digest.slice(0, 12);
    },
    countWords: (text, ctx) => {
      ctx.progress(0.5, 'splitting');
      return String(text).split(/\s+/).filter(Boolean).length;
    },
  },
});
