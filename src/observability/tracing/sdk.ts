// OpenTelemetry's SDK, loaded only when an OTLP endpoint is configured (./index.ts requires
// this file then, and only then): a gateway without tracing never loads a module of it.
import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ExportResultCode,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

import packageJson from '../../../package.json';
import type { TracesConfig, TracesSamplerName } from '../../config/groups/tracing';
import { createNodeProxyAgent, type ProxySettings } from '../../outbound/proxy';
import { shownUrl } from '../logger';
import type { Metrics } from '../metrics';
import { loggableName, type RequestRecord } from '../requestLog';
import type {
  ClientSpanOptions,
  PipelineStage,
  RequestTrace,
  SpanAttributes,
  Tracing,
} from './types';

/**
 * Bounds of what waits for the collector. A span holds at most SPAN_ATTRIBUTES attributes of at
 * most ATTRIBUTE_CHARS characters and no events or links, so the queue holds at most
 * QUEUE_SPANS x ~8 KiB (~16 MiB) however slow the collector is; past it, spans are dropped,
 * never requests held. The gateway's spans are far smaller (~1 KiB).
 */
export const SPAN_BOUNDS = {
  QUEUE_SPANS: 2_048,
  BATCH_SPANS: 512,
  SPAN_ATTRIBUTES: 32,
  ATTRIBUTE_CHARS: 256,
  /** One export, connect to answer: a collector that hangs costs this, off the request path. */
  EXPORT_TIMEOUT_MS: 5_000,
  /** Exports in flight at once (each holds at most one batch). */
  CONCURRENT_EXPORTS: 2,
  /** What shutdown waits for the last export. */
  SHUTDOWN_MS: 3_000,
} as const;

const samplerOf = (name: TracesSamplerName, ratio: number): Sampler => {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
};

/** Counts each export's result, so an operator sees a collector that is down. */
const countingExporter = (inner: SpanExporter, metrics: Metrics): SpanExporter => ({
  export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
    inner.export(spans, (result) => {
      metrics.traceExports.inc({
        result: result.code === ExportResultCode.SUCCESS ? 'ok' : 'failed',
      });
      done(result);
    });
  },
  shutdown: () => inner.shutdown(),
  forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
});

/** The context manager the api reads `context.active()` from: one per process. */
let contextManagerSet = false;
const ensureContextManager = () => {
  if (contextManagerSet) return;
  // False when another one was registered first (another gateway in this process, an APM
  // agent): that one serves as well.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextManagerSet = true;
};

const headerGetter = defaultTextMapGetter;

/** Only defined values: an attribute set to undefined is dropped rather than written. */
const defined = (attributes: SpanAttributes | undefined) => {
  const out: Record<string, string | number | boolean | string[]> = {};
  if (attributes)
    for (const [key, value] of Object.entries(attributes))
      if (value !== undefined) out[key] = value;
  return out;
};

const failWith = (span: Span, error: unknown) => {
  // The error's type and code only: a message may quote what a caller sent.
  const code = (error as { code?: unknown; kind?: unknown } | undefined)?.code;
  const kind = (error as { kind?: unknown } | undefined)?.kind;
  const type =
    typeof code === 'string' ? code : typeof kind === 'string' ? kind : (error as Error)?.name;
  span.setAttribute('error.type', String(type ?? 'error'));
  span.setStatus({ code: SpanStatusCode.ERROR, message: String(type ?? 'error') });
};

const isPromise = (value: unknown): value is Promise<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

export interface SdkTracingOptions {
  traces: TracesConfig;
  /** The outbound proxy (HTTPS_PROXY, NO_PROXY…): the exporter's calls follow it too. */
  proxy: ProxySettings | undefined;
  metrics: Metrics;
}

export const createSdkTracing = (options: SdkTracingOptions): Tracing => {
  ensureContextManager();
  const { traces } = options;
  const exporter = new OTLPTraceExporter({
    url: traces.url,
    timeoutMillis: SPAN_BOUNDS.EXPORT_TIMEOUT_MS,
    concurrencyLimit: SPAN_BOUNDS.CONCURRENT_EXPORTS,
    // Behind HTTPS_PROXY the exporter tunnels like every other outbound client (NO_PROXY
    // decided per request); without one, a keep-alive agent of its own.
    httpAgentOptions: (protocol: string) =>
      createNodeProxyAgent(options.proxy) ??
      (protocol === 'http:'
        ? new HttpAgent({ keepAlive: true })
        : new HttpsAgent({ keepAlive: true })),
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: traces.serviceName,
      [ATTR_SERVICE_VERSION]: packageJson.version,
    }),
    sampler: samplerOf(traces.sampler, traces.samplerRatio),
    spanLimits: {
      attributeCountLimit: SPAN_BOUNDS.SPAN_ATTRIBUTES,
      attributeValueLengthLimit: SPAN_BOUNDS.ATTRIBUTE_CHARS,
      eventCountLimit: 0,
      linkCountLimit: 0,
    },
    spanProcessors: [
      new BatchSpanProcessor(countingExporter(exporter, options.metrics), {
        maxQueueSize: SPAN_BOUNDS.QUEUE_SPANS,
        maxExportBatchSize: SPAN_BOUNDS.BATCH_SPANS,
        scheduledDelayMillis: 1_000,
        exportTimeoutMillis: SPAN_BOUNDS.EXPORT_TIMEOUT_MS,
      }),
    ],
  });
  const tracer = provider.getTracer('seek-gateway', packageJson.version);
  const propagator = new W3CTraceContextPropagator();

  /** Runs `fn` with `span` active; ends the span when `fn` returns or settles. */
  const within = <T>(span: Span, parent: Context, fn: () => T): T => {
    let result: T;
    try {
      result = context.with(trace.setSpan(parent, span), fn);
    } catch (error) {
      failWith(span, error);
      span.end();
      throw error;
    }
    if (isPromise(result)) {
      result.then(
        () => span.end(),
        (error: unknown) => {
          failWith(span, error);
          span.end();
        },
      );
    } else span.end();
    return result;
  };

  const clientSpan = (options: ClientSpanOptions) => {
    const parent = context.active();
    const span = tracer.startSpan(
      options.name,
      {
        kind: SpanKind.CLIENT,
        attributes: defined({
          'http.request.method': options.method,
          'url.full': options.hostOnly ? undefined : shownUrl(options.url),
          'server.address': new URL(options.url).hostname,
          ...options.attributes,
        }),
      },
      parent,
    );
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(parent, span), carrier, defaultTextMapSetter);
    return { span, parent, traceparent: carrier.traceparent };
  };

  const endClient = (span: Span, status: number | undefined) => {
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (status === undefined || status >= 500) {
      span.setAttribute('error.type', status === undefined ? 'no_answer' : String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };

  const startRequest = (
    method: string,
    headers: IncomingHttpHeaders,
    endpoint: RequestRecord['endpoint'],
  ): RequestTrace => {
    const route = `/${endpoint}`;
    // The caller's traceparent (and tracestate), when valid: this request continues its trace.
    const parent = propagator.extract(ROOT_CONTEXT, headers, headerGetter);
    const span = tracer.startSpan(
      `${method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'http.route': route },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    return {
      run: (fn) => context.with(active, fn),
      stage: <T>(name: PipelineStage, fn: () => T): T =>
        within(tracer.startSpan(name, {}, context.active()), context.active(), fn),
      end(outcome: RequestRecord) {
        const operationName = loggableName(outcome.operationName);
        span.setAttributes(
          defined({
            'graphql.operation.name': operationName,
            'graphql.operation.type': outcome.operationType,
            'http.response.status_code': outcome.httpStatus,
            'gateway.caller.kind': outcome.callerKind,
            'gateway.route': outcome.route,
            'gateway.request_id': outcome.requestId,
            'gateway.client_request_id': outcome.clientRequestId,
            'gateway.error_codes': outcome.errorCodes ? [...outcome.errorCodes] : undefined,
          }),
        );
        if (outcome.operationType && operationName)
          span.updateName(`${outcome.operationType} ${operationName}`);
        // A server span is an error when the gateway failed (5xx), not when it refused (4xx).
        if (outcome.httpStatus >= 500) {
          span.setAttribute('error.type', outcome.errorCodes?.[0] ?? String(outcome.httpStatus));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  };

  return {
    startRequest,
    outbound(options, headers, send, statusOf) {
      const { span, parent, traceparent } = clientSpan(options);
      if (traceparent) headers.traceparent = traceparent;
      return context.with(trace.setSpan(parent, span), send).then(
        (result) => {
          endClient(span, statusOf(result));
          return result;
        },
        (error: unknown) => {
          failWith(span, error);
          span.end();
          throw error;
        },
      );
    },
    startOutbound(options) {
      const { span, traceparent } = clientSpan(options);
      return { traceparent, done: (status) => endClient(span, status) };
    },
    inSpan: (name, attributes, fn) =>
      within(
        tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: defined(attributes) }),
        context.active(),
        fn,
      ),
    activeTraceId: () => {
      const spanContext = trace.getSpan(context.active())?.spanContext();
      return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
    },
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        provider.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, SPAN_BOUNDS.SHUTDOWN_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };
};
