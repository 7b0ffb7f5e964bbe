// What a fleet is operated through besides the API: the control socket in
// the run folder (`drove-supervise status|restart|…`, `connect()`), the
// health and metrics endpoint, and systemd's notify protocol. Opened before
// the children start, told when they have, closed last.
import type { AddressInfo } from 'node:net';
import { SupervisorError } from '../errors.js';
import type { LogWriter } from '../log-writer.js';
import type { Supervisor } from '../supervisor.js';
import { ControlServer } from './control-server.js';
import { HealthServer } from './health-server.js';
import { systemdNotifier, type SystemdNotifier } from './systemd-notify.js';

export class Operations {
  readonly #supervisor: Supervisor;
  readonly #logs: LogWriter | undefined;
  readonly #onError: (error: Error) => void;
  #control: ControlServer | undefined;
  #health: HealthServer | undefined;
  #systemd: SystemdNotifier | undefined;

  constructor(supervisor: Supervisor, logs: LogWriter | undefined, onError: (error: Error) => void) {
    this.#supervisor = supervisor;
    this.#logs = logs;
    this.#onError = onError;
  }

  /**
   * Opens the control socket (with a `runFolder`) and the health endpoint
   * (with `health`), unless `closing()` says a stop began meanwhile.
   *
   * @throws SupervisorError `ERR_SUPERVISOR_CONTROL` or `ERR_SUPERVISOR_SOCKET` from either.
   */
  async open(closing: () => boolean): Promise<void> {
    const { runFolder, health } = this.#supervisor.options;
    if (runFolder !== undefined && !closing()) {
      const control = new ControlServer(runFolder, this.#supervisor, this.#logs);
      await control.listen();
      // A stop that began meanwhile may have passed the point where it closes the socket.
      if (closing()) await control.close();
      else this.#control = control;
    }
    if (health !== undefined && !closing()) {
      this.#health = new HealthServer(this.#supervisor);
      await this.#health.listen(health.port, health.host);
    }
  }

  /** Every child has started: tells systemd (`systemd: true` under a `Type=notify` unit), which starts its watchdog pings. */
  started(): void {
    if (!this.#supervisor.options.systemd) return;
    this.#systemd = systemdNotifier(process.env, (error) =>
      this.#onError(new SupervisorError('ERR_SUPERVISOR_SYSTEMD', 'Could not notify systemd (systemd-notify failed; is the systemd package installed?)', { cause: error })),
    );
    this.#systemd?.ready(this.#supervisor.countChildren());
  }

  /** A stop began: tells systemd. */
  stopping(): void {
    this.#systemd?.stopping();
  }

  /** The health endpoint's address, while it listens. */
  healthAddress(): AddressInfo | undefined {
    return this.#health?.address();
  }

  /** Closes the control socket and the health endpoint (last in a stop: `status` answers while the children stop). */
  async close(): Promise<void> {
    await this.#control?.close();
    await this.#health?.close();
  }
}
