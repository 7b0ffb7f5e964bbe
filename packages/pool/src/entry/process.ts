// The script a pool's child process runs: the shared worker runtime over the IPC channel.
import { deserialize } from 'node:v8';
import { assertJsonData, envelope, isEnvelope } from '../envelope.js';
import { flushStdio } from '../internal/flush-stdio.js';
import { checkParent } from '../internal/parent-check.js';
import { WorkerRuntime } from '../internal/worker-runtime.js';

// What the transport's preload does for other children, done here first: the pool's workers spawn
// often, and a preload would cost each one a file more to load.
checkParent();
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
  const json = first.json === true;
  const initData = first.encodedInitData === undefined ? first.initData : deserialize(Buffer.from(first.encodedInitData, 'base64'));
  const runtime = new WorkerRuntime(
    {
      post: (message) => {
        // A JSON channel would deliver a Date or a Map changed: the runtime turns this into the task's error.
        if (json) assertJsonData(message);
        send(message);
      },
      onMessage: (listener) => process.on('message', listener),
      // IPC writes and stdout's are asynchronous: leave only once what was sent and printed has gone out.
      exit: (code) => send(envelope('batch', { messages: [] }), () => void flushStdio().then(() => process.exit(code))),
    },
    { ...first, initData, json },
  );
  process.on('uncaughtException', (error) => runtime.fatal(error));
  void runtime.run();
});
