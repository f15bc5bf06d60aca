import type { AuthClient } from '../seek/authClient';
import type { CachedTokenSource, TokenRecord } from './cachedTokenSource';

/** There is one partner token per client ID and SEEK environment; the prefix already says which. */
const PARTNER_CACHE_KEY = 'current';

export interface PartnerTokenSource {
  get(): Promise<TokenRecord>;
  /** SEEK said UNAUTHENTICATED to this token: drop it so the next get() fetches a new one. */
  invalidate(rejectedAccessToken: string): Promise<void>;
}

export const createPartnerTokenSource = (options: {
  cache: CachedTokenSource;
  authClient: AuthClient;
}): PartnerTokenSource => {
  const fetch = () => options.authClient.fetchPartnerToken();
  return {
    get: () => options.cache.get(PARTNER_CACHE_KEY, fetch),
    invalidate: (rejected) => options.cache.invalidate(PARTNER_CACHE_KEY, rejected),
  };
};
