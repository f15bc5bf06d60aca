import type { IncomingHttpHeaders } from 'node:http';

import type { RequestRecord } from '../requestLog';

/** Span attribute values the gateway writes: known fields only, never a token or a variable. */
export type SpanAttributes = Record<string, string | number | boolean | string[] | undefined>;

/** The stages of the request pipeline that get a span of their own. */
export type PipelineStage =
  'read operation' | 'resolve caller' | 'validate document' | 'forward to SEEK' | 'execute';

/** The span of one request (/graphql or /attachments): stages are its children, outbound calls theirs. */
export interface RequestTrace {
  /** Runs `fn` with this request's span as the active one (outbound spans become its children). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs one pipeline stage in a child span, active while it runs; sync or async. */
  stage<T>(name: PipelineStage, fn: () => T): T;
  /** Writes the outcome (the one request record) on the server span and ends it. */
  end(record: RequestRecord): void;
}

/** One outbound call's client span. */
export interface ClientSpanOptions {
  /** The span's name, e.g. `SEEK graphql`. */
  name: string;
  method: string;
  /** The URL called; only its scheme, host and path are written on the span … */
  url: string;
  /** … or only its host, when the path names something not to record (a Key Vault secret). */
  hostOnly?: boolean;
  attributes?: SpanAttributes;
}

/**
 * Tracing as the gateway uses it, present only when an OTLP endpoint is configured: every
 * call site checks `if (tracing)` once and pays nothing otherwise.
 */
export interface Tracing {
  /**
   * The server span of a request to `endpoint` (named `GET /attachments`, `POST /graphql`…),
   * continuing the caller's `traceparent` when it sent one.
   */
  startRequest(
    method: string,
    headers: IncomingHttpHeaders,
    endpoint: RequestRecord['endpoint'],
  ): RequestTrace;
  /**
   * Runs an outbound HTTP call in a client span, child of the active span, and adds that
   * span's `traceparent` to `headers` first. `statusOf` reads the HTTP status of the result.
   */
  outbound<T>(
    options: ClientSpanOptions,
    headers: Record<string, string>,
    send: () => Promise<T>,
    statusOf: (result: T) => number,
  ): Promise<T>;
  /**
   * The `traceparent` of a new client span around a call made by a library (jose's JWKS fetch,
   * the AWS and Azure SDKs; see ./libraries.ts): the span ends when `done` is called, with the
   * HTTP status, or undefined when no answer came.
   */
  startOutbound(options: ClientSpanOptions): {
    traceparent: string | undefined;
    done(status: number | undefined): void;
  };
  /** Runs `fn` in a client span without an HTTP hop of its own (a Redis command), child of the active one. */
  inSpan<T>(name: string, attributes: SpanAttributes, fn: () => Promise<T>): Promise<T>;
  /** The trace id of the active span, for log lines; undefined outside a sampled span. */
  activeTraceId: () => string | undefined;
  /** Sends what is queued (bounded in time) and stops exporting. */
  shutdown(): Promise<void>;
}
