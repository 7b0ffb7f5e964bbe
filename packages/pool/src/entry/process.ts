// The script a pool's child process runs: the shared worker runtime over the IPC channel.
import { envelope, isEnvelope } from '../envelope.js';
import { WorkerRuntime } from '../internal/worker-runtime.js';

if (!process.send) throw new Error('@drove/pool: entry/process must be forked with an IPC channel');

// The parent is gone (even SIGKILLed): the channel closes, and no orphan is left behind.
process.on('disconnect', () => process.exit(0));

function send(message: unknown, done?: () => void): void {
  if (process.connected) process.send!(message, undefined, undefined, done);
  else done?.();
}

process.once('message', (first: unknown) => {
  if (!isEnvelope(first) || first.type !== 'init') {
    process.exit(1);
  }
  const runtime = new WorkerRuntime(
    {
      post: (message) => send(message),
      onMessage: (listener) => process.on('message', listener),
      // IPC writes are asynchronous: leave only once what was sent has gone out.
      exit: (code) => send(envelope('batch', { messages: [] }), () => process.exit(code)),
    },
    first,
  );
  process.on('uncaughtException', (error) => runtime.fatal(error));
  void runtime.run();
});
