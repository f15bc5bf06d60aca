import { randomUUID } from 'node:crypto';

import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';

import type { CallerResolver } from '../callers/resolveCaller';
import { ErrorCode, GatewayError, errorBody, isGatewayError } from '../errors';
import type { GatewayContext } from '../graphql/context';
import type { Passthrough } from '../graphql/passthrough';
import { describeError, type Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { RequestRecorder } from '../observability/requestLog';
import { forwardableHeader, singleHeader } from './headers';
import { health, metricsEndpoint, readiness, type ReadinessChecks } from './probes';

export interface HttpAppOptions {
  apollo: ApolloServer<GatewayContext>;
  passthrough: Passthrough;
  callers: CallerResolver;
  readiness: ReadinessChecks;
  metrics: Metrics;
  logger: Logger;
  corsOrigins: readonly string[];
  maxBodyBytes: number;
  /** Logs a request whose credential is refused before Apollo's plugins run. */
  record?: RequestRecorder;
}

/** The express app: probes, then /graphql (passthrough lane first, Apollo Server behind it). */
export const createHttpApp = (options: HttpAppOptions) => {
  const { logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/health', health);
  app.get('/ready', readiness(options.readiness));
  app.get('/metrics', metricsEndpoint(options.metrics));

  const assignRequestId: RequestHandler = (_req, res, next) => {
    // Always ours, fresh per request (a caller's X-Request-Id is not trusted to be unique); the
    // raw entry may have made it already for a request its lane declined.
    const requestId = (res.locals.requestId as string | undefined) ?? randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    res.setHeader('cache-control', 'no-store');
    next();
  };
  const allowAll = options.corsOrigins.includes('*');
  const corsMiddleware = cors({
    origin: allowAll
      ? true
      : (origin, callback) => callback(null, !origin || options.corsOrigins.includes(origin)),
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-session-id',
      'accept-language',
      'apollo-require-preflight',
      'x-apollo-operation-name',
    ],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  });

  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    const requestId = (res.locals.requestId as string | undefined) ?? randomUUID();
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      res
        .status(413)
        .type('application/json')
        .send(
          errorBody(
            // The limit itself is not quoted: configured limits are not told to callers.
            new GatewayError(ErrorCode.BadRequest, 'The request body is too large'),
            requestId,
          ),
        );
      return;
    }
    if (
      type === 'entity.parse.failed' ||
      type === 'encoding.unsupported' ||
      type === 'charset.unsupported'
    ) {
      res
        .status(400)
        .type('application/json')
        .send(
          errorBody(
            new GatewayError(ErrorCode.BadRequest, 'The request body is not valid JSON'),
            requestId,
          ),
        );
      return;
    }
    next(error);
  };
  const lastResort: ErrorRequestHandler = (error, _req, res, _next) => {
    const requestId = (res.locals.requestId as string | undefined) ?? randomUUID();
    logger.error({ requestId, err: describeError(error) }, 'unhandled error');
    if (res.headersSent) return;
    res
      .status(500)
      .type('application/json')
      .send(
        errorBody(
          new GatewayError(ErrorCode.InternalServerError, 'Internal server error'),
          requestId,
        ),
      );
  };

  app.use(
    '/graphql',
    assignRequestId,
    corsMiddleware,
    express.json({ limit: options.maxBodyBytes, strict: true }),
    bodyErrors,
    options.passthrough.middleware,
    expressMiddleware(options.apollo, {
      context: async ({ req, res }): Promise<GatewayContext> => {
        const started = performance.now();
        let caller;
        try {
          caller = await options.callers.resolve(singleHeader(req.headers, 'authorization'));
        } catch (error) {
          // A refused credential ends the request before Apollo's plugins see it: log it here,
          // so every GraphQL request still has its one line (and its metric).
          const body = req.body as { operationName?: unknown } | undefined;
          options.record?.({
            requestId: res.locals.requestId as string,
            callerKind: 'invalid',
            operationName: typeof body?.operationName === 'string' ? body.operationName : undefined,
            operationType: undefined,
            outcome: 'rejected',
            httpStatus: isGatewayError(error)
              ? (error.extensions.http as { status: number }).status
              : 500,
            upstreamStatus: undefined,
            durationMs: performance.now() - started,
            lane: 'apollo',
            errorCodes: [isGatewayError(error) ? error.code : ErrorCode.InternalServerError],
          });
          // Apollo's plugins never see this request; put the request id on the error here.
          if (isGatewayError(error)) {
            (error.extensions as Record<string, unknown>).requestId = res.locals.requestId;
          }
          throw error;
        }
        return {
          caller,
          requestId: res.locals.requestId as string,
          sessionId: forwardableHeader(req.headers, 'x-session-id'),
          acceptLanguage: forwardableHeader(req.headers, 'accept-language'),
          upstreamStatus: undefined,
        };
      },
    }),
  );
  app.use(lastResort);
  return app;
};
