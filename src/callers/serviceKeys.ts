import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Bearer values remembered, and the longest remembered (longer ones are always hashed). */
const MEMO_ENTRIES = 1_024;
const MEMO_MAX_CHARS = 512;

/**
 * Checks a bearer against GATEWAY_API_KEYS in constant time: both sides are hashed to the same
 * length and every key is compared, so timing says nothing about how close a guess was. The
 * verdicts of the last bearers seen are remembered (at most 1,024 of at most 512 characters),
 * so a caller sending the same bearer again costs a map lookup, not a hash per request; a map
 * lookup's time depends on the bearer alone, never on how close it is to a key.
 */
export const createServiceKeyMatcher = (keys: readonly string[]) => {
  const digests = keys.map(digest);
  const memo = new Map<string, boolean>();
  const compare = (bearer: string): boolean => {
    const candidate = digest(bearer);
    let matched = false;
    for (const known of digests) matched = timingSafeEqual(known, candidate) || matched;
    return matched;
  };
  return (bearer: string): boolean => {
    const remembered = memo.get(bearer);
    if (remembered !== undefined) return remembered;
    const matched = compare(bearer);
    if (bearer.length <= MEMO_MAX_CHARS) {
      // Oldest first out: a Map iterates in insertion order.
      if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value as string);
      memo.set(bearer, matched);
    }
    return matched;
  };
};
