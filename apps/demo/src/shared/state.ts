/**
 * The shapes the demo's processes exchange as JSON: the coordinator's state
 * (builds, pools, supervisor), the front door's (tenants) and the dashboard's
 * snapshot of both, which the page renders.
 */
import type { WorkerTelemetry } from '@drove/pool';
import type { HostReport, RemotePoolStats } from '@drove/remote';
import type { SupervisorStats } from '@drove/supervisor';
import type { RuntimeMetrics } from '@drove/tenant-runtime';

/** One job of a run: building the blog, or exporting the catalogue. */
export interface JobView {
  name: 'blog' | 'catalogue';
  status: 'waiting' | 'running' | 'done' | 'failed';
  /** Where it is: the named phase under way (or the last one, once done) and that phase's count. */
  progress: JobProgress;
  /** Where its workers run: `thread` (blog) or `process` (catalogue). */
  workerKind: 'thread' | 'process';
  /** The latest telemetry of its pool; empty once the pool is gone. */
  workers: WorkerTelemetry[];
  /**
   * The run's latest telemetry samples, oldest first (the last 10, five seconds
   * at the demo's interval): a job that starts and ends between two refreshes
   * of the dashboard is still charted.
   */
  samples: { at: number; workers: WorkerTelemetry[] }[];
  startedAt: number | undefined;
  durationMs: number | undefined;
  /** One line saying what it did, once done. */
  summary: string;
  error: string | undefined;
  /** Workers killed from the dashboard during this job, and paths the pool rendered again after a kill. */
  killedWorkers: number;
}

/** A job's current phase and its count, as `BuildProgress` (src/control/build-progress.ts) keeps it. */
export interface JobProgress {
  /** `generate`, `load`, `render`, `commit` (the blog), `export` (the catalogue). */
  phase: string;
  done: number;
  /** The phase's total; `undefined` while it is not known (then `note` says what happens). */
  total: number | undefined;
  /** False while the total may still grow (a build's sections report their totals as they start). */
  totalFinal: boolean;
  /** What is counted: `files`, `pages`. */
  unit: string;
  /** The bar's share, 0 to 1: never lower than before within a phase. */
  share: number;
  /** What the phase does when it has no count (`writing 3000 posts`). */
  note: string;
}

/** A supervisor event, as the dashboard's log shows it. */
export interface FleetEvent {
  at: number;
  type: 'spawn' | 'ready' | 'exit' | 'restart' | 'backoff' | 'giveUp';
  name: string;
  text: string;
}

/** What the coordinator (`drove-demo`) reports on its control API. */
export interface CoordinatorState {
  urls: DemoUrls;
  run: number;
  running: boolean;
  jobs: JobView[];
  supervisor: SupervisorStats;
  events: FleetEvent[];
  /** The Remote panel, when the demo was given Redis (`REDIS_URL`). */
  remote: RemoteView | undefined;
}

/** The Remote panel: a remote pool's stats and what each host of its queue reported last. */
export interface RemoteView {
  queue: string;
  /** The Redis connection as it may be shown: `redis://***@host:port`, never a password. */
  connection: string;
  stats: RemotePoolStats;
  /** `remote.hosts()`: every live host's stats and per-worker telemetry. */
  hosts: HostReport[];
  /** When `hosts` was read (epoch ms). */
  hostsAt: number | undefined;
  /** The batch the panel's button sends. */
  batch: { running: boolean; done: number; total: number; batches: number };
  /** Redis trouble, shown on the panel. */
  error: string | undefined;
}

/** Where the demo answers. */
export interface DemoUrls {
  frontDoor: string;
  dashboard: string;
  blog: string;
  catalogue: string;
  api: string;
}

/** The states a tenant is shown in. */
export type TenantState = 'cold' | 'starting' | 'ready' | 'idle-killed' | 'stopped' | 'backing-off';

/** One tenant, as the front door tracks it from the runtime's hooks. */
export interface TenantView {
  key: string;
  state: TenantState;
  pid: number | undefined;
  port: number | undefined;
  /** When it entered its state (epoch ms). */
  since: number;
  /** Spawn to ready of its last start. */
  readyMs: number | undefined;
  spawns: number;
  lastExit: { reason: string; exitCode: number | null; signal: string | null } | undefined;
  /** When a start is allowed again, while backing off (epoch ms), if known. */
  retryAt: number | undefined;
  cpuPercent: number | undefined;
  rssBytes: number | undefined;
}

/** What the front door reports on `/_drove/state`. */
export interface FrontDoorState {
  pid: number;
  tenants: TenantView[];
  metrics: RuntimeMetrics;
  draining: boolean;
}

/** What the dashboard pushes to the page every second. */
export interface DashboardSnapshot {
  at: number;
  coordinator: CoordinatorState | undefined;
  frontDoor: FrontDoorState | undefined;
  /** Why a part is missing (its process is restarting). */
  problems: string[];
}

/** A request from the page over the WebSocket. */
export type DashboardAction =
  | { type: 'rebuild' }
  | { type: 'kill-worker'; pid: number }
  | { type: 'kill-child'; name: string }
  | { type: 'kill-tenant'; key: string }
  | { type: 'clear-backoff'; key: string }
  | { type: 'drain' }
  | { type: 'remote-batch' };

/** The header that carries the demo's per-run token on its internal APIs. */
export const TOKEN_HEADER = 'x-drove-demo-token';
