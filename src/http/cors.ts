import type { IncomingMessage, ServerResponse } from 'node:http';

import cors from 'cors';

/** CORS for /graphql: the origins of CORS_ORIGINS (or any, with `*`), preflights answered. */
export const createCors = (origins: readonly string[]) => {
  const allowAll = origins.includes('*');
  const middleware = cors({
    origin: allowAll
      ? true
      : (origin, callback) => callback(null, !origin || origins.includes(origin)),
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
  /** Applies CORS, then calls `next` unless it answered the request (a preflight). */
  return (req: IncomingMessage, res: ServerResponse, next: () => void) =>
    middleware(req, res, (error?: unknown) => {
      if (error) {
        res.destroy();
        return;
      }
      next();
    });
};
