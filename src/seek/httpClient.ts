import { EventEmitter } from 'node:events';

import { request } from 'undici';

import { ErrorCode, GatewayError } from '../errors';
import type { Tracing } from '../observability/tracing';
import { createUndiciDispatcher, type ProxySettings } from '../outbound/proxy';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
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
export type UpstreamTarget = 'graphql' | 'auth' | 'browser_token' | 'schema';

const SPAN_NAMES: Record<UpstreamTarget, string> = {
  graphql: 'SEEK graphql',
  auth: 'SEEK partner token',
  browser_token: 'SEEK browser token',
  schema: 'SEEK schema introspection',
};

export interface PostOptions {
  headers: Record<string, string>;
  body: string | Buffer;
  /** Bound on the whole call, connect to last byte. */
  timeoutMs: number;
  target: UpstreamTarget;
}

export interface HttpClient {
  post(url: string, options: PostOptions): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/** Answers larger than this are refused: SEEK's responses are far smaller. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

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
  const post = async (
    url: string,
    { headers, body, timeoutMs }: PostOptions,
  ): Promise<UpstreamResponse> => {
    // An EventEmitter as the abort signal (undici accepts one): an AbortController per call
    // showed up at ~3% of the hot path's CPU.
    const abort = new EventEmitter();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.emit('abort');
    }, timeoutMs);
    try {
      const response = await request(url, {
        dispatcher: agent,
        method: 'POST',
        headers,
        body,
        signal: abort,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) chunks.push(chunk as Buffer);
      return {
        status: response.statusCode,
        headers: response.headers,
        body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      };
    } catch (error) {
      if (timedOut) {
        throw new UpstreamFailure('timeout', `no answer within ${timeoutMs} ms`);
      }
      const code = (error as { code?: string }).code;
      throw new UpstreamFailure('network', `connection failed${code ? ` (${code})` : ''}`);
    } finally {
      clearTimeout(timer);
    }
  };
  const { tracing } = options;
  return {
    // With tracing on, each call is a client span whose traceparent SEEK gets; off, the call as is.
    post: tracing
      ? (url, postOptions) =>
          tracing.outbound(
            { name: SPAN_NAMES[postOptions.target], method: 'POST', url },
            postOptions.headers,
            () => post(url, postOptions),
            statusOfResponse,
          )
      : post,
    close: () => agent.close(),
  };
};

const statusOfResponse = (response: UpstreamResponse) => response.status;
