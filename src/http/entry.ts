import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import { describeError, type Logger } from '../observability/logger';
import type { Pipeline } from '../pipeline';
import { prefersHtml } from '../pipeline/negotiate';

export interface EntryOptions {
  pipeline: Pipeline;
  /** Probes, metrics and the IDE. */
  app: RequestListener;
  cors: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  /** An IDE is served (GRAPHQL_IDE is not off): a browser's GET of /graphql goes to the express app. */
  ide: boolean;
  logger: Logger;
}

const isGraphqlPath = (url: string | undefined) =>
  url === '/graphql' || (url !== undefined && url.startsWith('/graphql?'));
const isAttachmentsPath = (url: string | undefined) =>
  url === '/attachments' || (url !== undefined && url.startsWith('/attachments?'));

/**
 * The gateway's HTTP handler: every request to /graphql goes to the one pipeline (after CORS
 * when a browser sends it), except a browser opening the page, which gets the IDE (Sandbox or
 * GraphiQL). GET /attachments is the pipeline's too (its download handler). Anything else
 * (GraphiQL's files under /graphql/ide/ among it) is the express app's.
 */
export const createEntry = (options: EntryOptions): RequestListener => {
  const { pipeline, logger } = options;
  const run = (handler: Pipeline['handle'], req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((error: unknown) => {
      // The handlers answer every error themselves; this is the last resort should that fail.
      logger.error({ err: describeError(error) }, 'pipeline failed');
      if (!res.headersSent) res.destroy();
    });
  };
  /** To a pipeline handler, after CORS when a browser sends the request. */
  const toPipeline = (handler: Pipeline['handle'], req: IncomingMessage, res: ServerResponse) => {
    // A request from a server has no Origin: no CORS headers to add, no preflight to answer.
    if (req.headers.origin === undefined && req.method !== 'OPTIONS') return run(handler, req, res);
    options.cors(req, res, () => {
      if (req.method === 'OPTIONS') {
        // A preflight cors() let through (an origin it does not allow) or an OPTIONS without
        // Origin: nothing to run.
        res.writeHead(204, { 'content-length': '0' });
        res.end();
        return;
      }
      run(handler, req, res);
    });
  };
  return (req, res) => {
    if (isAttachmentsPath(req.url)) return toPipeline(pipeline.handleAttachment, req, res);
    if (!isGraphqlPath(req.url)) return options.app(req, res);
    if (
      options.ide &&
      req.method === 'GET' &&
      !req.url?.includes('?') &&
      prefersHtml(req.headers.accept)
    )
      return options.app(req, res);
    toPipeline(pipeline.handle, req, res);
  };
};
