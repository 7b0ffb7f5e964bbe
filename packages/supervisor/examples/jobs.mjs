// A background worker run as a thread: the same file could run as a process.
import { isMainThread } from 'node:worker_threads';
import { ready } from '@drove/supervisor/child';

const timer = setInterval(() => {}, 60_000); // stands for the work: a queue consumer, a scheduler…
console.log(`jobs running in ${isMainThread ? 'a process' : 'a worker thread'}`);
ready({ onShutdown: () => clearInterval(timer) });
