import { LRUCache } from 'lru-cache';

import type { VerifiedUser } from './userJwt';

/** Bounds of the cache of verified user JWTs: entries, characters held, and a lifetime cap. */
export const VERIFIED_USERS_MAX_ENTRIES = 10_000;
export const VERIFIED_USERS_MAX_CHARS = 16 * 1024 * 1024;
/** A longer token is verified every time rather than held. */
export const VERIFIED_USERS_MAX_TOKEN_CHARS = 8 * 1024;
/**
 * However far away a token's `exp` is, it is verified again after this long: a signing key
 * withdrawn from the JWKS stops being trusted within this bound.
 */
export const VERIFIED_USERS_MAX_TTL_MS = 10 * 60_000;

const sizeOf = (user: VerifiedUser, token: string) =>
  token.length + user.userId.length + user.hirerIds.reduce((sum, id) => sum + id.length + 8, 64);

/**
 * User JWTs that passed verification, so the same token is not verified again on every
 * request (a signature check costs tens of microseconds, more with RS256/ES256). An entry lives
 * until the token's `exp` (at most VERIFIED_USERS_MAX_TTL_MS); refusals are never cached. The
 * key is the token itself, held only in this process's memory, like the request that carried it.
 */
export const createVerifiedUsers = (now: () => number = Date.now) => {
  const cache = new LRUCache<string, VerifiedUser>({
    max: VERIFIED_USERS_MAX_ENTRIES,
    maxSize: VERIFIED_USERS_MAX_CHARS,
    sizeCalculation: sizeOf,
    // Expiry by the same clock the TTLs are computed from (tests move it).
    perf: { now },
    ttlResolution: 0,
  });
  return {
    get: (token: string): VerifiedUser | undefined => cache.get(token),
    /** Holds a verified user until `expSeconds` (the token's `exp` claim). */
    remember(token: string, user: VerifiedUser, expSeconds: number | undefined): void {
      if (token.length > VERIFIED_USERS_MAX_TOKEN_CHARS || expSeconds === undefined) return;
      const ttl = Math.min(expSeconds * 1_000 - now(), VERIFIED_USERS_MAX_TTL_MS);
      if (ttl < 1) return;
      cache.set(token, user, { ttl: Math.floor(ttl) });
    },
    get size() {
      return cache.size;
    },
  };
};
