// The script a pool's worker thread runs: the shared worker runtime over parentPort.
import { parentPort, workerData } from 'node:worker_threads';
import { WorkerRuntime, type WorkerStart } from '../internal/worker-runtime.js';

const port = parentPort;
if (!port) throw new Error('@drove/pool: entry/thread must run in a worker thread');

const runtime = new WorkerRuntime(
  {
    post: (message, transfer) => port.postMessage(message, transfer),
    onMessage: (listener) => port.on('message', listener),
    exit: (code) => process.exit(code),
  },
  workerData as WorkerStart,
);
// An error no task owns ends the worker with a report the pool can rebuild.
process.on('uncaughtException', (error) => runtime.fatal(error));
void runtime.run();
