/**
 * Redis Cluster places a key by its hash tag: the text between the first `{` and the next `}`
 * when that is not empty, else the whole key. Keys that must live on one node (a lock and the
 * value it guards) are built so that they hash alike.
 */
export const hashTagOf = (key: string): string => {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
};

/**
 * A key in the same hash slot as `key`: `{<what key hashes on>}<suffix>`. With a key that has
 * no tag of its own (the gateway's keys have none) that is `{<key>}<suffix>`, so the value keys
 * keep their names and a lock lands beside its value. A key that hashes on text holding a `}`
 * cannot be tagged that way; its braces are swapped out, which keeps the key unique but not
 * the slot (the gateway sends no multi-key command for such keys).
 */
export const sameSlotKey = (key: string, suffix: string): string => {
  const tag = hashTagOf(key);
  return `{${tag.replace(/}/g, ')')}}${suffix}`;
};
