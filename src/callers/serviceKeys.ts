import { createHash, timingSafeEqual } from 'node:crypto';

/** A backend service's key and the name logs and metrics know it by (never the key). */
export interface NamedServiceKey {
  name: string;
  key: string;
}

/** Says which service a bearer is the key of, or undefined when it is no service key. */
export type ServiceKeyMatcher = (bearer: string) => string | undefined;

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Bearer values remembered, and the longest remembered (longer ones are always hashed). */
const MEMO_ENTRIES = 1_024;
const MEMO_MAX_CHARS = 512;

/**
 * Keys from GATEWAY_API_KEYS have no name of their own: `env-1`, `env-2` … in their order.
 */
export const namedEnvironmentKeys = (keys: readonly string[]): NamedServiceKey[] =>
  keys.map((key, index) => ({ name: `env-${index + 1}`, key }));

/**
 * Checks a bearer against the service keys in constant time: both sides are hashed to the same
 * length and every key is compared, so timing says nothing about how close a guess was. The
 * verdicts of the last bearers seen are remembered (at most 1,024 of at most 512 characters),
 * so a caller sending the same bearer again costs a map lookup, not a hash per request; a map
 * lookup's time depends on the bearer alone, never on how close it is to a key. A new key set
 * is a new matcher (with an empty memo), so a removed key is refused at once.
 */
export const createServiceKeyMatcher = (keys: readonly NamedServiceKey[]): ServiceKeyMatcher => {
  const digests = keys.map(({ name, key }) => ({ name, digest: digest(key) }));
  const memo = new Map<string, string | null>();
  const compare = (bearer: string): string | null => {
    const candidate = digest(bearer);
    let matched: string | null = null;
    for (const known of digests) {
      if (timingSafeEqual(known.digest, candidate)) matched = known.name;
    }
    return matched;
  };
  return (bearer) => {
    const remembered = memo.get(bearer);
    if (remembered !== undefined) return remembered ?? undefined;
    const matched = compare(bearer);
    if (bearer.length <= MEMO_MAX_CHARS) {
      // Oldest first out: a Map iterates in insertion order.
      if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value as string);
      memo.set(bearer, matched);
    }
    return matched ?? undefined;
  };
};
