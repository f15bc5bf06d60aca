import type { TracingConfig } from '../../config/groups/tracing';
import type { ProxySettings } from '../../outbound/proxy';
import type { Metrics } from '../metrics';
import type { Tracing } from './types';

export type {
  ClientSpanOptions,
  PipelineStage,
  RequestTrace,
  SpanAttributes,
  Tracing,
} from './types';

/**
 * Tracing as configured, or undefined when no OTLP endpoint is set (or OTEL_SDK_DISABLED=true).
 * The SDK is required here, at this first use: a gateway without tracing never loads it, and
 * the bundle keeps it out of dist/gateway.bundle.js (scripts/bundle.mjs, LAZY_SDKS).
 */
export const startTracing = (
  config: TracingConfig,
  deps: { proxy: ProxySettings | undefined; metrics: Metrics },
): Tracing | undefined => {
  if (!config.traces) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only when tracing is on
  const { createSdkTracing } = require('./sdk') as typeof import('./sdk');
  return createSdkTracing({ traces: config.traces, proxy: deps.proxy, metrics: deps.metrics });
};
