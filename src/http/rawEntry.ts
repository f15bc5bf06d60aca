import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import { ErrorCode, GatewayError, errorBody } from '../errors';
import type { Passthrough } from '../graphql/passthrough';
import { describeError, type Logger } from '../observability/logger';

export interface RawEntryOptions {
  /** The express app that answers everything this entry does not. */
  app: RequestListener;
  passthrough: Passthrough;
  maxBodyBytes: number;
  logger: Logger;
}

const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/** Marks the body as parsed, so express.json() (body-parser) does not read the stream again. */
interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  _body?: boolean;
}

/**
 * The gateway's HTTP entry. A JSON POST to /graphql from a server (no Origin header, so no
 * CORS to answer) is read and parsed here, and the passthrough lane serves it if it can,
 * without express's router and body parser. Everything else, and anything the lane declines,
 * goes to the express app with the parsed body attached.
 */
export const createRawEntry = (options: RawEntryOptions): RequestListener => {
  const { app, passthrough, logger } = options;

  const reject = (res: ServerResponse, status: number, message: string, requestId: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(errorBody(new GatewayError(ErrorCode.BadRequest, message), requestId));
  };

  return (req: ParsedRequest, res) => {
    if (
      req.method !== 'POST' ||
      req.url !== '/graphql' ||
      req.headers.origin !== undefined ||
      !JSON_TYPE.test(req.headers['content-type'] ?? '') ||
      req.headers['content-encoding'] !== undefined
    ) {
      app(req, res);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    const requestId = randomUUID();
    // Set before any early answer (the 413 below), as express's lane does for all of them.
    res.setHeader('x-request-id', requestId);
    res.setHeader('cache-control', 'no-store');
    if (declared > options.maxBodyBytes) {
      res.setHeader('connection', 'close');
      reject(res, 413, 'The request body is too large', requestId);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size <= options.maxBodyBytes) {
        chunks.push(chunk);
        return;
      }
      // Answer at once and close: a chunked body past the limit is not worth reading further.
      tooLarge = true;
      chunks.length = 0;
      res.setHeader('connection', 'close');
      reject(res, 413, 'The request body is too large', requestId);
      req.unpipe();
      res.once('finish', () => req.destroy());
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) return;
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        reject(res, 400, 'The request body is not valid JSON', requestId);
        return;
      }
      req.body = body;
      req._body = true;
      passthrough.tryServe(req, res, body, requestId, raw).then(
        (served) => {
          if (served) return;
          // Express keeps res.locals it finds: the request keeps the id it was answered under.
          (res as ServerResponse & { locals?: Record<string, unknown> }).locals = { requestId };
          app(req, res);
        },
        (error: unknown) => {
          logger.error({ requestId, err: describeError(error) }, 'unhandled error');
          if (res.headersSent) return;
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(
            errorBody(
              new GatewayError(ErrorCode.InternalServerError, 'Internal server error'),
              requestId,
            ),
          );
        },
      );
    });
  };
};
