import type { IncomingHttpHeaders } from 'node:http';

import { ErrorCode, GatewayError } from '../errors';

/** Content types a browser may send cross-origin without a CORS preflight. */
const SIMPLE_CONTENT_TYPES = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);
/** Headers that force a preflight, as Apollo Server's CSRF prevention accepts them. */
const PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'] as const;

/**
 * CSRF prevention (Apollo Server's rule, for every entry): a request a browser could send
 * from any site without a preflight (a GET, or a POST with a "simple" content type) must
 * carry a header that forces one. JSON POSTs are preflighted by browsers and pass.
 */
export const preventCsrf = (method: string, headers: IncomingHttpHeaders): void => {
  const contentType = headers['content-type'];
  // The common case first, without splitting the header.
  if (contentType === 'application/json') return;
  if (contentType !== undefined) {
    const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (essence !== '' && !SIMPLE_CONTENT_TYPES.has(essence)) return;
  }
  for (const name of PREFLIGHT_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value.length > 0) return;
  }
  throw new GatewayError(
    ErrorCode.BadRequest,
    method === 'GET'
      ? 'This GET request has been blocked as a potential cross-site request forgery (CSRF): add the header `apollo-require-preflight: true` (or a non-empty `x-apollo-operation-name`), or send the query by POST with Content-Type: application/json'
      : 'This request has been blocked as a potential cross-site request forgery (CSRF): send it with Content-Type: application/json, or with a non-empty `apollo-require-preflight` or `x-apollo-operation-name` header',
  );
};
