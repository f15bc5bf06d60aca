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
    help: 'Calls to SEEK by target (graphql, browser_token, auth, attachment) and HTTP status (or error kind)',
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
  const seekSeconds = new Histogram({
    name: 'gateway_seek_request_duration_seconds',
    help: 'Each HTTP call of a client operation to SEEK GraphQL (retries apart), by operation type (query, mutation) and outcome (ok, rejected: 4xx, failed: 5xx, timeout, unreachable)',
    labelNames: ['operation_type', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const requestsRefused = new Counter({
    name: 'gateway_requests_refused_total',
    help: 'GraphQL requests answered with errors, once per distinct error code, by code and caller kind (codes outside the known set count as OTHER)',
    labelNames: ['code', 'caller'] as const,
    registers: [registry],
  });
  const traceExports = new Counter({
    name: 'gateway_trace_exports_total',
    help: 'Span batches sent to the OTLP collector, by result (ok, failed); only with tracing on',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const freeFormDocuments = new Counter({
    name: 'gateway_free_form_documents_total',
    help: 'Documents not from the manifest (document: text or apq) by caller kind, from callers PERSISTED_DOCUMENTS_REQUIRED does not hold to it: zero for a kind means safelisting it breaks nobody',
    labelNames: ['caller', 'document'] as const,
    registers: [registry],
  });
  const persistedDocuments = new Counter({
    name: 'gateway_persisted_documents_total',
    help: 'Manifest loads and reloads (result: loaded, kept_last_good) and APQ registrations (result: stored, memory_only)',
    labelNames: ['event', 'result'] as const,
    registers: [registry],
  });
  const seekInFlight = new Gauge({
    name: 'gateway_seek_in_flight',
    help: 'Calls to SEEK GraphQL (operations and browser-token exchanges) in flight now',
    registers: [registry],
  });
  const seekQueueLength = new Gauge({
    name: 'gateway_seek_queue_length',
    help: 'Calls waiting for a free SEEK_MAX_CONCURRENCY slot now',
    registers: [registry],
  });
  const seekConcurrencyLimit = new Gauge({
    name: 'gateway_seek_concurrency_limit',
    help: 'Concurrent calls to SEEK allowed now: SEEK_MAX_CONCURRENCY, lowered while SEEK answers 429',
    registers: [registry],
  });
  const seekBackoffs = new Counter({
    name: 'gateway_seek_backoffs_total',
    help: "Times SEEK's 429 halved the gateway's concurrent calls to SEEK",
    registers: [registry],
  });
  const rateLimitRefusals = new Counter({
    name: 'gateway_rate_limit_refusals_total',
    help: 'Requests refused by caller protection, by limit (service, browser_token, address, refused_token) and service key name',
    labelNames: ['limit', 'service'] as const,
    registers: [registry],
  });
  const rateLimitFallbacks = new Counter({
    name: 'gateway_rate_limit_fallbacks_total',
    help: 'Times Redis failed or was slow and the rate limits counted per replica for a second',
    registers: [registry],
  });
  const serviceRequests = new Counter({
    name: 'gateway_service_requests_total',
    help: 'GraphQL requests of backend services by service key name and outcome',
    labelNames: ['service', 'outcome'] as const,
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
  const logLinesDropped = new Counter({
    name: 'gateway_log_lines_dropped_total',
    help: 'Log lines dropped because stdout stopped draining and 16 MiB were already waiting',
    registers: [registry],
  });
  return {
    registry,
    logLinesDropped,
    seekSeconds,
    requestsRefused,
    traceExports,
    freeFormDocuments,
    persistedDocuments,
    seekInFlight,
    seekQueueLength,
    seekConcurrencyLimit,
    seekBackoffs,
    rateLimitRefusals,
    rateLimitFallbacks,
    serviceRequests,
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
