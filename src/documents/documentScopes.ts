import { ErrorCode, GatewayError } from '../errors';
import { normaliseDocumentId } from './manifest';
import type { TrustedDocument } from './trustedDocuments';

/** The part of the manifest `browserToken(documents:)` reads. */
export interface TrustedDocumentLookup {
  get(id: string): TrustedDocument | undefined;
}

/** A frontend asks for the documents of one page or flow: a few, never hundreds. */
export const MAX_TOKEN_DOCUMENTS = 64;

const badDocuments = (message: string) =>
  new GatewayError(ErrorCode.BadUserInput, message, { argument: 'documents' });

const label = (index: number, document: TrustedDocument) =>
  `documents[${index}] (${document.name ?? document.id})`;

/**
 * The union of the scopes the named trusted documents need, space-separated (the resolver
 * normalises it and holds it to BROWSER_TOKEN_SCOPES): exactly what running them takes, never
 * more. An id the manifest does not hold is PERSISTED_QUERY_NOT_IN_LIST, as it is when a request
 * names it; a document no browser token may run, or one that no longer validates, is
 * BAD_USER_INPUT. The caller's ids are not quoted back: they may be anything.
 */
export const scopeOfDocuments = (
  ids: readonly string[],
  trusted: TrustedDocumentLookup | undefined,
): string => {
  if (!trusted)
    throw badDocuments(
      'documents names trusted documents, and this gateway has none (PERSISTED_DOCUMENTS_FILE): pass scope',
    );
  if (ids.length === 0 || ids.length > MAX_TOKEN_DOCUMENTS)
    throw badDocuments(`documents must list 1-${MAX_TOKEN_DOCUMENTS} ids of trusted documents`);
  const scopes = new Set<string>();
  ids.forEach((id, index) => {
    const document = trusted.get(normaliseDocumentId(id));
    if (!document)
      throw new GatewayError(
        ErrorCode.PersistedQueryNotInList,
        `documents[${index}] is not in the list of trusted documents`,
        { argument: 'documents' },
      );
    const { access } = document;
    if (!access)
      throw badDocuments(`${label(index, document)} does not validate against SEEK's schema`);
    if (access.unscopedFields.length > 0)
      throw badDocuments(
        `${label(index, document)} uses ${access.unscopedFields.join(', ')}, which no browser token may use`,
      );
    for (const scope of access.scopes) scopes.add(scope);
  });
  if (scopes.size === 0) throw badDocuments('The documents need no browser-token scope');
  return [...scopes].join(' ');
};
