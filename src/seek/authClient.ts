import { randomUUID } from 'node:crypto';

import { sleep } from '../clock';
import { sameCredentials, type CredentialProvider, type SeekCredentials } from '../credentials';
import { ErrorCode, GatewayError } from '../errors';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { FetchedToken } from '../tokens/cachedTokenSource';
import { UpstreamFailure, type HttpClient } from './httpClient';
import { parseJson, tokenResponseSchema } from './tokenResponse';

export interface AuthClientOptions {
  http: HttpClient;
  authUrl: string;
  audience: string;
  /**
   * The client credentials in use; re-read once after a 401/403, and the exchange retried once
   * when that brought different ones, so a rotated secret is picked up without a restart.
   */
  credentials: Pick<CredentialProvider, 'current' | 'refresh' | 'source'>;
  userAgent: string;
  /** Bound on one whole exchange, retries included. */
  timeoutMs: number;
  logger: Logger;
  metrics: Metrics;
}

const MAX_ATTEMPTS = 3;

/**
 * The OAuth client-credentials exchange with auth.seek.com. Timeouts, 5xx, 429 and malformed
 * bodies are retried with backoff inside the bound; 401/403 means the credentials are wrong.
 */
export const createAuthClient = (options: AuthClientOptions) => {
  const { http, logger, metrics, credentials } = options;
  const fail = (reason: string, code: ErrorCode, message: string) => {
    metrics.tokenFetchFailures.inc({ kind: 'partner', reason });
    return new GatewayError(code, message);
  };

  const attempt = async (
    timeoutMs: number,
  ): Promise<FetchedToken | { retry: string } | { rejected: number; used: SeekCredentials }> => {
    const started = performance.now();
    let status = 'error';
    const used = credentials.current();
    try {
      const response = await http.post(options.authUrl, {
        headers: {
          'content-type': 'application/json',
          'user-agent': options.userAgent,
          // Each exchange has an id of its own: SEEK's support can find the call by it.
          'x-request-id': randomUUID(),
        },
        body: JSON.stringify({
          audience: options.audience,
          client_id: used.clientId,
          client_secret: used.clientSecret,
          grant_type: 'client_credentials',
        }),
        timeoutMs,
        target: 'auth',
      });
      status = String(response.status);
      if (response.status === 401 || response.status === 403) {
        return { rejected: response.status, used };
      }
      if (response.status !== 200) return { retry: `HTTP ${response.status}` };
      const parsed = tokenResponseSchema.safeParse(parseJson(response.body));
      if (!parsed.success) return { retry: 'a malformed token response' };
      return {
        accessToken: parsed.data.access_token,
        tokenType: 'Bearer',
        expiresInSeconds: parsed.data.expires_in,
      };
    } catch (error) {
      if (error instanceof UpstreamFailure) {
        status = error.kind;
        return { retry: error.kind === 'timeout' ? 'a timeout' : 'a connection failure' };
      }
      throw error;
    } finally {
      metrics.upstreamSeconds.observe(
        { target: 'auth', status },
        (performance.now() - started) / 1_000,
      );
    }
  };

  return {
    /** Exchanges the client credentials for a partner token. */
    async fetchPartnerToken(): Promise<FetchedToken> {
      const deadline = performance.now() + options.timeoutMs;
      let lastProblem = 'no attempt';
      let reread = false;
      for (let attemptNumber = 1; attemptNumber <= MAX_ATTEMPTS + 1; attemptNumber += 1) {
        const remaining = deadline - performance.now();
        if (remaining <= 0) break;
        // Early attempts get part of the budget so a hung connection still leaves room to retry.
        const result = await attempt(
          attemptNumber < MAX_ATTEMPTS ? Math.max(remaining * 0.6, 1) : remaining,
        );
        if ('accessToken' in result) return result;
        if ('rejected' in result) {
          // Rotated? Read the source again (bounded by what is left of this exchange's budget)
          // and retry once if that brought other credentials than the ones just refused.
          if (!reread) {
            reread = true;
            await credentials.refresh('rejected', {
              waitMs: Math.max(0, deadline - performance.now()),
            });
            if (!sameCredentials(credentials.current(), result.used)) {
              logger.info('retrying the partner token exchange with re-read SEEK credentials');
              continue;
            }
          }
          throw fail(
            'rejected',
            ErrorCode.SeekAuthRejected,
            `SEEK's auth server rejected the gateway's client credentials (HTTP ${result.rejected}); check ${credentials.source.whatToCheck}`,
          );
        }
        lastProblem = result.retry;
        logger.warn(
          { attempt: attemptNumber, problem: lastProblem },
          'partner token exchange failed; retrying',
        );
        if (attemptNumber >= MAX_ATTEMPTS) break;
        const backoff = 100 * 2 ** (attemptNumber - 1) + Math.random() * 100;
        if (deadline - performance.now() <= backoff) break;
        await sleep(backoff);
      }
      const reason =
        lastProblem === 'a timeout'
          ? 'timeout'
          : lastProblem.startsWith('a malformed')
            ? 'bad_response'
            : 'unavailable';
      throw fail(
        reason,
        ErrorCode.SeekAuthUnavailable,
        `Could not obtain a SEEK partner token: SEEK's auth server answered with ${lastProblem}`,
      );
    },
  };
};

export type AuthClient = ReturnType<typeof createAuthClient>;
