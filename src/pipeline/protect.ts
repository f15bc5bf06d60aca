import type { Caller } from '../callers/caller';
import { ErrorCode, GatewayError } from '../errors';
import type { Metrics } from '../observability/metrics';
import { clientAddressOf } from '../protection/clientAddress';
import type { Limiter, LimiterFactory } from '../protection/limiters';
import { keyDigest } from '../protection/keyDigest';
import type { RefusedTokens } from '../protection/refusedTokens';
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

/**
 * While no window of a service is known (its first calls, and again once a window ended), this
 * many calls per replica pass before an answer from the count came back; the calls after them
 * wait for their own count. Across replicas a service may so pass its limit by this many calls
 * per replica and window, at most.
 */
export const SERVICE_FIRST_BURST = 5;

/** What a service's counts said so far, so the next request is decided without waiting. */
interface ServiceWindow {
  /** Calls left in the window, as this replica believes: never raised within a window. */
  remaining: number;
  /** When the known window ends (ms since the epoch); 0: none known. */
  resetAt: number;
  /** Counts sent and not answered yet. */
  pending: number;
  /** Calls passed while no window was known. */
  blind: number;
}

/**
 * Stage 4b, caller protection: once the caller is known and before any document work, for
 * every entry. Over a limit: 429 RATE_LIMITED with Retry-After, no upstream call.
 *
 * - A service counts against its key name's limit. Its request never waits on Redis while a
 *   window is known: it is decided from what the counts said (calls left in the window, less
 *   the counts still on their way), and its own count is sent on without being awaited. With
 *   no window known, SERVICE_FIRST_BURST calls pass and the rest wait for their count. With no
 *   limit set, a service pays one property check.
 * - Every other caller counts against its client address first, before its credential is
 *   looked at (a malformed header or a user JWT that fails verification counts too), then a
 *   browser token against its own limit; these wait for the count (bounded by
 *   REDIS_COMMAND_TIMEOUT_MS, memory deciding past it).
 * - A browser token SEEK refused as a whole is refused again, UNAUTHENTICATED, as SEEK refused
 *   it (200 on /graphql), until its exp or for five minutes.
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
  // Names come from the keys in force: bounded by the keys file, pruned when it changes.
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

  const countService = (limiter: Limiter, name: string, window: ServiceWindow) => {
    window.pending += 1;
    return limiter.consume(name).then((decision) => {
      window.pending -= 1;
      const now = Date.now();
      // Counts sent after this one are not in its answer yet: they are taken off again.
      const remaining = Math.max(0, (decision.allowed ? decision.remaining : 0) - window.pending);
      if (now < window.resetAt) {
        window.remaining = Math.min(window.remaining, remaining);
      } else {
        window.remaining = remaining;
        window.resetAt = now + decision.resetMs;
        window.blind = 0;
      }
      return decision;
    });
  };

  const checkService = (limiter: Limiter, name: string): Promise<void> | undefined => {
    const now = Date.now();
    let window = serviceWindows.get(name);
    if (!window) {
      window = { remaining: 0, resetAt: 0, pending: 0, blind: 0 };
      serviceWindows.set(name, window);
    }
    if (now < window.resetAt) {
      if (window.remaining <= 0)
        throw refuse('service', Math.max(1, Math.ceil((window.resetAt - now) / 1_000)), name);
      window.remaining -= 1;
      void countService(limiter, name, window);
      return undefined;
    }
    if (window.blind < SERVICE_FIRST_BURST) {
      window.blind += 1;
      void countService(limiter, name, window);
      return undefined;
    }
    return countService(limiter, name, window).then((decision) => {
      if (!decision.allowed) throw refuse('service', decision.retryAfterSeconds, name);
    });
  };

  const checkAddress = async (limiter: Limiter, req: RequestState['req']) => {
    const address = clientAddressOf(req, options.trustProxyHops);
    const decision = await limiter.consume(keyDigest(address));
    if (!decision.allowed) throw refuse('address', decision.retryAfterSeconds);
  };

  const checkBrowserToken = async (accessToken: string, graphql: boolean) => {
    const digest = keyDigest(accessToken);
    if (options.refusedTokens.isRefused(digest)) {
      metrics.rateLimitRefusals.inc({ limit: 'refused_token', service: '' });
      // On /graphql, answered as SEEK's own refusal of it went back (200, whatever the media
      // type: SEEK is asked for application/json and its status is passed on); elsewhere 401.
      throw new GatewayError(
        ErrorCode.Unauthenticated,
        'SEEK refused this browser token a moment ago: get a new one',
        {},
        graphql ? { status: 200 } : {},
      );
    }
    if (browserLimiter) {
      const decision = await browserLimiter.consume(digest);
      if (!decision.allowed) throw refuse('browser_token', decision.retryAfterSeconds);
    }
  };

  return {
    /** A service's own limit: sync (nothing to wait for) but while no window of it is known. */
    service(name: string): Promise<void> | undefined {
      return serviceLimiter ? checkService(serviceLimiter, name) : undefined;
    },
    /**
     * The client address's limit, for every request that is not a service's, before its
     * credential costs anything. A promise only when the limit is on.
     */
    address(state: RequestState): Promise<void> | undefined {
      return addressLimiter ? checkAddress(addressLimiter, state.req) : undefined;
    },
    /** A browser token's own limit and the memory of refused ones; nothing for other callers. */
    caller(state: RequestState, caller: Caller): Promise<void> | undefined {
      return caller.kind === 'seek-token'
        ? checkBrowserToken(caller.accessToken, state.operationRead)
        : undefined;
    },
    /** Forgets the windows of service names no longer among the keys in force. */
    keepServices(names: ReadonlySet<string>) {
      for (const name of serviceWindows.keys()) if (!names.has(name)) serviceWindows.delete(name);
    },
    /** A browser token SEEK answered UNAUTHENTICATED as a whole. */
    rememberRefused(accessToken: string) {
      options.refusedTokens.remember(accessToken);
    },
  };
};

export type CallerProtection = ReturnType<typeof createCallerProtection>;
