import type { ApolloServerOptions } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

type DocumentStore = NonNullable<ApolloServerOptions<never>['documentStore']>;

export interface ExecutedDocumentsBounds {
  maxEntries: number;
  /** Characters of the documents' source (their ASTs hold it) and keys. */
  maxChars: number;
}

export const EXECUTED_DOCUMENTS_BOUNDS: ExecutedDocumentsBounds = {
  maxEntries: 500,
  maxChars: 4 * 1_048_576,
};
const OVERHEAD_CHARS = 256;

/**
 * Apollo Server's cache of the documents it executes (browserToken, introspection, mixed
 * operations), so it does not parse and validate the same document again on every request.
 * Apollo's own default estimates a document's size from its AST and leaves out the source text
 * each parsed document keeps; this one counts the source, so a few huge documents cannot pile up
 * past the bound. Apollo keys entries by the schema's hash and the document's, so a new schema
 * starts afresh.
 */
export const createExecutedDocuments = (
  bounds: ExecutedDocumentsBounds = EXECUTED_DOCUMENTS_BOUNDS,
) => {
  const cache = new LRUCache<string, DocumentNode>({
    max: bounds.maxEntries,
    maxSize: bounds.maxChars,
    sizeCalculation: (document, key) =>
      key.length + (document.loc?.source.body.length ?? 0) + OVERHEAD_CHARS,
  });
  const store: DocumentStore = {
    get: (key) => Promise.resolve(cache.get(key)),
    set: (key, document) => {
      cache.set(key, document);
      return Promise.resolve();
    },
    delete: (key) => Promise.resolve(cache.delete(key)),
  };
  return { store, stats: () => ({ entries: cache.size, chars: cache.calculatedSize }) };
};
