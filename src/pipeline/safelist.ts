import type { Caller } from '../callers/caller';
import type { SafelistedCallerKind } from '../config/groups/documents';

/** PERSISTED_DOCUMENTS_REQUIRED's names for the caller kinds (anonymous has none). */
const SAFELIST_KIND: Record<Caller['kind'], SafelistedCallerKind | undefined> = {
  service: 'service',
  user: 'user',
  'seek-token': 'browser',
  // No credential: SEEK answers UNAUTHENTICATED to anything but the gateway's own fields.
  anonymous: undefined,
};

/** The safelisting rule, in one place: this caller may run the manifest's documents only. */
export const mustSendDocumentIds = (
  required: ReadonlySet<SafelistedCallerKind>,
  caller: Caller,
): boolean => {
  if (required.size === 0) return false;
  const kind = SAFELIST_KIND[caller.kind];
  return kind !== undefined && required.has(kind);
};

/**
 * When an automatic persisted query may be registered: once it validated, for a caller the
 * gateway itself verified (a service key, a user JWT); once SEEK answered without
 * UNAUTHENTICATED, for a browser token (which only SEEK can judge); never without a
 * credential, so an anonymous flood cannot fill the cache or the Redis that holds the tokens.
 */
export const registrationOf = (caller: Caller): 'validated' | 'seek-accepted' | undefined => {
  switch (caller.kind) {
    case 'service':
    case 'user':
      return 'validated';
    case 'seek-token':
      return 'seek-accepted';
    case 'anonymous':
      return undefined;
  }
};
