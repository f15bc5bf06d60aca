import { createHash, randomUUID } from 'node:crypto';

import { z } from 'zod';

import { sleep, type Clock } from '../clock';
import { describeError, type Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { TokenCipher } from './cache/encryption';
import { sameSlotKey } from './cache/hashSlot';
import type { SharedStore } from './cache/sharedStore';

/** A token as the cache holds it. Times are on this replica's clock. */
export interface TokenRecord {
  accessToken: string;
  tokenType: string;
  obtainedAt: number;
  expiresAt: number;
}

/** What an exchange with SEEK returns. */
export interface FetchedToken {
  accessToken: string;
  tokenType: string;
  expiresInSeconds: number;
}

export type TokenKind = 'partner' | 'browser';

/** Refresh in the background at 70-80% of the lifetime (jittered per replica). */
const REFRESH_AT = 0.8;
const REFRESH_JITTER = 0.1;
/** After a failed background refresh, wait this long before trying again. */
const REFRESH_RETRY_MS = 5_000;
const LOCK_POLL_MS = 25;
/** Past the shared store's circuit breaker, so the release reaches Redis. */
const LOCK_RELEASE_RETRY_MS = 1_100;

const sharedRecordSchema = z.object({
  accessToken: z.string().min(1),
  tokenType: z.string().min(1),
  lifetimeMs: z.number().positive(),
});

interface MemoryEntry {
  record: TokenRecord;
  usableUntil: number;
  refreshAt: number;
  refetch: () => Promise<FetchedToken>;
}

export interface CachedTokenSourceOptions {
  kind: TokenKind;
  /** Redis key prefix, already namespaced per client ID and SEEK environment. */
  keyPrefix: string;
  store: SharedStore;
  cipher: TokenCipher;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** A token is no longer handed out this long before it expires (capped at 10% of its lifetime). */
  expiryBufferMs: number;
  /** Renew before expiry in the background (partner token) or only on demand (browser tokens). */
  refreshAhead: boolean;
  /** Lifetime of the cross-replica fetch lock; longer than the bound on one token fetch. */
  lockTtlMs: number;
  /** In-process entries kept at most; the oldest go first. @default 10000 */
  maxEntries?: number;
  /**
   * Keep an index from each token to its cache key (in memory, and in Redis under the token's
   * SHA-256), so `forget(accessToken)` can find a token knowing only the token. Browser tokens:
   * SEEK's refusal of one is seen by the pipeline, which knows the token, not the hirer, scope
   * and user it was cached for. @default false
   */
  indexByToken?: boolean;
}

export interface CacheStats {
  memoryHits: number;
  sharedHits: number;
  misses: number;
  fetches: number;
  refreshes: number;
}

export interface CachedTokenSource {
  /** A usable token for this cache key, fetching it with `fetch` when no replica has one. */
  get(cacheKey: string, fetch: () => Promise<FetchedToken>): Promise<TokenRecord>;
  /** Drops a token SEEK rejected, here and in Redis, unless it was already replaced. */
  invalidate(cacheKey: string, rejectedAccessToken: string): Promise<void>;
  /**
   * A new token for this cache key, whatever is cached: the cached one (if any) is dropped here
   * and in Redis and never taken back, and `fetch` runs (concurrent refreshes share it).
   */
  refresh(cacheKey: string, fetch: () => Promise<FetchedToken>): Promise<TokenRecord>;
  /**
   * Drops this token wherever it is cached (memory and Redis), found by the token alone
   * (needs `indexByToken`). Unknown tokens are ignored. This replica's memory is cleared before
   * the returned promise's first wait, so a lookup that starts after the call cannot get it.
   */
  forget(accessToken: string): Promise<void>;
  readonly stats: Readonly<CacheStats>;
}

/**
 * Two tiers in front of a token endpoint: an in-process map (no Redis round trip in steady
 * state) and Redis shared by all replicas. On a shared miss one replica takes a Redis lock
 * and fetches; the others poll Redis for its result and fetch themselves only if it never
 * comes. Concurrent misses inside one process share one promise.
 */
export const createCachedTokenSource = (options: CachedTokenSourceOptions): CachedTokenSource => {
  const { kind, store, cipher, clock, logger, metrics } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const memory = new Map<string, MemoryEntry>();
  const inflight = new Map<string, Promise<TokenRecord>>();
  const refreshing = new Set<string>();
  /** The last token SEEK rejected per key: a Redis read that raced invalidate() may still see it. */
  const rejected = new Map<string, string>();
  /** Token → cache key, for exactly the tokens in `memory` (so bounded by it), with indexByToken. */
  const byToken = new Map<string, string>();
  const indexByToken = options.indexByToken ?? false;
  const stats: CacheStats = { memoryHits: 0, sharedHits: 0, misses: 0, fetches: 0, refreshes: 0 };
  const count = {
    memoryHit: metrics.tokenCache.labels(kind, 'memory_hit'),
    sharedHit: metrics.tokenCache.labels(kind, 'shared_hit'),
    miss: metrics.tokenCache.labels(kind, 'miss'),
    fetch: metrics.tokenCache.labels(kind, 'fetch'),
    refresh: metrics.tokenCache.labels(kind, 'refresh'),
    lockWait: metrics.tokenCache.labels(kind, 'lock_wait'),
  };

  const sharedKey = (cacheKey: string) => `${options.keyPrefix}:${kind}:${cacheKey}`;
  // In the value's hash slot, so the lock and its token live on one Redis Cluster node.
  const lockKey = (cacheKey: string) => sameSlotKey(sharedKey(cacheKey), ':lock');
  // The token's hash, never the token: the value is the cache key, itself a hash.
  const tokenIndexKey = (accessToken: string) =>
    `${options.keyPrefix}:${kind}-by-token:${createHash('sha256').update(accessToken).digest('base64url')}`;
  const bufferFor = (lifetimeMs: number) => Math.min(options.expiryBufferMs, lifetimeMs * 0.1);

  /** The one way an entry leaves `memory`, so the token index never outgrows it. */
  const dropMemory = (cacheKey: string) => {
    const entry = memory.get(cacheKey);
    if (!entry) return;
    memory.delete(cacheKey);
    if (byToken.get(entry.record.accessToken) === cacheKey)
      byToken.delete(entry.record.accessToken);
  };

  const remember = (
    cacheKey: string,
    record: TokenRecord,
    refetch: () => Promise<FetchedToken>,
  ) => {
    const lifetime = record.expiresAt - record.obtainedAt;
    const refreshFraction = REFRESH_AT - Math.random() * REFRESH_JITTER;
    dropMemory(cacheKey);
    if (indexByToken) byToken.set(record.accessToken, cacheKey);
    memory.set(cacheKey, {
      record,
      usableUntil: record.expiresAt - bufferFor(lifetime),
      refreshAt: record.obtainedAt + lifetime * refreshFraction,
      refetch,
    });
    if (memory.size > maxEntries) {
      const oldest = memory.keys().next().value;
      if (oldest !== undefined) dropMemory(oldest);
    }
  };

  const readShared = async (cacheKey: string): Promise<TokenRecord | undefined> => {
    const key = sharedKey(cacheKey);
    const entry = await store.get(key);
    if (!entry) return undefined;
    const opened = cipher.open(entry.value, key);
    const parsed =
      opened === undefined ? undefined : sharedRecordSchema.safeParse(safeJson(opened));
    if (!parsed?.success) {
      logger.warn({ kind }, 'unreadable token in redis (other key or tampered); ignoring it');
      return undefined;
    }
    const now = clock.now();
    const remaining = Math.min(entry.ttlMs, parsed.data.lifetimeMs);
    return {
      accessToken: parsed.data.accessToken,
      tokenType: parsed.data.tokenType,
      expiresAt: now + remaining,
      obtainedAt: now + remaining - parsed.data.lifetimeMs,
    };
  };

  const writeShared = async (cacheKey: string, record: TokenRecord, onlyIfAbsent = false) => {
    const key = sharedKey(cacheKey);
    const ttlMs = record.expiresAt - clock.now();
    if (ttlMs <= 0) return;
    const sealed = cipher.seal(
      JSON.stringify({
        accessToken: record.accessToken,
        tokenType: record.tokenType,
        lifetimeMs: record.expiresAt - record.obtainedAt,
      }),
      key,
    );
    await store.set(key, sealed, ttlMs, { onlyIfAbsent });
  };

  const usable = (record: TokenRecord) =>
    clock.now() < record.expiresAt - bufferFor(record.expiresAt - record.obtainedAt);
  // A shared token counts as a refresh result only if it is younger than the earliest moment
  // any replica would start refreshing: otherwise it is the very token being replaced.
  const freshlyRefreshed = (record: TokenRecord) =>
    clock.now() <
    record.obtainedAt + (record.expiresAt - record.obtainedAt) * (REFRESH_AT - REFRESH_JITTER);

  const fetchAndStore = async (cacheKey: string, fetch: () => Promise<FetchedToken>) => {
    stats.fetches += 1;
    count.fetch.inc();
    const fetched = await fetch();
    const obtainedAt = clock.now();
    const record: TokenRecord = {
      accessToken: fetched.accessToken,
      tokenType: fetched.tokenType,
      obtainedAt,
      expiresAt: obtainedAt + fetched.expiresInSeconds * 1_000,
    };
    remember(cacheKey, record, fetch);
    await Promise.all([
      writeShared(cacheKey, record),
      // Lets any replica find the entry from the token alone (forget), for as long as it lives.
      indexByToken
        ? store.set(tokenIndexKey(record.accessToken), cacheKey, record.expiresAt - obtainedAt)
        : undefined,
    ]);
    return record;
  };

  const load = async (
    cacheKey: string,
    fetch: () => Promise<FetchedToken>,
    acceptRecord: (record: TokenRecord) => boolean,
  ): Promise<TokenRecord> => {
    // Never take back a token SEEK already rejected (still in Redis until some replica's
    // invalidate() deletes it), or a retry after UNAUTHENTICATED would send it again.
    const accept = (record: TokenRecord) =>
      record.accessToken !== rejected.get(cacheKey) && acceptRecord(record);
    const adopt = (record: TokenRecord) => {
      stats.sharedHits += 1;
      count.sharedHit.inc();
      remember(cacheKey, record, fetch);
      return record;
    };
    const shared = await readShared(cacheKey);
    if (shared && accept(shared)) return adopt(shared);

    const owner = randomUUID();
    let lock = await store.acquireLock(lockKey(cacheKey), owner, options.lockTtlMs);
    if (lock === 'unavailable') {
      // A timed-out SET NX may still have landed in Redis: release it (compare-and-delete on our
      // owner value) once Redis answers again, so other replicas don't wait out its lifetime.
      setTimeout(
        () => void store.releaseLock(lockKey(cacheKey), owner),
        LOCK_RELEASE_RETRY_MS,
      ).unref();
    }
    if (lock === 'held') {
      count.lockWait.inc();
      const deadline = Date.now() + options.lockTtlMs;
      while (lock === 'held' && Date.now() < deadline) {
        await sleep(LOCK_POLL_MS);
        const result = await readShared(cacheKey);
        if (result && accept(result)) return adopt(result);
        lock = await store.acquireLock(lockKey(cacheKey), owner, options.lockTtlMs);
      }
    }
    try {
      if (lock === 'acquired') {
        // Another replica may have written the token between our read and our lock.
        const result = await readShared(cacheKey);
        if (result && accept(result)) return adopt(result);
      }
      return await fetchAndStore(cacheKey, fetch);
    } finally {
      if (lock === 'acquired') await store.releaseLock(lockKey(cacheKey), owner);
    }
  };

  const singleFlight = (
    cacheKey: string,
    fetch: () => Promise<FetchedToken>,
    accept: (record: TokenRecord) => boolean,
  ): Promise<TokenRecord> => {
    const running = inflight.get(cacheKey);
    if (running) return running;
    const started = load(cacheKey, fetch, accept).finally(() => inflight.delete(cacheKey));
    inflight.set(cacheKey, started);
    return started;
  };

  const refreshInBackground = (cacheKey: string, entry: MemoryEntry) => {
    if (refreshing.has(cacheKey) || inflight.has(cacheKey)) return;
    refreshing.add(cacheKey);
    stats.refreshes += 1;
    count.refresh.inc();
    singleFlight(cacheKey, entry.refetch, freshlyRefreshed)
      .catch((error: unknown) => {
        // The current token keeps serving until it is no longer usable; try again later.
        entry.refreshAt = clock.now() + REFRESH_RETRY_MS;
        logger.warn({ kind, err: describeError(error) }, 'background token refresh failed');
      })
      .finally(() => refreshing.delete(cacheKey));
  };

  const invalidate = async (cacheKey: string, rejectedAccessToken: string) => {
    rejected.delete(cacheKey);
    rejected.set(cacheKey, rejectedAccessToken);
    if (rejected.size > maxEntries) {
      const oldest = rejected.keys().next().value;
      if (oldest !== undefined) rejected.delete(oldest);
    }
    const entry = memory.get(cacheKey);
    if (entry?.record.accessToken === rejectedAccessToken) dropMemory(cacheKey);
    const shared = await readShared(cacheKey);
    if (shared?.accessToken === rejectedAccessToken) await store.delete(sharedKey(cacheKey));
  };

  if (options.refreshAhead) {
    // After Redis comes back (it keeps nothing on restart), put our tokens back for the others.
    store.onReady(() => {
      for (const [cacheKey, entry] of memory) {
        if (usable(entry.record)) void writeShared(cacheKey, entry.record, true);
      }
    });
  }

  return {
    stats,
    get(cacheKey, fetch) {
      const entry = memory.get(cacheKey);
      if (entry) {
        const now = clock.now();
        if (now < entry.usableUntil) {
          stats.memoryHits += 1;
          count.memoryHit.inc();
          if (options.refreshAhead && now >= entry.refreshAt) refreshInBackground(cacheKey, entry);
          return Promise.resolve(entry.record);
        }
        dropMemory(cacheKey);
      }
      stats.misses += 1;
      count.miss.inc();
      return singleFlight(cacheKey, fetch, usable);
    },
    invalidate,
    async refresh(cacheKey, fetch) {
      const replaced =
        memory.get(cacheKey)?.record.accessToken ?? (await readShared(cacheKey))?.accessToken;
      if (replaced !== undefined) await invalidate(cacheKey, replaced);
      // A lookup already under way may end with the token being replaced: let it settle, and
      // keep its result only if it is another token.
      const running = inflight.get(cacheKey);
      if (running) {
        const settled = await running.catch(() => undefined);
        if (settled && settled.accessToken !== replaced) return settled;
        if (settled && memory.get(cacheKey)?.record.accessToken === replaced) dropMemory(cacheKey);
      }
      stats.misses += 1;
      count.miss.inc();
      // `rejected` now holds the replaced token, so a Redis read cannot hand it back.
      return singleFlight(cacheKey, fetch, usable);
    },
    forget(accessToken) {
      const cacheKey = byToken.get(accessToken);
      if (cacheKey !== undefined) {
        // invalidate() clears memory synchronously, before its first wait.
        const dropped = invalidate(cacheKey, accessToken);
        return Promise.all([
          dropped,
          indexByToken ? store.delete(tokenIndexKey(accessToken)) : undefined,
        ]).then(() => undefined);
      }
      if (!indexByToken) return Promise.resolve();
      // Cached by another replica (or by this one before a restart): Redis knows its key.
      return (async () => {
        const indexKey = tokenIndexKey(accessToken);
        const entry = await store.get(indexKey);
        if (!entry) return;
        await Promise.all([invalidate(entry.value, accessToken), store.delete(indexKey)]);
      })();
    },
  };
};

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
