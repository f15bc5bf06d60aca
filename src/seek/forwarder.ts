import { randomUUID } from 'node:crypto';

import type { Caller } from '../callers/caller';
import { sleep } from '../clock';
import { ErrorCode, GatewayError } from '../errors';
import type { Metrics } from '../observability/metrics';
import type { PartnerTokenSource } from '../tokens/partnerToken';
import {
  UpstreamFailure,
  upstreamFailureError,
  type HttpClient,
  type StreamingUpstreamResponse,
  type UpstreamResponse,
} from './httpClient';
import { STREAM_ABOVE_BYTES, StreamedSeekAnswer } from './streamedAnswer';

/** One client operation, as it goes to SEEK. */
export interface ForwardRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  isMutation: boolean;
  /** Only callers SEEK may see: the pipeline refuses users and anonymous callers before. */
  caller: Extract<Caller, { kind: 'service' } | { kind: 'seek-token' }>;
  /**
   * Each call to SEEK (a retry too) gets a fresh UUID as its X-Request-Id, appended here so the
   * request's log line lists them beside the gateway's and the caller's ids.
   */
  seekRequestIds: string[];
  /** The caller's X-Session-Id and Accept-Language, passed on only when the caller sent them. */
  sessionId: string | undefined;
  acceptLanguage: string | undefined;
}

export interface ForwardResult {
  /** SEEK's GraphQL response, byte for byte. */
  body: Buffer;
  /** The same, parsed and checked to be a GraphQL response. */
  result: SeekResult;
  upstreamStatus: number;
}

/** An answer above STREAM_ABOVE_BYTES: its first part checked, the rest still arriving. */
export interface StreamedForwardResult {
  stream: StreamedSeekAnswer;
  upstreamStatus: number;
}

export interface ForwarderOptions {
  http: HttpClient;
  apiUrl: string;
  userAgent: string;
  /** Bound on each call to SEEK. */
  timeoutMs: number;
  partnerTokens: PartnerTokenSource;
  metrics: Metrics;
}

/** Statuses worth one more try for a query: the request never ran or SEEK asked us to wait. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const RETRY_BACKOFF_MS = 100;

/** A GraphQL response as SEEK sends it: `data` and/or `errors`, maybe `extensions`. */
export interface SeekResult {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ message?: unknown; extensions?: { code?: unknown } }>;
  extensions?: Record<string, unknown>;
}

/**
 * SEEK's body as a GraphQL response, or SEEK_BAD_RESPONSE: it must be a JSON object with
 * `data` (an object or null) and/or `errors` (an array). Anything else (not JSON, `{"foo":1}`,
 * an array) is never passed on as if SEEK had answered.
 */
export const parseSeekResult = (body: Buffer, status: number): SeekResult => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = parsed as SeekResult | undefined;
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    ('data' in parsed || 'errors' in parsed) &&
    (result?.data === undefined ||
      result.data === null ||
      (typeof result.data === 'object' && !Array.isArray(result.data))) &&
    (result?.errors === undefined || Array.isArray(result.errors));
  if (!valid) {
    throw new GatewayError(
      ErrorCode.SeekBadResponse,
      `SEEK answered with a body that is not a GraphQL response (HTTP ${status})`,
      { upstreamStatus: status },
    );
  }
  return result as SeekResult;
};

/**
 * SEEK refused the whole request for its token (200 with UNAUTHENTICATED and no data):
 * nothing ran, so a new partner token and one retry are safe, mutations included. A
 * field-level UNAUTHENTICATED next to data is SEEK's answer and goes back as it is.
 */
export const isWholeUnauthenticated = (result: SeekResult): boolean =>
  (result.data === undefined || result.data === null) &&
  (result.errors ?? []).some((error) => error?.extensions?.code === 'UNAUTHENTICATED');

/** SEEK's answer to a forwarded operation: collected whole, or streamed past the threshold. */
type SeekAnswer = UpstreamResponse | StreamingUpstreamResponse;

const retryAfterMs = (response: SeekAnswer): number => {
  const header = response.headers['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return RETRY_BACKOFF_MS;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? RETRY_BACKOFF_MS : Math.max(0, date - Date.now());
};

/** The outcome label of one call to SEEK: a bounded set, whatever SEEK answers. */
const seekOutcomeOf = (status: number) =>
  status < 400 ? 'ok' : status < 500 && status !== 429 ? 'rejected' : 'failed';

/**
 * The body SEEK gets. JSON.parse takes variables nested deeper than JSON.stringify can write
 * back (it recurses): such a request is the caller's error, not ours.
 */
const serialise = (request: ForwardRequest): string => {
  try {
    return JSON.stringify({
      query: request.query,
      operationName: request.operationName ?? undefined,
      variables: request.variables ?? undefined,
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new GatewayError(ErrorCode.BadRequest, 'The variables are nested too deeply');
  }
};

/**
 * Sends one client operation to SEEK as one HTTP request: the document, operationName and
 * variables as the client sent them, with the token the caller's kind calls for.
 */
export const createForwarder = (options: ForwarderOptions) => {
  const { http, metrics, partnerTokens } = options;

  const send = async (
    body: string | Buffer,
    token: string,
    request: ForwardRequest,
    streamAbove: number | undefined,
  ): Promise<SeekAnswer> => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': options.userAgent,
      'x-request-id': randomUUID(),
    };
    request.seekRequestIds.push(headers['x-request-id'] as string);
    if (request.sessionId) headers['x-session-id'] = request.sessionId;
    if (request.acceptLanguage) headers['accept-language'] = request.acceptLanguage;
    const started = performance.now();
    const operationType = request.isMutation ? 'mutation' : 'query';
    let response: SeekAnswer;
    try {
      const call = { headers, body, timeoutMs: options.timeoutMs, target: 'graphql' } as const;
      response = await (streamAbove === undefined
        ? http.post(options.apiUrl, call)
        : http.postStreaming(options.apiUrl, call, streamAbove));
    } catch (error) {
      const failure = error instanceof UpstreamFailure ? error : undefined;
      observe(
        started,
        operationType,
        failure?.kind ?? 'error',
        failure?.kind === 'timeout' ? 'timeout' : 'unreachable',
      );
      throw error;
    }
    const status = String(response.status);
    const outcome = seekOutcomeOf(response.status);
    // A streamed answer's call lasts to its last byte.
    if (response.rest)
      response.rest.onSettled(() => observe(started, operationType, status, outcome));
    else observe(started, operationType, status, outcome);
    return response;
  };

  const observe = (started: number, operationType: string, status: string, outcome: string) => {
    const seconds = (performance.now() - started) / 1_000;
    metrics.upstreamSeconds.observe({ target: 'graphql', status }, seconds);
    metrics.seekSeconds.observe({ operation_type: operationType, outcome }, seconds);
  };

  /** One call, plus one retry for queries when the request surely did not run or SEEK said wait. */
  const sendWithRetry = async (
    body: string | Buffer,
    token: string,
    request: ForwardRequest,
    streamAbove: number | undefined,
  ): Promise<SeekAnswer> => {
    try {
      const response = await send(body, token, request, streamAbove);
      if (request.isMutation || !RETRYABLE_STATUSES.has(response.status)) return response;
      const wait = retryAfterMs(response);
      // Retry-After longer than a whole call's bound is not worth holding the client for.
      if (wait > options.timeoutMs) return response;
      response.rest?.abort();
      await sleep(wait);
    } catch (error) {
      if (!(error instanceof UpstreamFailure) || error.kind !== 'network' || request.isMutation)
        throw error;
      await sleep(RETRY_BACKOFF_MS);
    }
    return send(body, token, request, streamAbove);
  };

  /** Status and content type: SEEK's answer is a GraphQL response to pass on, or an error. */
  const checkAnswer = (response: SeekAnswer) => {
    const { status } = response;
    if (RETRYABLE_STATUSES.has(status) || status >= 500) {
      response.rest?.abort();
      throw new GatewayError(ErrorCode.SeekUnavailable, `SEEK is unavailable (HTTP ${status})`, {
        upstreamStatus: status,
      });
    }
    const contentType = response.headers['content-type'];
    if (typeof contentType !== 'string' || !contentType.includes('json')) {
      response.rest?.abort();
      throw new GatewayError(
        ErrorCode.SeekBadResponse,
        `SEEK answered with a body that is not a GraphQL response (HTTP ${status})`,
        { upstreamStatus: status },
      );
    }
  };

  const toResult = (response: SeekAnswer): ForwardResult | StreamedForwardResult => {
    checkAnswer(response);
    const { status } = response;
    // Past the threshold: the first part is checked now, the rest as it passes (streamedAnswer.ts).
    if (response.rest) return { stream: StreamedSeekAnswer.open(response), upstreamStatus: status };
    // SEEK reports failures as HTTP 200 with errors[]; other 4xx with a GraphQL body (e.g. a
    // validation error) are passed on as they are.
    return {
      body: response.body,
      result: parseSeekResult(response.body, status),
      upstreamStatus: status,
    };
  };

  const forward = async (
    request: ForwardRequest,
    streamAbove: number | undefined,
  ): Promise<ForwardResult | StreamedForwardResult> => {
    // Serialised from the fields the gateway validated, never the caller's bytes: what SEEK
    // runs is exactly what was checked.
    // A Buffer: undici then writes it with its headers in one vectored write.
    const body = Buffer.from(serialise(request));
    try {
      switch (request.caller.kind) {
        case 'seek-token':
          // The caller's own browser token: SEEK judges it, and its UNAUTHENTICATED goes back
          // so the frontend renews the token.
          return toResult(
            await sendWithRetry(body, request.caller.accessToken, request, streamAbove),
          );
        case 'service': {
          const partner = await partnerTokens.get();
          const response = await sendWithRetry(body, partner.accessToken, request, streamAbove);
          if (response.status === 401) response.rest?.abort();
          const first = response.status === 401 ? undefined : toResult(response);
          // A whole UNAUTHENTICATED is a few hundred bytes: it is never a streamed answer.
          if (first === undefined || ('result' in first && isWholeUnauthenticated(first.result))) {
            // SEEK revoked or expired the token before we expected: one fresh token, one more
            // call, and no further retries on top of it.
            await partnerTokens.invalidate(partner.accessToken);
            const fresh = await partnerTokens.get();
            return toResult(await send(body, fresh.accessToken, request, streamAbove));
          }
          return first;
        }
      }
    } catch (error) {
      if (error instanceof UpstreamFailure) {
        throw upstreamFailureError(error, options.timeoutMs, '');
      }
      throw error;
    }
  };

  return {
    /** One operation, SEEK's answer collected and parsed whole (the mixed operations' executor). */
    // Without a threshold the http client collects every answer whole: never a stream.
    forward: (request: ForwardRequest) => forward(request, undefined) as Promise<ForwardResult>,
    /**
     * One operation whose answer goes to the client as SEEK sent it (the pipeline's own
     * forwarding): an answer above STREAM_ABOVE_BYTES comes back as a stream, checked as it passes.
     */
    forwardStreaming: (request: ForwardRequest) => forward(request, STREAM_ABOVE_BYTES),
  };
};

export type Forwarder = ReturnType<typeof createForwarder>;
