import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';

import { request } from 'undici';

import { ErrorCode, GatewayError } from '../errors';
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

export interface PostOptions {
  headers: Record<string, string>;
  body: string | Buffer;
  /** Bound on the whole call, connect to last byte. */
  timeoutMs: number;
}

export interface StreamOptions {
  headers: Record<string, string>;
  /** Bound on the time to the answer's headers, connect included. */
  headersTimeoutMs: number;
  /** Longest gap between two parts of the body (undici's bodyTimeout). */
  idleTimeoutMs: number;
}

/** An answer whose body is still arriving: read it, or destroy it to let the connection go. */
export interface StreamedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface HttpClient {
  post(url: string, options: PostOptions): Promise<UpstreamResponse>;
  /**
   * A GET whose body is not buffered (attachments). Redirects are not followed: a 3xx is an
   * answer like any other.
   */
  stream(url: string, options: StreamOptions): Promise<StreamedResponse>;
  close(): Promise<void>;
}

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
  options: { connectionsPerOrigin?: number; proxy?: ProxySettings } = {},
): HttpClient => {
  const agent = createUndiciDispatcher(options.proxy, {
    connections: options.connectionsPerOrigin ?? 128,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    maxResponseSize: MAX_RESPONSE_BYTES,
  });
  return {
    async post(url, { headers, body, timeoutMs }) {
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
        throw failureOf(error, timedOut, timeoutMs);
      } finally {
        clearTimeout(timer);
      }
    },
    async stream(url, { headers, headersTimeoutMs, idleTimeoutMs }) {
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
    },
    close: () => agent.close(),
  };
};
