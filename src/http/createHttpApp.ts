import type { RequestListener } from 'node:http';

import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler } from 'express';

import type { GraphqlIde } from '../config/groups/graphql';
import { STARTER_DOCUMENT } from '../graphql/apolloServer';
import type { GatewayContext } from '../graphql/context';
import { describeError, type Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { ideAssetSource, type IdeAssets } from './ide/assets';
import { createGraphiqlRoutes, IDE_ASSET_PATH } from './ide/graphiqlPage';
import { health, metricsEndpoint, readiness, type ReadinessChecks } from './probes';

export interface HttpAppOptions {
  apollo: ApolloServer<GatewayContext>;
  readiness: ReadinessChecks;
  metrics: Metrics;
  logger: Logger;
  /** The IDE a browser opening /graphql gets (GRAPHQL_IDE). */
  ide: GraphqlIde;
  /**
   * Headers the IDE starts with (the embedded default's development key); with them, the IDE
   * also starts with a document that answers at once.
   */
  ideHeaders?: Record<string, string>;
  /** Where GraphiQL's files come from. @default built from source, or read from dist/ide/ */
  ideAssets?: () => Promise<IdeAssets>;
}

/**
 * The express app: probes, metrics and the IDE (Apollo Sandbox's landing page, or GraphiQL and
 * its files). GraphQL requests never come here: the entry (entry.ts) hands them to the pipeline.
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
  // Only a browser's GET of /graphql arrives here (entry.ts), when an IDE is on.
  if (options.ide === 'graphiql') {
    const graphiql = createGraphiqlRoutes({
      assets: options.ideAssets ?? ideAssetSource(),
      headers: options.ideHeaders,
      document: options.ideHeaders ? STARTER_DOCUMENT : undefined,
      logger: options.logger,
    });
    app.get('/graphql', graphiql.page);
    app.get(`${IDE_ASSET_PATH}:name`, graphiql.asset);
  } else if (options.ide === 'sandbox') {
    // Apollo answers with Sandbox.
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
  }

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
