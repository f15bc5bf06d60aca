import { createHash, randomUUID } from 'node:crypto';

import { z } from 'zod';

import type { Clock } from '../clock';
import { ErrorCode, GatewayError } from '../errors';
import { scrubSecrets, type Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { parseJson, tokenResponseSchema } from '../seek/tokenResponse';
import { UpstreamFailure, upstreamFailureError, type HttpClient } from '../seek/httpClient';
import type { CachedTokenSource, FetchedToken } from './cachedTokenSource';
import type { PartnerTokenSource } from './partnerToken';

export interface BrowserTokenRequest {
  hirerId: string;
  /** Already normalised: unique scopes, sorted, space-separated. */
  scope: string;
  userId: string;
}

export interface BrowserToken {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  expiresAt: string;
  hirerId: string;
  scope: string;
}

const seekErrorSchema = z.object({
  errors: z.array(z.object({ message: z.string() })).min(1),
});

export interface BrowserTokenServiceOptions {
  cache: CachedTokenSource;
  partnerTokens: PartnerTokenSource;
  http: HttpClient;
  browserTokenUrl: string;
  userAgent: string;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Exchanges the partner token for browser tokens (POST graphql.seek.com/auth/token) and caches
 * them per hirer, scope and user. Who may ask for which hirer is decided by the caller of
 * `exchange`, before SEEK is asked.
 */
export const createBrowserTokenService = (options: BrowserTokenServiceOptions) => {
  const { http, metrics, partnerTokens } = options;

  const post = async (request: BrowserTokenRequest, partnerToken: string) => {
    const started = performance.now();
    let status = 'error';
    try {
      const response = await http.post(options.browserTokenUrl, {
        headers: {
          authorization: `Bearer ${partnerToken}`,
          'content-type': 'application/json',
          'user-agent': options.userAgent,
          // Each exchange has an id of its own: SEEK's support can find the call by it.
          'x-request-id': randomUUID(),
        },
        body: JSON.stringify(request),
        timeoutMs: options.timeoutMs,
        target: 'browser_token',
      });
      status = String(response.status);
      return response;
    } catch (error) {
      if (error instanceof UpstreamFailure) {
        status = error.kind;
        metrics.tokenFetchFailures.inc({
          kind: 'browser',
          reason: error.kind === 'timeout' ? 'timeout' : 'unavailable',
        });
        throw upstreamFailureError(error, options.timeoutMs, ' for a browser token');
      }
      throw error;
    } finally {
      metrics.upstreamSeconds.observe(
        { target: 'browser_token', status },
        (performance.now() - started) / 1_000,
      );
    }
  };

  const fetchFromSeek = async (request: BrowserTokenRequest): Promise<FetchedToken> => {
    let partner = await partnerTokens.get();
    let response = await post(request, partner.accessToken);
    if (response.status === 401) {
      // The partner token expired or was revoked early: one fresh token, one retry.
      await partnerTokens.invalidate(partner.accessToken);
      partner = await partnerTokens.get();
      response = await post(request, partner.accessToken);
    }
    const body = parseJson(response.body);
    if (response.status === 200) {
      const parsed = tokenResponseSchema.safeParse(body);
      if (parsed.success) {
        return {
          accessToken: parsed.data.access_token,
          tokenType: 'Bearer',
          expiresInSeconds: parsed.data.expires_in,
        };
      }
      metrics.tokenFetchFailures.inc({ kind: 'browser', reason: 'bad_response' });
      throw new GatewayError(
        ErrorCode.SeekBadResponse,
        'SEEK answered the browser token request with a malformed body',
      );
    }
    const seekMessage = seekErrorSchema.safeParse(body);
    const detail = seekMessage.success
      ? `: ${scrubSecrets(seekMessage.data.errors[0]?.message ?? '').slice(0, 200)}`
      : '';
    metrics.tokenFetchFailures.inc({
      kind: 'browser',
      reason: response.status >= 500 ? 'unavailable' : 'rejected',
    });
    if (response.status === 403) {
      throw new GatewayError(
        ErrorCode.Forbidden,
        `SEEK refused a browser token for this hirer (HTTP 403)${detail}`,
      );
    }
    if (response.status === 401) {
      throw new GatewayError(
        ErrorCode.SeekAuthRejected,
        'SEEK rejected the partner token twice for a browser token (HTTP 401)',
      );
    }
    if (response.status >= 500 || response.status === 429) {
      throw new GatewayError(
        ErrorCode.SeekUnavailable,
        `SEEK failed the browser token request (HTTP ${response.status})`,
      );
    }
    throw new GatewayError(
      ErrorCode.SeekRejected,
      `SEEK rejected the browser token request (HTTP ${response.status})${detail}`,
    );
  };

  return {
    /**
     * A browser token for this hirer, scope and user: the cached one, or a new exchange with
     * SEEK. `forceRefresh` skips the cache: a new exchange whose token replaces the cached one.
     */
    async exchange(
      request: BrowserTokenRequest,
      exchangeOptions: { forceRefresh?: boolean } = {},
    ): Promise<BrowserToken> {
      const cacheKey = createHash('sha256')
        .update(`${request.hirerId}\n${request.scope}\n${request.userId}`)
        .digest('base64url');
      const fetch = () => fetchFromSeek(request);
      const record = exchangeOptions.forceRefresh
        ? await options.cache.refresh(cacheKey, fetch)
        : await options.cache.get(cacheKey, fetch);
      const now = options.clock.now();
      return {
        accessToken: record.accessToken,
        tokenType: record.tokenType,
        expiresIn: Math.max(0, Math.floor((record.expiresAt - now) / 1_000)),
        expiresAt: new Date(record.expiresAt).toISOString(),
        hirerId: request.hirerId,
        scope: request.scope,
      };
    },
    /**
     * SEEK answered UNAUTHENTICATED to this browser token as a whole (the pipeline saw it pass
     * through): drop it from the cache, in memory and in Redis, so the next `exchange` for its
     * hirer, scope and user gets a new one. Unknown tokens (never cached here) are ignored.
     */
    forget(accessToken: string): Promise<void> {
      return options.cache.forget(accessToken);
    },
  };
};

export type BrowserTokenService = ReturnType<typeof createBrowserTokenService>;
