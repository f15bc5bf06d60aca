/** Who is calling, decided once per request from the Authorization header. */
export type Caller =
  /**
   * A backend service holding a key from GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE: SEEK sees
   * the partner token. `name` is the key's name (logs, metrics, its rate limit), never the key.
   */
  | { kind: 'service'; name: string }
  /** An end user with a verified app JWT: may get browser tokens for its own hirers only. */
  | { kind: 'user'; userId: string; hirerIds: readonly string[] }
  /** Any other bearer, taken as a SEEK browser token and forwarded as is: SEEK judges it. */
  | { kind: 'seek-token'; accessToken: string }
  /** No credential: introspection where enabled, nothing else. */
  | { kind: 'anonymous' };

export type CallerKind = Caller['kind'];
