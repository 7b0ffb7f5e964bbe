import { describe, expect, it } from 'vitest';
import { EXIT_REASONS, formatPrometheus, type RuntimeMetrics } from '@drove/tenant-runtime';

const metrics: RuntimeMetrics = {
  running: 3,
  total: 4,
  starting: 1,
  processes: 5,
  draining: true,
  backoff: 2,
  totalSpawns: 40,
  totalExits: { crashed: 2, 'exited-clean': 1, 'idle-killed': 20, 'lru-evicted': 9, killed: 1, 'readiness-timeout': 1, disposed: 0, restarted: 2 },
  totalBackoffEntries: 6,
  lastSpawnMs: 31.5,
};

describe('formatPrometheus', () => {
  it('renders every figure with HELP and TYPE lines', () => {
    const text = formatPrometheus(metrics);
    expect(text.endsWith('\n')).toBe(true);
    const samples = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => {
          const space = line.lastIndexOf(' ');
          return [line.slice(0, space), Number(line.slice(space + 1))];
        }),
    );
    expect(samples).toMatchObject({
      drove_tenant_runtime_running: 3,
      drove_tenant_runtime_total: 4,
      drove_tenant_runtime_starting: 1,
      drove_tenant_runtime_processes: 5,
      drove_tenant_runtime_draining: 1,
      drove_tenant_runtime_backoff_keys: 2,
      drove_tenant_runtime_last_spawn_seconds: 0.0315,
      drove_tenant_runtime_spawns_total: 40,
      drove_tenant_runtime_backoff_entries_total: 6,
      'drove_tenant_runtime_exits_total{reason="idle-killed"}': 20,
      'drove_tenant_runtime_exits_total{reason="lru-evicted"}': 9,
    });
    for (const reason of EXIT_REASONS) expect(samples).toHaveProperty([`drove_tenant_runtime_exits_total{reason="${reason}"}`]);
    expect(text).toContain('# TYPE drove_tenant_runtime_spawns_total counter\n');
    expect(text).toContain('# TYPE drove_tenant_runtime_running gauge\n');
    // Every family has exactly one HELP and one TYPE line, before its samples.
    const families = text.split('\n').filter((line) => line.startsWith('# TYPE')).map((line) => line.split(' ')[2]);
    expect(new Set(families).size).toBe(families.length);
    expect(families).toHaveLength(10);
  });

  it('adds constant labels, escaped, and takes a prefix', () => {
    const text = formatPrometheus(metrics, { prefix: 'edge_', labels: { shard: 'eu "1"\\\n' } });
    expect(text).toContain('edge_running{shard="eu \\"1\\"\\\\\\n"} 3\n');
    expect(text).toContain('edge_exits_total{shard="eu \\"1\\"\\\\\\n",reason="crashed"} 2\n');
  });

  it('refuses a prefix or label name Prometheus would not accept', () => {
    expect(() => formatPrometheus(metrics, { prefix: '1bad' })).toThrow(/Expected `prefix` to be a metric name prefix/);
    expect(() => formatPrometheus(metrics, { labels: { 'bad-name': 'x' } })).toThrow(/Expected `labels.bad-name` to be a label name/);
  });
});
