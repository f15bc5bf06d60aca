import type { Caller } from '../callers/caller';
import type { SafelistedCallerKind } from '../config/groups/documents';
import type { ApqStore } from '../documents/apqStore';
import { normaliseDocumentId, sha256Hex } from '../documents/manifest';
import type { TrustedDocuments } from '../documents/trustedDocuments';
import { ErrorCode, GatewayError } from '../errors';
import type { PreparedDocument } from './documents';
import type { OperationRequest } from './operationRequest';
import { mustSendDocumentIds, registrationOf } from './safelist';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Where a request's document came from: its own text, APQ, or the manifest. */
export type DocumentSource = 'text' | 'apq' | 'manifest';

export interface ResolvedDocument {
  query: string;
  source: DocumentSource;
  /** A manifest document's verdict, prepared at load: no parse and no validation now. */
  prepared?: PreparedDocument;
  /** Stores an APQ document, `when` the caller has been accepted (see registrationOf). */
  register?: { when: 'validated' | 'seek-accepted'; run: () => void };
}

export interface PersistedQueriesOptions {
  /** The manifest (PERSISTED_DOCUMENTS_FILE), when one is configured. */
  trusted?: TrustedDocuments;
  apq: ApqStore;
  /** PERSISTED_DOCUMENTS_REQUIRED. */
  required: ReadonlySet<SafelistedCallerKind>;
}

const badRequest = (message: string) => new GatewayError(ErrorCode.BadRequest, message);
const notInList = () =>
  new GatewayError(
    ErrorCode.PersistedQueryNotInList,
    'The document id is not in the list of trusted documents',
  );

/** The hash of `extensions.persistedQuery`, checked for Apollo's protocol (version 1). */
const hashOf = (persisted: unknown): string => {
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1) throw badRequest('Only persisted query version 1 is supported');
  if (typeof sha256Hash !== 'string' || !SHA256_HEX.test(sha256Hash))
    throw badRequest('persistedQuery.sha256Hash must be 64 lowercase hex characters');
  return sha256Hash;
};

/**
 * Stage 5's first step: the document a request runs. Its own text; a trusted document by
 * `documentId` or by `extensions.persistedQuery.sha256Hash` (the manifest's verdict comes with
 * it); or an automatic persisted query (memory, then Redis). Safelisting is decided here, for
 * every entry alike: a caller held to the manifest gets PERSISTED_QUERY_ID_REQUIRED for text and
 * PERSISTED_QUERY_NOT_IN_LIST for any other id (never PERSISTED_QUERY_NOT_FOUND, which would
 * invite it to register). A request without an id costs one property read more than before.
 */
export const createPersistedQueries = (options: PersistedQueriesOptions) => {
  const { trusted, apq, required } = options;

  const fromApq = (
    hash: string,
    request: OperationRequest,
    caller: Caller,
  ): ResolvedDocument | Promise<ResolvedDocument> => {
    if (request.query === undefined) {
      const known = apq.get(hash);
      const found = (document: string | undefined): ResolvedDocument => {
        if (document === undefined)
          throw new GatewayError(ErrorCode.PersistedQueryNotFound, 'PersistedQueryNotFound');
        return { query: document, source: 'apq' };
      };
      return known instanceof Promise ? known.then(found) : found(known);
    }
    const query = request.query;
    if (sha256Hex(query) !== hash) throw badRequest('provided sha does not match query');
    const when = registrationOf(caller);
    return {
      query,
      source: 'apq',
      ...(when ? { register: { when, run: () => apq.register(hash, query, caller) } } : {}),
    };
  };

  const documentOf = (
    request: OperationRequest,
    caller: Caller,
  ): ResolvedDocument | Promise<ResolvedDocument> => {
    const persisted = request.extensions?.persistedQuery;
    const { documentId } = request;
    if (documentId === undefined && (persisted === undefined || persisted === null)) {
      if (request.query === undefined) throw badRequest('Send a GraphQL document as `query`');
      if (mustSendDocumentIds(required, caller))
        throw new GatewayError(
          ErrorCode.PersistedQueryIdRequired,
          'Send the id of a trusted document (documentId or extensions.persistedQuery), not its text',
        );
      return { query: request.query, source: 'text' };
    }
    if (documentId !== undefined && persisted !== undefined && persisted !== null)
      throw badRequest('Send documentId or extensions.persistedQuery, not both');
    const id = documentId !== undefined ? normaliseDocumentId(documentId) : hashOf(persisted);
    const document = trusted?.get(id);
    if (document) {
      if (request.query !== undefined && request.query !== document.body)
        throw badRequest('The query is not the document its id names');
      return { query: document.body, source: 'manifest', prepared: document.prepared };
    }
    // documentId names trusted documents only; a hash may be an APQ one, for those allowed.
    if (documentId !== undefined || mustSendDocumentIds(required, caller)) throw notInList();
    return fromApq(id, request, caller);
  };

  return { documentOf };
};

export type PersistedQueries = ReturnType<typeof createPersistedQueries>;
