// The supervisor's HTTP endpoint for probes and scrapers (the `health`
// option): `/healthz` (liveness: the supervisor runs), `/readyz` (readiness:
// every child that should run is running) and `/metrics` (Prometheus text:
// restarts, back-offs, uptime, RSS and CPU per child, dropped log lines).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readProcStat } from '@drove/pool/telemetry';
import { SupervisorError } from '../errors.js';
import type { Supervisor } from '../supervisor.js';

export class HealthServer {
  readonly #supervisor: Supervisor;
  readonly #server: Server;

  constructor(supervisor: Supervisor) {
    this.#supervisor = supervisor;
    this.#server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      const send = (status: number, type: string, body: string): void => {
        response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      };
      if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'text/plain', 'GET or HEAD\n');
      if (path === '/healthz') return this.#health(send);
      if (path === '/readyz') return this.#ready(send);
      if (path === '/metrics') {
        this.#metrics().then(
          (text) => send(200, 'text/plain; version=0.0.4; charset=utf-8', text),
          () => send(500, 'text/plain', 'metrics failed\n'),
        );
        return;
      }
      send(404, 'text/plain', 'not found: /healthz, /readyz and /metrics are\n');
    });
  }

  /** @throws SupervisorError `ERR_SUPERVISOR_SOCKET` when the port cannot be listened on. */
  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw new SupervisorError('ERR_SUPERVISOR_SOCKET', `Could not listen on ${host}:${port} for the health endpoint`, { cause: error });
    });
  }

  address(): AddressInfo | undefined {
    const address = this.#server.address();
    return address && typeof address === 'object' ? address : undefined;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #health(send: (status: number, type: string, body: string) => void): void {
    const state = this.#supervisor.state;
    const ok = state === 'running' || state === 'starting';
    send(ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: ok ? 'ok' : 'down', state })}\n`);
  }

  #ready(send: (status: number, type: string, body: string) => void): void {
    const stats = this.#supervisor.stats();
    // While the supervisor runs, a stopped child is one not meant to run (stopped by hand, or a
    // transient one that ended normally): it leaves the fleet ready. Starting, restarting or stopping ones do not.
    const notRunning = stats.children
      .filter((child) => child.state !== 'running' && child.state !== 'stopped')
      .map((child) => ({ name: child.name, state: child.state }));
    const ok = stats.state === 'running' && notRunning.length === 0;
    send(ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: ok ? 'ready' : 'not ready', state: stats.state, notRunning })}\n`);
  }

  async #metrics(): Promise<string> {
    const stats = this.#supervisor.stats();
    const now = this.#supervisor.options.clock.now();
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Record<string, string>, number]>): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) {
        const text = Object.entries(labels)
          .map(([key, label]) => `${key}="${label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
          .join(',');
        lines.push(`${name}${text ? `{${text}}` : ''} ${Number.isFinite(value) ? value : 0}`);
      }
    };
    const children = stats.children;
    const procs = await Promise.all(children.map((child) => (child.kind !== 'thread' && child.pid !== undefined ? readProcStat(child.pid) : undefined)));
    const label = (index: number): Record<string, string> => ({ child: children[index]!.name, kind: children[index]!.kind });
    metric('drove_supervisor_up', 'gauge', 'Whether the supervisor is running (1) or starting, stopping or stopped (0).', [[{ state: stats.state }, stats.state === 'running' ? 1 : 0]]);
    metric('drove_supervisor_restarts_total', 'counter', 'Restarts of all children since the start.', [[{}, stats.restarts]]);
    metric('drove_child_up', 'gauge', 'Whether the child is running (ready).', children.map((child, i) => [label(i), child.state === 'running' ? 1 : 0]));
    metric('drove_child_restarts_total', 'counter', 'Times the child was started again.', children.map((child, i) => [label(i), child.restarts]));
    metric('drove_child_consecutive_failures', 'gauge', 'Failures in a row since the child was last stable.', children.map((child, i) => [label(i), child.consecutiveFailures]));
    metric('drove_child_uptime_seconds', 'gauge', 'Seconds since the child became ready (0 when not running).', children.map((child, i) => [label(i), (child.uptimeMs ?? 0) / 1000]));
    metric('drove_child_backoff_seconds', 'gauge', 'Seconds until a restart the back-off delays (0 when none is pending).', children.map((child, i) => [label(i), child.restartAt === undefined ? 0 : Math.max(0, child.restartAt - now) / 1000]));
    const measured = children.flatMap((child, i) => (procs[i] ? [[label(i), procs[i]] as const] : []));
    metric('drove_child_resident_memory_bytes', 'gauge', 'Resident set size of the child process (processes and commands).', measured.map(([labels, stat]) => [labels, stat.rssBytes]));
    metric('drove_child_cpu_seconds_total', 'counter', 'User and system CPU time of the child process (processes and commands).', measured.map(([labels, stat]) => [labels, stat.cpuMs / 1000]));
    metric('drove_child_next_cron_restart_seconds', 'gauge', 'Seconds until the scheduled restart of a child with cronRestart.', children.flatMap((child, i) => (child.cronRestartAt === undefined ? [] : [[label(i), Math.max(0, child.cronRestartAt - now) / 1000] as [Record<string, string>, number]])));
    // What a child with a heartbeat reports of itself in its last pong (pool's envelope telemetry).
    const ponged = children.flatMap((child, i) => (child.lastPong ? [[label(i), child.lastPong] as const] : []));
    if (ponged.length > 0) {
      metric('drove_child_heap_used_bytes', 'gauge', "V8 heap used by the child, from its last heartbeat.", ponged.map(([labels, pong]) => [labels, pong.telemetry.heapUsedBytes]));
      metric('drove_child_heap_total_bytes', 'gauge', "V8 heap allocated by the child, from its last heartbeat.", ponged.map(([labels, pong]) => [labels, pong.telemetry.heapTotalBytes]));
      metric('drove_child_event_loop_utilization', 'gauge', "The child's event-loop utilization (0 to 1) between its last two heartbeats.", ponged.map(([labels, pong]) => [labels, pong.telemetry.eventLoopUtilization]));
      metric('drove_child_heartbeat_age_seconds', 'gauge', "Seconds since the child's last heartbeat answer.", ponged.map(([labels, pong]) => [labels, Math.max(0, now - pong.at) / 1000]));
    }
    const logged = children.flatMap((child, i) => (child.log ? [[label(i), child.log] as const] : []));
    if (logged.length > 0) {
      metric('drove_child_log_lines_total', 'counter', "Lines of the child's output written to its log file.", logged.map(([labels, log]) => [labels, log.lines]));
      metric('drove_child_log_dropped_lines_total', 'counter', "Lines of the child's output dropped from its log file's full buffer.", logged.map(([labels, log]) => [labels, log.droppedLines]));
    }
    return `${lines.join('\n')}\n`;
  }
}
