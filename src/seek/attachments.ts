import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

import { ErrorCode, GatewayError } from '../errors';
import { printableHeaderValue } from '../http/printableHeader';
import type { Metrics } from '../observability/metrics';
import type { PartnerTokenSource } from '../tokens/partnerToken';
import type { ForwardRequest } from './forwarder';
import {
  UpstreamFailure,
  upstreamFailureError,
  type HttpClient,
  type StreamedResponse,
  type UpstreamTarget,
} from './httpClient';

/** The span's name and the metrics' `target` label of a download. */
const TARGET: UpstreamTarget = 'attachment';

/** One download, as it goes to SEEK. */
export interface AttachmentRequest {
  /** An attachment URL the pipeline checked (pipeline/attachmentUrl.ts): never the caller's text. */
  url: string;
  /** Only callers SEEK may see (pipeline/forward.ts decides who). */
  caller: ForwardRequest['caller'];
  /** Each call to SEEK adds its own fresh x-request-id here (the request log's seekRequestIds). */
  seekRequestIds: string[];
}

/** SEEK's file, its body still arriving; only these headers of SEEK's cross over. */
export interface AttachmentFile {
  upstreamStatus: number;
  contentType: string | undefined;
  /** SEEK's Content-Length, when it sent a well-formed one. */
  contentLength: number | undefined;
  contentDisposition: string | undefined;
  body: Readable;
}

export interface AttachmentFetcherOptions {
  http: HttpClient;
  userAgent: string;
  /** Bound on the wait for SEEK's headers (SEEK_TIMEOUT_MS). */
  timeoutMs: number;
  /** Bound on each gap in the body (ATTACHMENT_IDLE_TIMEOUT_MS). */
  idleTimeoutMs: number;
  partnerTokens: PartnerTokenSource;
  metrics: Metrics;
}

/** Longest value of SEEK's Content-Type, Content-Length or Content-Disposition passed on. */
const MAX_PASSED_HEADER = 1_024;

/** One of SEEK's header values fit to pass on: sent once (never repeated), printable, bounded. */
const headerValue = (value: string | string[] | undefined): string | undefined =>
  printableHeaderValue(
    Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value,
    MAX_PASSED_HEADER,
  );

const lengthOf = (value: string | string[] | undefined): number | undefined => {
  const single = headerValue(value);
  return single && /^\d{1,15}$/.test(single) ? Number(single) : undefined;
};

/** SEEK's refusal as the gateway's error: which status, never SEEK's body or the URL. */
const refusalOf = (status: number, caller: AttachmentRequest['caller']): GatewayError => {
  const extra = { upstreamStatus: status };
  if (status === 401) {
    return caller.kind === 'seek-token'
      ? new GatewayError(
          ErrorCode.Unauthenticated,
          'SEEK refused the browser token (missing, expired or revoked): get a new one',
          extra,
        )
      : new GatewayError(ErrorCode.SeekRejected, 'SEEK refused a fresh partner token', extra);
  }
  if (status === 403) {
    return new GatewayError(
      ErrorCode.AttachmentForbidden,
      caller.kind === 'seek-token'
        ? 'SEEK refused the download: the browser token needs the download:candidate-profile-attachments scope and the hirer of the application'
        : 'SEEK refused the download: the partner has no access to this application',
      extra,
    );
  }
  if (status === 404) {
    return new GatewayError(ErrorCode.AttachmentNotFound, 'SEEK has no such attachment', extra);
  }
  if (status >= 300 && status < 400) {
    return new GatewayError(
      ErrorCode.SeekBadResponse,
      `SEEK answered the download with a redirect (HTTP ${status}), which the gateway does not follow`,
      extra,
    );
  }
  if (status === 429 || status >= 500) {
    return new GatewayError(
      ErrorCode.SeekUnavailable,
      `SEEK is unavailable (HTTP ${status})`,
      extra,
    );
  }
  return new GatewayError(
    ErrorCode.SeekRejected,
    `SEEK refused the download (HTTP ${status})`,
    extra,
  );
};

/**
 * Downloads one attachment from SEEK with the token the caller's kind calls for: the partner
 * token for a service (renewed and tried once more when SEEK answers 401), the caller's own
 * browser token otherwise. Resolves once SEEK's 200 headers are in; the body is the caller's
 * to stream (or destroy).
 */
export const createAttachmentFetcher = (options: AttachmentFetcherOptions) => {
  const { http, metrics, partnerTokens } = options;

  /** One call to SEEK, with an x-request-id of its own (a retry gets another). */
  const send = async (url: string, token: string, seekRequestIds: string[]) => {
    const started = performance.now();
    let status = 'error';
    const requestId = randomUUID();
    seekRequestIds.push(requestId);
    try {
      const response = await http.stream(url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: '*/*',
          'user-agent': options.userAgent,
          'x-request-id': requestId,
        },
        headersTimeoutMs: options.timeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        target: TARGET,
      });
      status = String(response.status);
      return response;
    } catch (error) {
      if (error instanceof UpstreamFailure) status = error.kind;
      throw error;
    } finally {
      metrics.upstreamSeconds.observe(
        { target: TARGET, status },
        (performance.now() - started) / 1_000,
      );
    }
  };

  /** A refusal's body is not read: the connection goes with it. */
  const discard = (response: StreamedResponse) => response.body.destroy();

  const call = async (request: AttachmentRequest): Promise<StreamedResponse> => {
    if (request.caller.kind === 'seek-token')
      return send(request.url, request.caller.accessToken, request.seekRequestIds);
    const partner = await partnerTokens.get();
    const first = await send(request.url, partner.accessToken, request.seekRequestIds);
    if (first.status !== 401) return first;
    // SEEK revoked or expired the token before we expected: one fresh token, one more call.
    discard(first);
    await partnerTokens.invalidate(partner.accessToken);
    const fresh = await partnerTokens.get();
    return send(request.url, fresh.accessToken, request.seekRequestIds);
  };

  return {
    async fetch(request: AttachmentRequest): Promise<AttachmentFile> {
      let response: StreamedResponse;
      try {
        response = await call(request);
      } catch (error) {
        if (error instanceof UpstreamFailure)
          throw upstreamFailureError(error, options.timeoutMs, ' with the attachment');
        throw error;
      }
      if (response.status !== 200) {
        discard(response);
        throw refusalOf(response.status, request.caller);
      }
      return {
        upstreamStatus: response.status,
        contentType: headerValue(response.headers['content-type']),
        contentLength: lengthOf(response.headers['content-length']),
        contentDisposition: headerValue(response.headers['content-disposition']),
        body: response.body,
      };
    },
  };
};

export type AttachmentFetcher = ReturnType<typeof createAttachmentFetcher>;
