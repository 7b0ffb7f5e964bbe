// systemd's notify protocol (`Type=notify`): READY=1 once the fleet has
// started (with STATUS= counting the children), WATCHDOG=1 every half
// `WatchdogSec=` while the master's event loop turns, STOPPING=1 when a stop begins.
// Node has no datagram Unix sockets, so the messages go through systemd's own
// `systemd-notify` (Debian's systemd package), which needs `NotifyAccess=all`
// in the unit: its messages come from its own pid.
import { execFile } from 'node:child_process';
import type { ChildCounts } from '../stats.js';

/** The notifier the environment asks for, or undefined outside a `Type=notify` service. */
export function systemdNotifier(env: NodeJS.ProcessEnv, onError: (error: Error) => void): SystemdNotifier | undefined {
  if (!env.NOTIFY_SOCKET) return undefined;
  return new SystemdNotifier(env, onError);
}

export class SystemdNotifier {
  readonly #env: NodeJS.ProcessEnv;
  readonly #onError: (error: Error) => void;
  #watchdog: NodeJS.Timeout | undefined;
  #failed = false;

  constructor(env: NodeJS.ProcessEnv, onError: (error: Error) => void) {
    this.#env = env;
    this.#onError = onError;
  }

  /** READY=1 with the status and the main pid, then the watchdog's pings if the unit has `WatchdogSec=`. */
  ready(counts: ChildCounts): void {
    this.#send(['--ready', `--status=${status(counts)}`, `--pid=${process.pid}`]);
    const usec = Number(this.#env.WATCHDOG_USEC);
    const pid = this.#env.WATCHDOG_PID;
    if (!Number.isFinite(usec) || usec <= 0 || (pid !== undefined && pid !== String(process.pid))) return;
    // Half the interval, as sd_watchdog_enabled(3) advises: one late ping is no missed one.
    this.#watchdog = setInterval(() => this.#send(['WATCHDOG=1']), Math.max(1, Math.floor(usec / 2000)));
    this.#watchdog.unref();
  }

  /** STOPPING=1; the watchdog stops pinging. */
  stopping(): void {
    this.close();
    this.#send(['STOPPING=1']);
  }

  close(): void {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #send(args: string[]): void {
    execFile('systemd-notify', args, { env: this.#env }, (error) => {
      // Said once: a missing systemd-notify fails every message the same way.
      if (!error || this.#failed) return;
      this.#failed = true;
      this.#onError(error);
    });
  }
}

function status(counts: ChildCounts): string {
  return `${counts.running} of ${counts.specs} children running${counts.restarting > 0 ? `, ${counts.restarting} restarting` : ''}`;
}
