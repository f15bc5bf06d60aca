import { keyDigest } from './keyDigest';
import type { LimiterFactory } from './limiters';

export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until the current window ends (at least 1): when a refused call may succeed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one call for `subject`; not allowed when the subject is over its limit in this window. */
  allow(subject: string): Promise<RateDecision>;
}

/**
 * The browserToken exchanges of one user per minute (BROWSER_TOKEN_RATE_PER_MINUTE), on the
 * same limiters as the caller protection (rate-limiter-flexible): shared by all replicas
 * through Redis, per replica while Redis is out. Users are counted by a hash of their ID.
 */
export const createRateLimiter = (options: {
  limitPerMinute: number;
  limiters: LimiterFactory;
}): RateLimiter => {
  const limiter = options.limiters.create({
    name: 'browser-token-exchange',
    pointsPerWindow: options.limitPerMinute,
    unboundedKeys: true,
  });
  return {
    async allow(subject) {
      const decision = await limiter.consume(keyDigest(subject));
      return { allowed: decision.allowed, retryAfterSeconds: decision.retryAfterSeconds };
    },
  };
};
