import { z } from 'zod';

import { integer, optionalString } from '../fields';

/**
 * Caller protection: the named service keys file, rate limits per caller, the client address
 * behind proxies, and the bound on concurrent calls to SEEK. A rate limit of 0 is off.
 */
export const protectionGroup = z
  .object({
    GATEWAY_API_KEYS_FILE: optionalString,
    // Off by default: services are known and few, and a limit that suits one would throttle
    // another; set it per deployment from what SEEK grants the integration.
    RATE_LIMIT_SERVICE_PER_MINUTE: integer(0, 0, 10_000_000),
    // 10 a second per token, sustained for a minute: well above what one person's browser
    // sends, far below what a script replaying a token can.
    RATE_LIMIT_BROWSER_PER_MINUTE: integer(600, 0, 10_000_000),
    // Every caller that is not a service, per client address (distinct junk tokens included).
    RATE_LIMIT_ADDRESS_PER_MINUTE: integer(1_200, 0, 10_000_000),
    TRUST_PROXY_HOPS: integer(0, 0, 10),
    // The SEEK connection pool's size: past it undici would queue without a bound.
    SEEK_MAX_CONCURRENCY: integer(128, 1, 10_000),
    SEEK_QUEUE_MAX: integer(256, 0, 100_000),
    SEEK_QUEUE_TIMEOUT_MS: integer(1_000, 0, 60_000),
  })
  .transform((values) => ({
    serviceKeysFile: values.GATEWAY_API_KEYS_FILE,
    rateLimits: {
      /** Per service key name; 0: off. */
      servicePerMinute: values.RATE_LIMIT_SERVICE_PER_MINUTE,
      /** Per browser token; 0: off. */
      browserPerMinute: values.RATE_LIMIT_BROWSER_PER_MINUTE,
      /** Per client address, for every caller that is not a service; 0: off. */
      addressPerMinute: values.RATE_LIMIT_ADDRESS_PER_MINUTE,
    },
    /** X-Forwarded-For entries added by proxies the gateway trusts (0: the socket's address). */
    trustProxyHops: values.TRUST_PROXY_HOPS,
    seekCalls: {
      maxConcurrency: values.SEEK_MAX_CONCURRENCY,
      queueMax: values.SEEK_QUEUE_MAX,
      queueTimeoutMs: values.SEEK_QUEUE_TIMEOUT_MS,
    },
  }));

export type ProtectionConfig = z.output<typeof protectionGroup>;
