import type { Clock } from '../clock';
import type { SharedStore } from './cache/sharedStore';

export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until the current window ends (at least 1): when a refused call may succeed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one call for `subject`; not allowed when the subject is over its limit in this window. */
  allow(subject: string): Promise<RateDecision>;
}

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows, counted in Redis so all replicas share one budget per user, and
 * in memory while Redis is out (each replica then enforces the limit on its own).
 */
export const createRateLimiter = (options: {
  limitPerMinute: number;
  keyPrefix: string;
  store: SharedStore;
  clock: Clock;
}): RateLimiter => {
  const local = new Map<string, number>();
  let localWindow = -1;
  return {
    async allow(subject) {
      const now = options.clock.now();
      const window = Math.floor(now / WINDOW_MS);
      const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1_000));
      const shared = await options.store.increment(
        // One key per subject and window (a single-key script); the subject is the hash tag, so
        // a subject's windows stay on one Redis Cluster node.
        `${options.keyPrefix}:ratelimit:{${subject.replace(/[{}]/g, '_')}}:${window}`,
        WINDOW_MS * 2,
      );
      if (shared !== undefined)
        return { allowed: shared <= options.limitPerMinute, retryAfterSeconds };
      if (window !== localWindow) {
        local.clear();
        localWindow = window;
      }
      const count = (local.get(subject) ?? 0) + 1;
      local.set(subject, count);
      return { allowed: count <= options.limitPerMinute, retryAfterSeconds };
    },
  };
};
