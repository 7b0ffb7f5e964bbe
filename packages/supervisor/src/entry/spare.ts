// A warm spare: a Node process the supervisor starts ahead of need with the
// spec's own env, args, execArgv and cwd. It imports the preloads it is sent
// (the child helper first) and waits; on a crash the supervisor sends it the
// child's entry, which it runs as its main module, so the restart costs an
// import instead of a Node start. Built as one CommonJS file: it starts faster
// than a graph of ES modules.
import Module from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { envelope, isEnvelope, serializeError, type EnvelopeOf } from '@drove/pool/envelope';

if (!process.send) throw new Error('@drove/supervisor: entry/spare must be forked with an IPC channel');

// The supervisor is gone (even SIGKILLed): the channel closes, and a spare is no orphan.
const onDisconnect = (): void => process.exit(0);
process.on('disconnect', onDisconnect);

let mainTaken = false;

function answer(message: EnvelopeOf<'loaded'>): void {
  if (process.connected) process.send!(message);
}

async function load(request: EnvelopeOf<'load'>): Promise<void> {
  try {
    for (const module of request.modules) await import(module);
  } catch (error) {
    answer(envelope('loaded', { id: request.id, error: serializeError(error) }));
    return;
  }
  if (request.main === undefined) {
    answer(envelope('loaded', { id: request.id }));
    return;
  }
  if (mainTaken) return;
  mainTaken = true;
  // From here on this is the child: its own listeners decide what the channel
  // and a disconnect mean, exactly as in a process that started cold.
  process.off('disconnect', onDisconnect);
  process.off('message', onMessage);
  runMain(fileURLToPath(request.main));
}

function runMain(path: string): void {
  // Node's own entry point (what `node path` runs): ES module or CommonJS,
  // `require.main` set, an uncaught error printed and exit code 1. Not in the
  // public types; a plain import is the fallback should a Node version drop it.
  process.argv[1] = path;
  const run = (Module as unknown as { runMain?: (main?: string) => void }).runMain;
  if (typeof run === 'function') {
    run(path);
    return;
  }
  import(pathToFileURL(path).href).catch((error: unknown) => {
    process.nextTick(() => {
      throw error;
    });
  });
}

function onMessage(message: unknown): void {
  if (isEnvelope(message) && message.type === 'load') void load(message);
}
process.on('message', onMessage);
