import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the gateway exports, on a registry of its own so tests can build many apps. */
export const createMetrics = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestSeconds = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'GraphQL requests by operation type, caller kind and outcome',
    labelNames: ['operation_type', 'caller', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const upstreamSeconds = new Histogram({
    name: 'gateway_upstream_duration_seconds',
    help: 'Calls to SEEK by target (graphql, browser_token, auth) and HTTP status (or error kind)',
    labelNames: ['target', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const tokenCache = new Counter({
    name: 'gateway_token_cache_total',
    help: 'Token cache lookups by token kind and result (memory_hit, shared_hit, miss, refresh, fetch, fetch_failure, lock_wait)',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
  });
  const tokenFetchFailures = new Counter({
    name: 'gateway_token_fetch_failures_total',
    help: 'Failed token exchanges by token kind and reason (rejected, timeout, unavailable, bad_response)',
    labelNames: ['kind', 'reason'] as const,
    registers: [registry],
  });
  const redisErrors = new Counter({
    name: 'gateway_redis_errors_total',
    help: 'Redis calls that failed or timed out, and client errors',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const redisUp = new Gauge({
    name: 'gateway_redis_up',
    help: '1 when the shared token cache answers, 0 when the gateway serves from memory',
    registers: [registry],
  });
  const schemaReloads = new Counter({
    name: 'gateway_schema_reloads_total',
    help: 'SEEK schema polls by result (unchanged, updated, failed)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const attachmentDownloads = new Counter({
    name: 'gateway_attachment_downloads_total',
    help: 'GET /attachments by outcome (ok, refused, upstream_error, too_large, idle_timeout, client_closed, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const attachmentBytes = new Counter({
    name: 'gateway_attachment_bytes_total',
    help: 'Bytes of attachments passed on to callers',
    registers: [registry],
  });
  return {
    registry,
    attachmentDownloads,
    attachmentBytes,
    requestSeconds,
    upstreamSeconds,
    tokenCache,
    tokenFetchFailures,
    redisErrors,
    redisUp,
    schemaReloads,
  };
};

export type Metrics = ReturnType<typeof createMetrics>;
