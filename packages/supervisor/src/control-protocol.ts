/**
 * What the control socket speaks: one JSON object a line each way. A client
 * sends requests `{ v, id, command, … }`; the supervisor answers each with
 * `{ id, ok: true, result }` or `{ id, ok: false, error }`, and a followed
 * log streams `{ id, line }` after its answer. On connect the supervisor says
 * `{ v, hello: { pid } }` first.
 *
 * Not pool's envelope: that one is for a parent and the children it spawned
 * (structured clone, handles); this one crosses between unrelated processes,
 * possibly of different versions, so it is plain JSON with its own version.
 *
 * @module
 */
import type { ChildKind } from './child-spec.js';
import type { ChildState, SupervisorState } from './stats.js';

/** The version of the control protocol; a supervisor refuses other versions. */
export const CONTROL_PROTOCOL_VERSION = 1;

/** The control socket's file name in the run folder. */
export const CONTROL_SOCKET = 'control.sock';

/** One child in {@link FleetStatus}, what `drove-supervise status` shows a row of. */
/**
 * One child in {@link FleetStatus}, what `drove-supervise status` shows a row of.
 * What a child lacks is `null` (the status crosses a socket as JSON).
 */
export interface ChildStatus {
  name: string;
  /** For a copy of an `instances` spec: the group (the spec's name). */
  group: string | null;
  /** For a copy of an `instances` spec: its number in the group. */
  instance: number | null;
  kind: ChildKind;
  state: ChildState;
  /** The child's pid while it runs (a thread's is the supervisor's). */
  pid: number | null;
  /** Milliseconds since it became ready, while running. */
  uptimeMs: number | null;
  /** Times it was started again after its first start. */
  restarts: number;
  /** Failures in a row since it was last stable. */
  consecutiveFailures: number;
  /** While it waits out its back-off: milliseconds until its restart. */
  backoffMs: number | null;
  /** With `cronRestart`: milliseconds until its next scheduled restart. */
  cronRestartMs: number | null;
  /** CPU use over the status's sample (about 200 ms), in percent of one core; processes and commands only. */
  cpuPercent: number | null;
  /** Resident set size; processes and commands only (a thread shares the supervisor's). */
  rssBytes: number | null;
  /** Lines of its output dropped from its log file's full buffer (the `logs` option); `null` without log files. */
  droppedLogLines: number | null;
  /** Its log file, with the `logs` option. */
  logFile: string | null;
}

/** The answer to `status`. */
export interface FleetStatus {
  /** The supervisor's pid. */
  pid: number;
  state: SupervisorState;
  /** The run folder, absolute. */
  runFolder: string;
  /** Restarts of all children since the start. */
  restarts: number;
  children: ChildStatus[];
}

/** A child as the control commands that change one answer it. */
export interface ChildSummary {
  name: string;
  state: ChildState;
  pid: number | null;
}

/** The requests, by command. */
export interface ControlRequests {
  status: Record<string, never>;
  restart: { name: string };
  stop: { name: string };
  start: { name: string };
  reload: Record<string, never>;
  logs: { name: string; lines: number; follow: boolean };
  scale: { name: string; count: number | 'max' };
  shutdown: Record<string, never>;
}

/** The answers, by command. */
export interface ControlResults {
  status: FleetStatus;
  restart: ChildSummary[];
  stop: ChildSummary[];
  start: ChildSummary[];
  reload: { children: number };
  /** `file`: the (first) child's log file; a group's lines are prefixed with the copy's name. */
  logs: { file: string; lines: string[] };
  scale: { group: string; children: ChildSummary[] };
  shutdown: { pid: number };
}

/** A command of the control socket. */
export type ControlCommand = keyof ControlRequests;

/** The commands, for checks. */
export const CONTROL_COMMANDS: readonly ControlCommand[] = ['status', 'restart', 'stop', 'start', 'reload', 'logs', 'scale', 'shutdown'];

/** An error as it crosses the socket. */
export interface ControlErrorBody {
  name: string;
  code: string;
  message: string;
}

/** Any request on the wire. */
export type ControlRequest = { v: number; id: number; command: ControlCommand } & Partial<ControlRequests[ControlCommand]>;

/** Any message from the supervisor on the wire. */
export type ControlReply =
  | { v: number; hello: { pid: number } }
  | { id: number; ok: true; result: ControlResults[ControlCommand] }
  | { id: number; ok: false; error: ControlErrorBody }
  | { id: number; line: string };
