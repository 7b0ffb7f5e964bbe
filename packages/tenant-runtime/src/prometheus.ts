/**
 * `metrics()` in the Prometheus text exposition format (version 0.0.4), for
 * a `/metrics` endpoint.
 *
 * @module
 */
import { EXIT_REASONS, type RuntimeMetrics } from './events.js';
import { check } from './internal/validate.js';

/** Options of {@link formatPrometheus}. */
export interface PrometheusOptions {
  /** Prefix of every metric name. @default 'drove_tenant_runtime_' */
  prefix?: string;
  /** Labels added to every sample, e.g. `{ shard: 'eu-1' }`. @default {} */
  labels?: Record<string, string>;
}

/** The content type to serve the exposition with. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Renders runtime metrics as Prometheus text: gauges for the snapshot
 * (`running`, `total`, `starting`, `processes`, `draining`, `backoff_keys`,
 * `last_spawn_seconds`) and counters (`spawns_total`, `exits_total{reason}`,
 * `backoff_entries_total`).
 *
 * @throws InvalidOptionError (`ERR_TENANT_INVALID_OPTION`) for a prefix or label name Prometheus would refuse.
 * @example
 * ```ts
 * import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from '@drove/tenant-runtime';
 * response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(formatPrometheus(runtime.metrics()));
 * ```
 */
export function formatPrometheus(metrics: RuntimeMetrics, options: PrometheusOptions = {}): string {
  const prefix = options.prefix ?? 'drove_tenant_runtime_';
  if (!NAME.test(`${prefix}x`)) check.fail('prefix', 'a metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)', prefix);
  const constant = Object.entries(options.labels ?? {});
  for (const [name, value] of constant) {
    if (!LABEL.test(name) || name.startsWith('__')) check.fail(`labels.${name}`, 'a label name ([a-zA-Z_][a-zA-Z0-9_]*)', name);
    if (typeof value !== 'string') check.fail(`labels.${name}`, 'a string', value);
  }
  const lines: string[] = [];
  const labels = (extra: [string, string][] = []) => {
    const all = [...constant, ...extra];
    return all.length === 0 ? '' : `{${all.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`;
  };
  const family = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${prefix}${name} ${help}`, `# TYPE ${prefix}${name} ${type}`);
    for (const [labelText, value] of samples) lines.push(`${prefix}${name}${labelText} ${formatNumber(value)}`);
  };
  family('running', 'gauge', 'Tenants ready and serving.', [[labels(), metrics.running]]);
  family('total', 'gauge', 'Tenants known to the runtime, starting or running.', [[labels(), metrics.total]]);
  family('starting', 'gauge', 'Tenants starting or waiting for a slot.', [[labels(), metrics.starting]]);
  family('processes', 'gauge', 'Tenant processes alive or reserved (never above maxConcurrent).', [[labels(), metrics.processes]]);
  family('draining', 'gauge', '1 while the runtime drains.', [[labels(), metrics.draining ? 1 : 0]]);
  family('backoff_keys', 'gauge', 'Keys backing off after failed starts.', [[labels(), metrics.backoff]]);
  family('last_spawn_seconds', 'gauge', 'Spawn-to-ready time of the most recent start.', [[labels(), metrics.lastSpawnMs / 1000]]);
  family('spawns_total', 'counter', 'Tenant processes spawned.', [[labels(), metrics.totalSpawns]]);
  family(
    'exits_total',
    'counter',
    'Tenant processes ended, by reason.',
    EXIT_REASONS.map((reason) => [labels([['reason', reason]]), metrics.totalExits[reason]]),
  );
  family('backoff_entries_total', 'counter', 'Failed starts recorded against back-off.', [[labels(), metrics.totalBackoffEntries]]);
  return `${lines.join('\n')}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
