// worker.mjs — the worker module: the same file a local pool, a process or a remote host runs
import { createHash } from 'node:crypto';
import { defineWorker } from '@drove/pool/worker';

export default defineWorker({
  handlers: {
    // CPU work: it spreads over every thread of every host.
    default: (text) => {
      let digest = String(text);
      for (let i = 0; i < 2000; i++) digest = createHash('sha256').update(digest).digest('hex');
      return digest.slice(0, 12);
    },
    countWords: (text, ctx) => {
      ctx.progress(0.5, 'splitting');
      return String(text).split(/\s+/).filter(Boolean).length;
    },
    fail: (name) => {
      const error = new RangeError(`no page named ${name}`, { cause: new Error('not in the index') });
      Object.assign(error, { code: 'E_NO_PAGE' });
      throw error;
    },
  },
});
