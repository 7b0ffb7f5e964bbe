// `drove-supervise status|restart|stop|start|reload|logs|shutdown`: the
// commands for a running supervisor, through `connect(runFolder)`, with the
// failures the CLI knows (no supervisor in that folder, no such child …)
// explained in one line with their fix.
import { connect, type ControlClient } from '../control-client.js';
import type { ChildStatus, FleetStatus } from '../control-protocol.js';
import { SupervisorError } from '../errors.js';
import type { ControlArgs } from './cli-args.js';
import { KnownFailure } from './cli-output.js';

/** Runs one command; resolves with the exit code. */
export async function runControl(args: ControlArgs, out: (text: string) => void): Promise<number> {
  let client: ControlClient;
  try {
    client = await connect(args.runFolder);
  } catch (error) {
    throw explain(error, args);
  }
  try {
    switch (args.command) {
      case 'status': {
        const status = await client.status();
        out(args.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
        return 0;
      }
      case 'restart':
      case 'stop':
      case 'start': {
        for (const child of await client[args.command](args.name!)) {
          out(`${child.name} ${child.state}${child.pid === null ? '' : ` (pid ${child.pid})`}\n`);
        }
        return 0;
      }
      case 'reload': {
        const { children } = await client.reload();
        out(`reloaded ${children} child${children === 1 ? '' : 'ren'}\n`);
        return 0;
      }
      case 'logs':
        return await logs(client, args, out);
      case 'scale': {
        const { group, children } = await client.scale(args.name!, args.count!);
        out(`${group}: ${children.length} instance${children.length === 1 ? '' : 's'}${children.length === 0 ? '' : ` (${children.map((child) => `${child.name} ${child.state}`).join(', ')})`}\n`);
        return 0;
      }
      case 'shutdown':
        await client.shutdown();
        out(`supervisor ${client.pid} stopped\n`);
        return 0;
    }
  } catch (error) {
    throw explain(error, args);
  } finally {
    client.close();
  }
}

async function logs(client: ControlClient, args: ControlArgs, out: (text: string) => void): Promise<number> {
  if (!args.follow) {
    const lines = await client.logs(args.name!, { lines: args.lines });
    if (lines.length > 0) out(`${lines.join('\n')}\n`);
    return 0;
  }
  // Ctrl-C ends a follow, as in `tail -f`: that is success.
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const line of client.followLogs(args.name!, { lines: args.lines, signal: abort.signal })) out(`${line}\n`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}

/** The failures a user can fix, with the fix; anything else as it is. */
function explain(error: unknown, args: ControlArgs): unknown {
  if (!(error instanceof SupervisorError)) return error;
  switch (error.code) {
    case 'ERR_SUPERVISOR_NOT_RUNNING':
      return new KnownFailure(
        error.message,
        `start one whose config names \`runFolder: ${JSON.stringify(args.runFolder)}\` (drove-supervise fleet.config.mjs), or pass the run folder of the one that runs`,
        { cause: error },
      );
    case 'ERR_SUPERVISOR_UNKNOWN_CHILD':
      return new KnownFailure(error.message, `\`drove-supervise status --run-folder ${args.runFolder}\` lists the children`, { cause: error });
    case 'ERR_SUPERVISOR_CHILD_RUNNING':
    case 'ERR_SUPERVISOR_CONTROL':
    case 'ERR_SUPERVISOR_START_FAILED':
    case 'ERR_SUPERVISOR_STOPPED':
      // Their messages say what to do.
      return new KnownFailure(error.message, '', { cause: error });
    default:
      return error;
  }
}

const COLUMNS = ['name', 'instance', 'state', 'pid', 'uptime', 'restarts', 'back-off', 'cpu', 'rss', 'dropped', 'cron'] as const;

/** The status as a table, one child a row, as `pm2 status` has it. */
export function formatStatus(status: FleetStatus): string {
  const rows = status.children.map((child) => row(child));
  const table = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  const lines = table.map((cells) =>
    cells
      .map((cell, column) => (column === 0 || column === 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
  const head = `supervisor pid ${status.pid}, ${status.state}, ${status.children.length} child${status.children.length === 1 ? '' : 'ren'}, ${status.restarts} restart${status.restarts === 1 ? '' : 's'} (${status.runFolder})`;
  return `${head}\n${lines.join('\n')}\n`;
}

function row(child: ChildStatus): string[] {
  return [
    child.name,
    child.instance === null ? '-' : String(child.instance),
    child.state,
    child.pid === null ? '-' : String(child.pid),
    child.uptimeMs === null ? '-' : formatUptime(child.uptimeMs),
    String(child.restarts),
    child.backoffMs === null ? '-' : formatUptime(child.backoffMs),
    child.cpuPercent === null ? '-' : `${child.cpuPercent.toFixed(1)}%`,
    child.rssBytes === null ? '-' : `${(child.rssBytes / 2 ** 20).toFixed(1)} MiB`,
    child.droppedLogLines === null ? '-' : String(child.droppedLogLines),
    child.cronRestartMs === null ? '-' : `in ${formatUptime(child.cronRestartMs)}`,
  ];
}

/** `850ms`, `12s`, `5m 3s`, `2h 5m`, `3d 4h`. */
export function formatUptime(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
