import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

import type { SpanAttributes, Tracing } from '../observability/tracing';
import type { AnyRedisClient } from '../tokens/cache/redisConnection';

export interface LimitDecision {
  allowed: boolean;
  /** Whole seconds (at least 1) until a refused call may succeed; 0 when allowed. */
  retryAfterSeconds: number;
  /** Calls left in the window after this one (when allowed). */
  remaining: number;
  /** When the window ends, in ms from now. */
  resetMs: number;
  /** True when Redis was configured but this replica's memory decided (Redis failed or skipped). */
  fallback: boolean;
}

export interface Limiter {
  /** Counts one call for `key`. Never rejects: a failing store falls back to memory. */
  consume(key: string): Promise<LimitDecision>;
}

/** Where counts are kept: shared through Redis, or this replica's memory alone. */
export interface LimiterFactory {
  create(options: {
    /** Names the limit in Redis keys. */
    name: string;
    pointsPerWindow: number;
    /**
     * The keys are hashes of values callers choose (tokens, addresses): in memory they are
     * counted in a fixed number of buckets, so a flood of distinct values cannot grow memory.
     */
    unboundedKeys: boolean;
    /** The window of this limit, if not the factory's (APQ admissions count per TTL). */
    windowSeconds?: number;
  }): Limiter;
}

/** Memory buckets per limit for keys callers choose: at most this many entries, ~250 bytes each. */
export const MEMORY_BUCKETS = 16_384;

/** After Redis failed or timed out, it is skipped this long: a dead Redis costs nothing per call. */
const BREAKER_MS = 1_000;

/**
 * rate-limiter-flexible's in-memory limiter over a bounded key space: a key (a base64url hash)
 * is mapped to one of MEMORY_BUCKETS buckets. Two subjects that share a bucket share a budget;
 * with far fewer active subjects than buckets per replica that is rare, and it errs towards
 * refusing, never towards letting a flood through.
 */
class BucketedMemoryLimiter extends RateLimiterMemory {
  constructor(
    options: { points: number; duration: number; keyPrefix: string },
    private readonly bucketed: boolean,
    /** Told of each use; given, the limiter is insurance and marks what it decides. */
    private readonly onFallback?: () => void,
  ) {
    super(options);
  }
  override consume(key: string | number, points?: number, options?: Record<string, unknown>) {
    const counted = super.consume(this.bucketed ? bucketOf(String(key)) : key, points, options);
    if (!this.onFallback) return counted;
    this.onFallback();
    return counted.then(
      (result) => {
        decidedByInsurance.add(result);
        return result;
      },
      (error: unknown) => {
        if (error instanceof RateLimiterRes) decidedByInsurance.add(error);
        throw error;
      },
    );
  }
}

/** The results the insurance limiter gave (the wrapper passes them on as they are). */
const decidedByInsurance = new WeakSet<RateLimiterRes>();

const bucketOf = (key: string) => {
  const bytes = Buffer.from(key.slice(0, 6), 'base64url');
  const value = bytes.length >= 4 ? bytes.readUInt32BE(0) : key.length;
  return `b${value % MEMORY_BUCKETS}`;
};

const decisionOf = (result: RateLimiterRes, allowed: boolean, points: number): LimitDecision => ({
  allowed,
  retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(result.msBeforeNext / 1_000)),
  remaining: Math.max(0, Math.min(points, result.remainingPoints)),
  resetMs: Math.max(0, result.msBeforeNext),
  fallback: decidedByInsurance.has(result),
});

/** Runs one consume; a refusal is a decision, anything else (both stores failing) lets the call through. */
const consumeWith = async (
  limiter: RateLimiterAbstract,
  key: string,
  points: number,
): Promise<LimitDecision> => {
  try {
    return decisionOf(await limiter.consume(key), true, points);
  } catch (error) {
    if (error instanceof RateLimiterRes) return decisionOf(error, false, points);
    // Memory does not fail; should it, a limiter fault must not refuse every caller.
    return { allowed: true, retryAfterSeconds: 0, remaining: points, resetMs: 0, fallback: true };
  }
};

/** Every replica counts on its own (no Redis configured). */
export const createMemoryLimiters = (options: { windowSeconds: number }): LimiterFactory => ({
  create({ name, pointsPerWindow, unboundedKeys, windowSeconds = options.windowSeconds }) {
    const memory = new BucketedMemoryLimiter(
      { points: pointsPerWindow, duration: windowSeconds, keyPrefix: name },
      unboundedKeys,
    );
    return { consume: (key) => consumeWith(memory, key, pointsPerWindow) };
  },
});

/**
 * Counts shared by every replica through Redis (rate-limiter-flexible's RateLimiterRedis on
 * the gateway's own bounded node-redis client), each call raced against `commandTimeoutMs`
 * (RLWrapperTimeouts). While Redis is not ready, fails or is slow, the insurance limiter (this
 * replica's memory) decides, and Redis is skipped for a second: only the sharing changes.
 * A key over its limit is then refused from memory until its window ends, so a flood from one
 * address stops costing Redis calls. Memory counts only the calls it decided (it is not seeded
 * from Redis's count): in a window in which Redis failed, a key may get its limit from Redis and
 * its limit again from each replica's memory, at most.
 */
export const createRedisLimiters = (options: {
  client: AnyRedisClient;
  keyPrefix: string;
  commandTimeoutMs: number;
  windowSeconds: number;
  /** Told each time memory decides instead of Redis (for the metric). */
  onFallback?: () => void;
  /** With tracing on, each count sent to Redis is a client span (the limit's name, never a key). */
  tracing?: Tracing;
}): LimiterFactory => {
  const { tracing } = options;
  let breakerOpenUntil = 0;
  return {
    create({ name, pointsPerWindow, unboundedKeys, windowSeconds = options.windowSeconds }) {
      const keyPrefix = `${options.keyPrefix}:ratelimit:${name}`;
      const memory = new BucketedMemoryLimiter(
        { points: pointsPerWindow, duration: windowSeconds, keyPrefix },
        unboundedKeys,
        () => {
          // Used as insurance (Redis failed) opens the breaker; used while it is open, not again.
          const now = Date.now();
          if (now < breakerOpenUntil) return;
          breakerOpenUntil = now + BREAKER_MS;
          options.onFallback?.();
        },
      );
      const redis = new RateLimiterRedis({
        storeClient: options.client,
        useRedisPackage: true,
        // No waiting for a reconnect: the insurance limiter answers at once.
        rejectIfRedisNotReady: true,
        points: pointsPerWindow,
        duration: windowSeconds,
        keyPrefix,
        inMemoryBlockOnConsumed: pointsPerWindow + 1,
      });
      // The wrapper takes an insurance limiter like every insured limiter; its typings omit it.
      const wrapperOptions: ConstructorParameters<typeof RLWrapperTimeouts>[0] & {
        insuranceLimiter: RateLimiterAbstract;
      } = { limiter: redis, timeoutMs: options.commandTimeoutMs, insuranceLimiter: memory };
      const bounded = new RLWrapperTimeouts(wrapperOptions);
      // rate-limiter-flexible counts with one Lua script (EVAL) per call.
      const attributes: SpanAttributes = {
        'db.system': 'redis',
        'db.operation.name': 'EVAL',
        'gateway.rate_limit.name': name,
      };
      const viaRedis = (key: string) => consumeWith(bounded, key, pointsPerWindow);
      const counted = tracing
        ? (key: string) => tracing.inSpan('redis ratelimit', attributes, () => viaRedis(key))
        : viaRedis;
      return {
        // While the breaker is open, memory decides and Redis is not called (no span).
        consume: (key) =>
          Date.now() < breakerOpenUntil ? consumeWith(memory, key, pointsPerWindow) : counted(key),
      };
    },
  };
};
