import type { RequestListener } from 'node:http';

import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler } from 'express';

import type { GatewayContext } from '../graphql/context';
import { describeError, type Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { health, metricsEndpoint, readiness, type ReadinessChecks } from './probes';

export interface HttpAppOptions {
  apollo: ApolloServer<GatewayContext>;
  readiness: ReadinessChecks;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The express app: probes, metrics and the Sandbox landing page. GraphQL requests never come
 * here: the entry (entry.ts) hands them to the pipeline.
 */
export const createHttpApp = (options: HttpAppOptions) => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // `/graphql/` and `/GRAPHQL` are not `/graphql`: only the exact path is the pipeline's (entry.ts)
  // or, for a browser opening it, Sandbox's; the others are 404 here.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.get('/health', health);
  app.get('/ready', readiness(options.readiness));
  app.get('/metrics', metricsEndpoint(options.metrics));
  // Only a browser's GET of /graphql arrives here (entry.ts): Apollo answers with Sandbox.
  app.get(
    '/graphql',
    // Apollo's express integration insists on a parsed body; a GET has none.
    (req, _res, next) => {
      (req as { body?: unknown }).body ??= undefined;
      next();
    },
    expressMiddleware(options.apollo, {
      context: () => Promise.reject(new Error('GraphQL requests go through the pipeline')),
    }),
  );

  const lastResort: ErrorRequestHandler = (error, _req, res, _next) => {
    options.logger.error({ err: describeError(error) }, 'unhandled error');
    if (res.headersSent) return;
    res.status(500).json({ errors: [{ message: 'Internal server error' }] });
  };
  app.use(lastResort);
  return app;
};

const NOT_FOUND = JSON.stringify({ errors: [{ message: 'Not found' }] });

/**
 * The METRICS_PORT listener's handler: `/metrics` and `/ready` of the gateway's own app (the
 * same registry, the same checks), nothing else; the port a Service does not publish, where
 * Prometheus scrapes and the kubelet probes readiness.
 */
export const createMetricsListener =
  (app: RequestListener): RequestListener =>
  (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (
      (req.method === 'GET' || req.method === 'HEAD') &&
      (path === '/metrics' || path === '/ready')
    )
      return app(req, res);
    res.writeHead(404, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(NOT_FOUND),
      'cache-control': 'no-store',
    });
    res.end(NOT_FOUND);
  };
