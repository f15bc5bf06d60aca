import type { Clock } from '../clock';
import type { SharedStore } from './cache/sharedStore';

export interface RateLimiter {
  /** Counts one call for `subject`; false when the subject is over its limit in this window. */
  allow(subject: string): Promise<boolean>;
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
      const window = Math.floor(options.clock.now() / WINDOW_MS);
      const shared = await options.store.increment(
        `${options.keyPrefix}:ratelimit:${window}:${subject}`,
        WINDOW_MS * 2,
      );
      if (shared !== undefined) return shared <= options.limitPerMinute;
      if (window !== localWindow) {
        local.clear();
        localWindow = window;
      }
      const count = (local.get(subject) ?? 0) + 1;
      local.set(subject, count);
      return count <= options.limitPerMinute;
    },
  };
};
