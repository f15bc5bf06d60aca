import type { IncomingMessage } from 'node:http';

import { ErrorCode, GatewayError } from '../errors';
import { readBody, type BodyLimits } from './body';
import { preventCsrf } from './csrf';
import { parseJsonObject } from './jsonBody';

/** One GraphQL request, whichever way it came (GraphQL over HTTP's request parameters). */
export interface OperationRequest {
  query: string | undefined;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  extensions: Record<string, unknown> | undefined;
  /** A trusted document's id (GraphQL over HTTP's persisted documents), instead of `query`. */
  documentId: string | undefined;
}

const JSON_ESSENCE = 'application/json';

const badRequest = (message: string) => new GatewayError(ErrorCode.BadRequest, message);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The four parameters, checked for their types; null counts as absent. */
const toOperationRequest = (params: Record<string, unknown>): OperationRequest => {
  const { query, operationName, variables, extensions, documentId } = params;
  if (query !== undefined && query !== null && typeof query !== 'string')
    throw badRequest('query must be a string');
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    throw badRequest('operationName must be a string or null');
  if (variables !== undefined && variables !== null && !isObject(variables))
    throw badRequest('variables must be an object or null');
  if (extensions !== undefined && extensions !== null && !isObject(extensions))
    throw badRequest('extensions must be an object or null');
  if (documentId !== undefined && documentId !== null && typeof documentId !== 'string')
    throw badRequest('documentId must be a string');
  const persisted = isObject(extensions) ? extensions.persistedQuery : undefined;
  if (
    (query === undefined || query === null) &&
    (persisted === undefined || persisted === null) &&
    (documentId === undefined || documentId === null)
  )
    throw badRequest('Send a GraphQL document as `query`');
  return {
    query: query ?? undefined,
    operationName: operationName ?? undefined,
    variables: variables ?? undefined,
    extensions: extensions ?? undefined,
    documentId: documentId ?? undefined,
  };
};

const checkJsonContentType = (contentType: string | undefined) => {
  if (contentType === 'application/json') return;
  const [essence = '', ...params] = (contentType ?? '').split(';');
  if (essence.trim().toLowerCase() !== JSON_ESSENCE) {
    throw new GatewayError(
      ErrorCode.UnsupportedMediaType,
      'POST /graphql takes Content-Type: application/json',
    );
  }
  for (const param of params) {
    const [name, value] = param.split('=');
    if (
      name?.trim().toLowerCase() === 'charset' &&
      value?.trim().replace(/"/g, '').toLowerCase() !== 'utf-8'
    ) {
      throw new GatewayError(ErrorCode.UnsupportedMediaType, 'The request body must be UTF-8');
    }
  }
};

/** GET parameters: each at most once; variables and extensions as JSON text. */
const fromSearchParams = (url: string): OperationRequest => {
  const search = new URLSearchParams(url.slice(url.indexOf('?') + 1));
  const params: Record<string, unknown> = {};
  for (const name of ['query', 'operationName', 'variables', 'extensions', 'documentId'] as const) {
    const values = search.getAll(name);
    if (values.length > 1) throw badRequest(`${name} must be given once`);
    const [value] = values;
    if (value === undefined) continue;
    if (name === 'variables' || name === 'extensions') {
      try {
        params[name] = JSON.parse(value) as unknown;
      } catch {
        throw badRequest(`${name} must be JSON`);
      }
    } else params[name] = value;
  }
  return toOperationRequest(params);
};

/**
 * Stage 3: the request's method, CSRF rule, content type and body (or URL parameters)
 * turned into one OperationRequest, the same for every entry.
 */
export const readOperationRequest = (
  req: IncomingMessage,
  limits: BodyLimits,
): OperationRequest | Promise<OperationRequest> => {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') {
    throw new GatewayError(
      ErrorCode.MethodNotAllowed,
      '/graphql takes GET and POST',
      {},
      {
        headers: { allow: 'GET, POST' },
      },
    );
  }
  preventCsrf(method, req.headers);
  if (method === 'GET') {
    const url = req.url ?? '';
    return fromSearchParams(url.includes('?') ? url : `${url}?`);
  }
  checkJsonContentType(req.headers['content-type']);
  // A promise only where there is a body to wait for (one async step less on the hot path).
  return readBody(req, limits).then((raw) => {
    if (raw.length === 0) throw badRequest('The request body is empty: send a JSON object');
    return toOperationRequest(parseJsonObject(raw));
  });
};
