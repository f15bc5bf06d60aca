import type { Caller } from '../callers/caller';
import { ErrorCode, GatewayError } from '../errors';
import type { Metrics } from '../observability/metrics';
import { clientAddressOf } from '../protection/clientAddress';
import type { Limiter, LimiterFactory } from '../protection/limiters';
import { tokenDigest, type RefusedTokens } from '../protection/refusedTokens';
import type { RequestState } from './state';

export interface CallerProtectionOptions {
  /** Calls per minute; 0: that limit is off. */
  limits: { servicePerMinute: number; browserPerMinute: number; addressPerMinute: number };
  limiters: LimiterFactory;
  refusedTokens: RefusedTokens;
  trustProxyHops: number;
  metrics: Metrics;
}

type LimitName = 'service' | 'browser_token' | 'address' | 'refused_token';

const WHO: Record<Exclude<LimitName, 'refused_token'>, string> = {
  service: 'this service key',
  browser_token: 'this browser token',
  address: 'this client address',
};

/** What a service's last count said, so the next request is decided without waiting. */
interface ServiceWindow {
  remaining: number;
  resetAt: number;
}

/**
 * Stage 4b, caller protection: once the caller is known and before any document work, for
 * every entry. Over a limit: 429 RATE_LIMITED with Retry-After, no upstream call.
 *
 * - A service counts against its key name's limit. Its request never waits on Redis: it is
 *   decided from what the previous count said (calls left in the window), and the count is
 *   sent on without being awaited. Across replicas a service may so pass its limit by the
 *   requests it sends during one Redis round trip per replica; in return the fast lane pays
 *   no round trip. With no limit set, a service pays one property check.
 * - Every other caller counts against its client address (distinct junk tokens from one
 *   address included), then a browser token against its own limit; these wait for the count
 *   (bounded by REDIS_COMMAND_TIMEOUT_MS, memory deciding past it).
 * - A browser token SEEK refused as a whole is refused again, UNAUTHENTICATED, until its exp
 *   or five minutes.
 */
export const createCallerProtection = (options: CallerProtectionOptions) => {
  const { limits, metrics } = options;
  const make = (name: string, perMinute: number, unboundedKeys: boolean): Limiter | undefined =>
    perMinute > 0
      ? options.limiters.create({ name, pointsPerWindow: perMinute, unboundedKeys })
      : undefined;
  const serviceLimiter = make('service', limits.servicePerMinute, false);
  const browserLimiter = make('browser', limits.browserPerMinute, true);
  const addressLimiter = make('address', limits.addressPerMinute, true);
  const serviceWindows = new Map<string, ServiceWindow>();

  const refuse = (limit: Exclude<LimitName, 'refused_token'>, seconds: number, service = '') => {
    metrics.rateLimitRefusals.inc({ limit, service });
    return new GatewayError(
      ErrorCode.RateLimited,
      `Too many requests for ${WHO[limit]}; try again in ${seconds} s`,
      { retryAfterSeconds: seconds },
      { headers: { 'retry-after': String(seconds) } },
    );
  };

  const checkService = (limiter: Limiter, name: string) => {
    const now = Date.now();
    const window = serviceWindows.get(name);
    if (window && now < window.resetAt) {
      if (window.remaining <= 0)
        throw refuse('service', Math.max(1, Math.ceil((window.resetAt - now) / 1_000)), name);
      window.remaining -= 1;
    }
    void limiter.consume(name).then((decision) => {
      // Names come from the keys in force: bounded by the keys file.
      serviceWindows.set(name, {
        remaining: decision.allowed ? decision.remaining : 0,
        resetAt: Date.now() + decision.resetMs,
      });
    });
  };

  const checkOthers = async (state: RequestState, caller: Exclude<Caller, { kind: 'service' }>) => {
    if (addressLimiter) {
      const address = clientAddressOf(state.req, options.trustProxyHops);
      const decision = await addressLimiter.consume(tokenDigest(address));
      if (!decision.allowed) throw refuse('address', decision.retryAfterSeconds);
    }
    if (caller.kind !== 'seek-token') return;
    const digest = tokenDigest(caller.accessToken);
    if (options.refusedTokens.isRefused(digest)) {
      metrics.rateLimitRefusals.inc({ limit: 'refused_token', service: '' });
      throw new GatewayError(
        ErrorCode.Unauthenticated,
        'SEEK refused this browser token a moment ago: get a new one',
      );
    }
    if (browserLimiter) {
      const decision = await browserLimiter.consume(digest);
      if (!decision.allowed) throw refuse('browser_token', decision.retryAfterSeconds);
    }
  };

  return {
    /** Throws RATE_LIMITED (or UNAUTHENTICATED for a refused token); a promise only when it must wait. */
    check(state: RequestState): Promise<void> | undefined {
      const { caller } = state;
      if (!caller) return undefined;
      if (caller.kind === 'service') {
        if (serviceLimiter) checkService(serviceLimiter, caller.name);
        return undefined;
      }
      if (!addressLimiter && !browserLimiter && caller.kind !== 'seek-token') return undefined;
      return checkOthers(state, caller);
    },
    /** A browser token SEEK answered UNAUTHENTICATED as a whole. */
    rememberRefused(accessToken: string) {
      options.refusedTokens.remember(accessToken);
    },
  };
};

export type CallerProtection = ReturnType<typeof createCallerProtection>;
