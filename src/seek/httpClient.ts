import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';

import { request, type Dispatcher } from 'undici';

import { ErrorCode, GatewayError } from '../errors';
import type { Tracing } from '../observability/tracing';
import { createUndiciDispatcher, type ProxySettings } from '../outbound/proxy';
import { UpstreamBodyRest } from './upstreamBody';

/** An answer collected whole. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  rest?: undefined;
}

/**
 * An answer longer than `streamAbove`: the chunks that came before it passed the threshold, as
 * undici handed them over (not copied into one), and the rest still arriving.
 */
export interface StreamingUpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** More than `streamAbove` bytes in all. */
  head: readonly Buffer[];
  rest: UpstreamBodyRest;
}

export type UpstreamFailureKind = 'timeout' | 'network';

/** A call that produced no HTTP answer. Its message names no URL and no header. */
export class UpstreamFailure extends Error {
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamFailure';
  }
}

/** The caller-facing error for a call to SEEK that got no answer (`what` says which call). */
export const upstreamFailureError = (failure: UpstreamFailure, timeoutMs: number, what: string) =>
  failure.kind === 'timeout'
    ? new GatewayError(ErrorCode.SeekTimeout, `SEEK did not answer${what} within ${timeoutMs} ms`)
    : new GatewayError(ErrorCode.SeekUnavailable, `SEEK could not be reached${what}`);

/** Which of SEEK's endpoints a call is for: names its span (the metrics' `target` label too). */
export type UpstreamTarget = 'graphql' | 'auth' | 'browser_token' | 'schema' | 'attachment';

const SPAN_NAMES: Record<UpstreamTarget, string> = {
  graphql: 'SEEK graphql',
  auth: 'SEEK partner token',
  browser_token: 'SEEK browser token',
  schema: 'SEEK schema introspection',
  attachment: 'SEEK attachment',
};

export interface PostOptions {
  headers: Record<string, string>;
  body: string | Buffer;
  /** Bound on the whole call, connect to last byte (of a streamed body too). */
  timeoutMs: number;
  target: UpstreamTarget;
}

export interface StreamOptions {
  headers: Record<string, string>;
  /** Bound on the time to the answer's headers, connect included. */
  headersTimeoutMs: number;
  /** Longest gap between two parts of the body (undici's bodyTimeout). */
  idleTimeoutMs: number;
  target: UpstreamTarget;
}

/** An answer whose body is still arriving: read it, or destroy it to let the connection go. */
export interface StreamedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface HttpClient {
  /** A POST whose answer is collected whole. */
  post(url: string, options: PostOptions): Promise<UpstreamResponse>;
  /**
   * A POST whose answer, once longer than `streamAbove` bytes, is no longer collected: the call
   * then resolves with what came so far and the rest to stream.
   */
  postStreaming(
    url: string,
    options: PostOptions,
    streamAbove: number,
  ): Promise<UpstreamResponse | StreamingUpstreamResponse>;
  /**
   * A GET whose body is not buffered (attachments). Redirects are not followed: a 3xx is an
   * answer like any other.
   */
  stream(url: string, options: StreamOptions): Promise<StreamedResponse>;
  close(): Promise<void>;
}

/** A URL split as dispatch takes it; the few URLs this client calls come from configuration. */
const targets = new Map<string, { origin: string; path: string }>();
const MAX_REMEMBERED_TARGETS = 32;
const targetOf = (url: string) => {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size < MAX_REMEMBERED_TARGETS) targets.set(url, target);
  }
  return target;
};

/** Answers larger than this are refused: SEEK's responses are far smaller. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

const ignoreError = () => undefined;

const failureOf = (error: unknown, timedOut: boolean, timeoutMs: number) => {
  if (timedOut) return new UpstreamFailure('timeout', `no answer within ${timeoutMs} ms`);
  const code = (error as { code?: string }).code;
  return new UpstreamFailure('network', `connection failed${code ? ` (${code})` : ''}`);
};

/**
 * Keep-alive connection pool to SEEK (undici's Agent): one TLS handshake serves many
 * operations, which is most of what a hop costs. Behind an outbound proxy (HTTPS_PROXY,
 * NO_PROXY…) the same bounds apply to undici's EnvHttpProxyAgent, whose pools then keep the
 * tunnels alive; without one, the Agent is a plain one (the hot path unchanged).
 */
export const createHttpClient = (
  options: { connectionsPerOrigin?: number; proxy?: ProxySettings; tracing?: Tracing } = {},
): HttpClient => {
  const agent = createUndiciDispatcher(options.proxy, {
    connections: options.connectionsPerOrigin ?? 128,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    maxResponseSize: MAX_RESPONSE_BYTES,
  });
  /**
   * One POST through the pool's dispatch API with a handler of our own: the answer is collected
   * from the chunks undici hands over, without a Readable stream, its async iterator and their
   * events per call (a good part of what request() costs on a small answer).
   */
  const dispatchPost = (
    url: string,
    { headers, body, timeoutMs }: PostOptions,
    streamAbove: number | undefined,
  ) =>
    new Promise<UpstreamResponse | StreamingUpstreamResponse>((resolve, reject) => {
      const { origin, path } = targetOf(url);
      let controller: Dispatcher.DispatchController | undefined;
      let settled = false;
      let timedOut = false;
      let status = 0;
      let responseHeaders: UpstreamResponse['headers'] = {};
      let chunks: Buffer[] = [];
      let size = 0;
      /** Set once the answer passed `streamAbove`: the promise is resolved, the rest flows here. */
      let rest: UpstreamBodyRest | undefined;
      const fail = (failure: UpstreamFailure) => {
        if (rest) {
          clearTimeout(timer);
          rest.settle(failure);
          return;
        }
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(failure);
      };
      // The timer runs to the last byte, a streamed body's too: SEEK_TIMEOUT_MS bounds the call.
      const timer = setTimeout(() => {
        timedOut = true;
        fail(new UpstreamFailure('timeout', `no answer within ${timeoutMs} ms`));
        controller?.abort(new Error('timed out'));
      }, timeoutMs);
      agent.dispatch(
        {
          origin,
          path,
          method: 'POST',
          headers,
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        {
          onRequestStart(started) {
            controller = started;
            if (settled) started.abort(new Error('timed out'));
          },
          onResponseStart(_controller, statusCode, answerHeaders) {
            status = statusCode;
            responseHeaders = answerHeaders;
          },
          onResponseData(started, chunk) {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              chunks.length = 0;
              fail(new UpstreamFailure('network', 'the answer was too large'));
              started.abort(new Error('answer too large'));
              return;
            }
            if (rest) {
              rest.push(chunk);
              return;
            }
            chunks.push(chunk);
            if (streamAbove !== undefined && size > streamAbove && !settled) {
              settled = true;
              rest = new UpstreamBodyRest(started);
              resolve({ status, headers: responseHeaders, head: chunks, rest });
              // The head is the caller's now; the rest flows to `rest`.
              chunks = [];
            }
          },
          onResponseEnd() {
            if (rest) {
              clearTimeout(timer);
              rest.settle(undefined);
              return;
            }
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({
              status,
              headers: responseHeaders,
              body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
            });
          },
          onResponseError(_controller, error) {
            fail(failureOf(error, timedOut, timeoutMs));
          },
        },
      );
    });
  const stream = async (
    url: string,
    { headers, headersTimeoutMs, idleTimeoutMs }: StreamOptions,
  ): Promise<StreamedResponse> => {
    // The timer bounds the wait for headers only (connect and TLS included); once they are in,
    // undici's bodyTimeout bounds each gap in the body, however long the whole file takes.
    const abort = new EventEmitter();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.emit('abort');
    }, headersTimeoutMs);
    try {
      const response = await request(url, {
        dispatcher: agent,
        method: 'GET',
        headers,
        signal: abort,
        headersTimeout: headersTimeoutMs,
        bodyTimeout: idleTimeoutMs,
      });
      // Whoever reads the body sees its errors; one destroyed unread (a refusal, a file over the
      // limit) must not raise an unhandled 'error' (undici's RequestAbortedError).
      response.body.on('error', ignoreError);
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw failureOf(error, timedOut, headersTimeoutMs);
    } finally {
      clearTimeout(timer);
    }
  };
  const { tracing } = options;
  /** With tracing on, each call is a client span whose traceparent SEEK gets; off, the call as is. */
  const traced = <
    Options extends { headers: Record<string, string>; target: UpstreamTarget },
    More extends unknown[],
    R extends { status: number },
  >(
    method: 'GET' | 'POST',
    call: (url: string, callOptions: Options, ...more: More) => Promise<R>,
  ): ((url: string, callOptions: Options, ...more: More) => Promise<R>) =>
    tracing
      ? (url, callOptions, ...more) =>
          tracing.outbound(
            { name: SPAN_NAMES[callOptions.target], method, url },
            callOptions.headers,
            () => call(url, callOptions, ...more),
            statusOfResponse,
          )
      : call;
  return {
    // Without a threshold every answer is collected whole.
    post: traced(
      'POST',
      (url: string, postOptions: PostOptions) =>
        dispatchPost(url, postOptions, undefined) as Promise<UpstreamResponse>,
    ),
    postStreaming: traced('POST', dispatchPost),
    // The span of a download ends with its headers: the body's fate is in the request's log line.
    stream: traced('GET', stream),
    close: () => agent.close(),
  };
};

const statusOfResponse = (response: { status: number }) => response.status;
