/** What the master does on its signals. */
export interface SignalActions {
  /** SIGTERM or SIGINT: the first stops gracefully, a second kills at once. */
  stop(signal: NodeJS.Signals): void;
  /** SIGHUP: a rolling restart. */
  reload(): void;
}

/**
 * Installs the master's signal handlers; returns the function that removes
 * them. Handlers only call into the supervisor, which acts on a signal in
 * every state (during a spawn, a back-off or a stop), so none is lost.
 */
export function installSignalHandlers(actions: SignalActions): () => void {
  const onStop = (signal: NodeJS.Signals): void => actions.stop(signal);
  const onHup = (): void => actions.reload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  };
}
