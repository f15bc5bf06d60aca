import type { Request, RequestHandler, Response } from 'express';

import { describeError, type Logger } from '../../observability/logger';
import type { IdeAssets } from './assets';

/** Where GraphiQL's files are served; the page is GET /graphql itself. */
export const IDE_ASSET_PATH = '/graphql/ide/';

/**
 * The page and its files load from the gateway only: nothing from a CDN, no inline script or
 * style, no frames, no plugins.
 */
export const IDE_CONTENT_SECURITY_POLICY =
  "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'";

/** Hashed names never change content: a year, and no revalidation. */
const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export interface GraphiqlOptions {
  assets: () => Promise<IdeAssets>;
  /** The headers editor's starting content (the embedded default's service key), as Sandbox gets. */
  headers?: Record<string, string>;
  /** The query editor's starting document, as Sandbox gets. */
  document?: string;
  logger: Logger;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

/** JSON inside <script type="application/json">: `<` escaped so no `</script>` can end it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export const graphiqlHtml = (
  assets: IdeAssets,
  options: Pick<GraphiqlOptions, 'headers' | 'document'>,
) =>
  [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>GraphiQL · seek-gateway</title>',
    `<link rel="stylesheet" href="${IDE_ASSET_PATH}${escapeHtml(assets.stylesheet)}">`,
    `<script type="application/json" id="graphiql-options">${scriptJson({
      headers: options.headers ? JSON.stringify(options.headers, null, 2) : undefined,
      document: options.document,
    })}</script>`,
    `<script defer src="${IDE_ASSET_PATH}${escapeHtml(assets.script)}"></script>`,
    '</head>',
    '<body>',
    '<div id="graphiql">Loading GraphiQL…</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');

/** GraphiQL on GET /graphql (a browser opening it) and its files under /graphql/ide/. */
export const createGraphiqlRoutes = (options: GraphiqlOptions) => {
  const { logger } = options;
  let reported = false;
  const unavailable = (res: Response, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (!reported) {
      reported = true;
      logger.error({ err: describeError(error) }, 'GraphiQL cannot be served');
    }
    res.status(503).type('text/plain').setHeader('cache-control', 'no-store');
    res.send(`${message}\n`);
  };

  const page: RequestHandler = (_req: Request, res: Response) => {
    options.assets().then(
      (assets) => {
        res.setHeader('content-security-policy', IDE_CONTENT_SECURITY_POLICY);
        res.setHeader('x-content-type-options', 'nosniff');
        res.setHeader('referrer-policy', 'no-referrer');
        // The page may hold a development key, and names this build's files.
        res.setHeader('cache-control', 'no-store');
        res.type('html').send(graphiqlHtml(assets, options));
      },
      (error: unknown) => unavailable(res, error),
    );
  };

  const asset: RequestHandler = (req: Request, res: Response) => {
    const name = String(req.params.name);
    options.assets().then(
      (assets) => {
        const file = assets.files.get(name);
        res.setHeader('x-content-type-options', 'nosniff');
        if (!file) {
          res.status(404).type('text/plain').setHeader('cache-control', 'no-store');
          res.send('Not found\n');
          return;
        }
        res.setHeader('content-type', file.contentType);
        res.setHeader('cache-control', ASSET_CACHE_CONTROL);
        res.setHeader('content-security-policy', IDE_CONTENT_SECURITY_POLICY);
        res.send(file.body);
      },
      (error: unknown) => unavailable(res, error),
    );
  };

  return { page, asset };
};
