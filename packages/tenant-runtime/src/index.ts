export { createRuntime, TenantRuntime } from './tenant-runtime.js';
export type { EnsureOptions } from './tenant-runtime.js';
export { resolveTenantRuntimeOptions } from './options.js';
export type { ResolvedTenantRuntimeOptions, TenantLimits, TenantRuntimeOptions, TenantSource, TenantUser } from './options.js';
export { EXIT_REASONS } from './events.js';
export type {
  ExitReason,
  RuntimeLogEvent,
  RuntimeMetricEvent,
  RuntimeMetrics,
  RuntimeStats,
  RuntimeTransitionEvent,
  Tenant,
} from './events.js';
export { systemClock } from '@drove/pool/clock';
export type { Clock, ClockTimer, TimerOptions } from '@drove/pool/clock';
export { assertTenantKey, isTenantKey, MAX_TENANT_KEY_LENGTH, resolveTenantDirectory, TENANT_KEY_PATTERN } from './tenant-key.js';
export { createTenantProxy, keyFromHost, keyFromPathPrefix } from './tenant-proxy.js';
export type { TenantProxyOptions, TenantRoute, TrustProxy } from './tenant-proxy.js';
export { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
export type { PrometheusOptions } from './prometheus.js';
export { probeMemoryCgroup } from './memory-cgroup.js';
export type { MemoryCgroupProbe } from './memory-cgroup.js';
export {
  AbortError,
  InvalidOptionError,
  InvalidTenantKeyError,
  TenantBackoffError,
  TenantDisposedError,
  TenantDrainingError,
  TenantEntryOutsideRootError,
  TenantExitedError,
  TenantNotFoundError,
  TenantNotReadyError,
  TenantRuntimeError,
} from './errors.js';
export type { TenantExitFacts, TenantRuntimeErrorCode, TenantRuntimeErrorOptions } from './errors.js';
