import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Checks a bearer against GATEWAY_API_KEYS in constant time: both sides are hashed to the same
 * length and every key is compared, so timing says nothing about how close a guess was.
 */
export const createServiceKeyMatcher = (keys: readonly string[]) => {
  const digests = keys.map(digest);
  return (bearer: string): boolean => {
    const candidate = digest(bearer);
    let matched = false;
    for (const known of digests) matched = timingSafeEqual(known, candidate) || matched;
    return matched;
  };
};
