import type { Clock } from '../clock';
import { keyDigest } from './keyDigest';

/** How many refused browser tokens one replica remembers; the oldest go first. */
const MAX_ENTRIES = 10_000;
/**
 * Remembered at most this long (or until the token's own `exp`, when that comes first; a token
 * already past its `exp` can never become valid, so it is remembered this long).
 */
const MAX_REMEMBER_MS = 5 * 60_000;

/** The `exp` of a JWT-shaped token, unverified (SEEK already judged it), in ms. */
const expiryOf = (token: string): number | undefined => {
  const payload = token.split('.', 3)[1];
  if (!payload) return undefined;
  try {
    const exp = (
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }
    ).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1_000 : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Browser tokens SEEK answered UNAUTHENTICATED as a whole, so the same token is refused again
 * without a call to SEEK: until its `exp` or five minutes, whichever comes first (a token SEEK
 * refused for a passing reason is tried again after that); a token already expired, for five
 * minutes. Bounded in entries (10,000) and
 * bytes (a 22-character digest each): about 1 MB at most.
 */
export const createRefusedTokens = (options: { clock: Clock }) => {
  const until = new Map<string, number>();
  return {
    remember(token: string) {
      const now = options.clock.now();
      const exp = expiryOf(token);
      const expiry =
        exp !== undefined && exp > now
          ? Math.min(exp, now + MAX_REMEMBER_MS)
          : now + MAX_REMEMBER_MS;
      const key = keyDigest(token);
      until.delete(key);
      if (until.size >= MAX_ENTRIES) until.delete(until.keys().next().value as string);
      until.set(key, expiry);
    },
    /** True while `digest` (keyDigest of a token) is remembered as refused. */
    isRefused(digest: string): boolean {
      if (until.size === 0) return false;
      const expiry = until.get(digest);
      if (expiry === undefined) return false;
      if (expiry > options.clock.now()) return true;
      until.delete(digest);
      return false;
    },
    get size() {
      return until.size;
    },
  };
};

export type RefusedTokens = ReturnType<typeof createRefusedTokens>;
