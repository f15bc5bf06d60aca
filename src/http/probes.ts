import type { ServerResponse } from 'node:http';

import type { Request, Response } from 'express';

import type { Metrics } from '../observability/metrics';
import type { SharedStoreState } from '../tokens/cache/sharedStore';

export interface ReadinessChecks {
  schemaLoaded: () => boolean;
  /** Resolves when a partner token is in hand or was just fetched. */
  partnerToken: () => Promise<unknown>;
  redisState: () => SharedStoreState;
  /** While Redis is degraded: why (the setting to look at), never a secret. */
  redisReason?: () => string | undefined;
  /**
   * `degraded`: the credentials' source could not be read lately; the last good credentials
   * still serve, so the gateway stays ready (a store outage must not pull every replica out).
   */
  credentials: () => 'ok' | 'degraded';
  /** Bound on the whole check. */
  timeoutMs: number;
}

/** `/health`: the process is alive. Never touches SEEK or Redis. */
export const health = (_req: Request, res: Response) => {
  res.setHeader('cache-control', 'no-store');
  res.json({ status: 'ok' });
};

/**
 * `/ready`: can serve. Needs the schema and a partner token; Redis being out, or the
 * credentials' store, only degrades the answer (200, status `degraded`): the in-memory tier
 * and the last good credentials keep serving.
 */
export const readiness = (checks: ReadinessChecks) => async (_req: Request, res: Response) => {
  const schema = checks.schemaLoaded();
  let partnerToken: 'ok' | 'unavailable' = 'unavailable';
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      checks.partnerToken(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), checks.timeoutMs);
      }),
    ]);
    partnerToken = 'ok';
  } catch {
    partnerToken = 'unavailable';
  } finally {
    clearTimeout(timer);
  }
  const redis = checks.redisState();
  const credentials = checks.credentials();
  const ready = schema && partnerToken === 'ok';
  const degraded = redis === 'degraded' || credentials === 'degraded';
  const redisReason = redis === 'degraded' ? checks.redisReason?.() : undefined;
  res.setHeader('cache-control', 'no-store');
  res.status(ready ? 200 : 503).json({
    status: ready ? (degraded ? 'degraded' : 'ready') : 'unavailable',
    checks: {
      schema: schema ? 'ok' : 'loading',
      partnerToken,
      redis,
      ...(redisReason === undefined ? {} : { redisReason }),
      credentials,
    },
  });
};

export const metricsEndpoint = (metrics: Metrics) => async (_req: Request, res: Response) => {
  res.setHeader('content-type', metrics.registry.contentType);
  res.setHeader('cache-control', 'no-store');
  res.send(await metrics.registry.metrics());
};

/** `/ready`, with or without a query string. */
export const isReadinessPath = (url: string | undefined): boolean =>
  url === '/ready' || (url !== undefined && url.startsWith('/ready?'));

/**
 * `/ready` once SIGTERM has arrived: 503 at once, whatever the checks would say, so the
 * replica leaves the load balancer's endpoints while its in-flight requests finish.
 */
export const answerDraining = (res: ServerResponse): void => {
  const body = JSON.stringify({ status: 'draining' });
  res.writeHead(503, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
};
