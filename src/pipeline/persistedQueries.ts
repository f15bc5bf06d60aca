import { createHash } from 'node:crypto';

import { LRUCache } from 'lru-cache';

import { ErrorCode, GatewayError } from '../errors';
import type { OperationRequest } from './operationRequest';

export interface PersistedQueryBounds {
  /** @default 2000 */
  maxEntries?: number;
  /** Characters of documents held in all. @default 8 MiB */
  maxChars?: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Automatic persisted queries (Apollo's APQ protocol), per replica and bounded in entries
 * and characters: a request may name its document by `extensions.persistedQuery.sha256Hash`
 * once the gateway has seen it with the document. An unknown hash answers
 * PERSISTED_QUERY_NOT_FOUND, which tells the client to send the document again.
 */
export const createPersistedQueries = (bounds: PersistedQueryBounds = {}) => {
  const documents = new LRUCache<string, string>({
    max: bounds.maxEntries ?? 2_000,
    maxSize: bounds.maxChars ?? 8 * 1_048_576,
    sizeCalculation: (document) => document.length + 64,
  });

  /**
   * The document the request runs: its own query, or the one its hash names. `register`
   * stores a new hash once the document has validated (never a document that cannot run).
   */
  const documentOf = (request: OperationRequest): { query: string; register?: () => void } => {
    const persisted = request.extensions?.persistedQuery;
    if (persisted === undefined || persisted === null) {
      if (request.query === undefined)
        throw new GatewayError(ErrorCode.BadRequest, 'Send a GraphQL document as `query`');
      return { query: request.query };
    }
    const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
    if (version !== 1)
      throw new GatewayError(ErrorCode.BadRequest, 'Only persisted query version 1 is supported');
    if (typeof sha256Hash !== 'string' || !SHA256_HEX.test(sha256Hash))
      throw new GatewayError(
        ErrorCode.BadRequest,
        'persistedQuery.sha256Hash must be 64 lowercase hex characters',
      );
    if (request.query === undefined) {
      const known = documents.get(sha256Hash);
      if (known === undefined)
        throw new GatewayError(ErrorCode.PersistedQueryNotFound, 'PersistedQueryNotFound');
      return { query: known };
    }
    if (createHash('sha256').update(request.query).digest('hex') !== sha256Hash)
      throw new GatewayError(ErrorCode.BadRequest, 'provided sha does not match query');
    const query = request.query;
    return { query, register: () => void documents.set(sha256Hash, query) };
  };

  return { documentOf };
};

export type PersistedQueries = ReturnType<typeof createPersistedQueries>;
