import { LRUCache } from 'lru-cache';

import type { Caller } from '../callers/caller';
import type { Metrics } from '../observability/metrics';
import { keyDigest } from '../protection/keyDigest';
import type { LimiterFactory } from '../protection/limiters';
import type { SharedStore } from '../tokens/cache/sharedStore';
import { sha256Hex } from './manifest';

export interface ApqStoreOptions {
  /** Redis through the token cache's bounded store (every call within REDIS_COMMAND_TIMEOUT_MS). */
  store: SharedStore;
  /** The gateway's Redis namespace (SEEK environment and client ID). */
  keyPrefix: string;
  /** APQ_TTL_SECONDS, in ms. */
  ttlMs: number;
  /** APQ_MAX_ENTRIES: registrations admitted to Redis per TTL window, across all replicas. */
  maxEntries: number;
  /** APQ_MAX_DOCUMENT_CHARS: longer documents stay in memory only. */
  maxDocumentChars: number;
  /**
   * Where registrations admitted to Redis are counted: `maxEntries` per TTL window in all, and
   * apqCallerBudget(maxEntries) per caller, shared by every replica (the rate limiters' Redis
   * counts; without Redis this replica's).
   */
  limiters: LimiterFactory;
  metrics: Metrics;
  /** The in-memory tier in front of Redis, per replica. */
  memory?: {
    /** @default 2000 */
    maxEntries?: number;
    /** Characters of documents held in all. @default 8 MiB */
    maxChars?: number;
  };
}

/** One caller (a service, a user, a browser token) may fill this share of APQ_MAX_ENTRIES … */
export const APQ_CALLER_SHARE = 0.1;
/** … or this many, when that is more (a small budget is not cut to nothing). */
export const APQ_CALLER_MIN = 20;

/** Registrations one caller may have admitted to Redis per TTL window. */
export const apqCallerBudget = (maxEntries: number) =>
  Math.min(maxEntries, Math.max(APQ_CALLER_MIN, Math.ceil(maxEntries * APQ_CALLER_SHARE)));

/** Who a registration is counted against: a hash, never the token or the user id itself. */
const callerKeyOf = (caller: Caller): string => {
  switch (caller.kind) {
    case 'service':
      return keyDigest(`service:${caller.name}`);
    case 'user':
      return keyDigest(`user:${caller.userId}`);
    case 'seek-token':
      return keyDigest(`token:${caller.accessToken}`);
    case 'anonymous':
      return keyDigest('anonymous');
  }
};

/**
 * Automatic persisted queries shared by every replica: a bounded in-memory LRU in front of
 * Redis. Window counters in Redis (rate-limiter-flexible, as the rate limits) admit at most
 * maxEntries registrations per TTL window in all and apqCallerBudget(maxEntries) per caller
 * (one caller cannot use up everyone's budget), and each document expires one TTL after it was
 * written. While Redis answers, Redis so holds at most 2 x maxEntries documents (the current and
 * the previous window's) of at most maxDocumentChars each. A count decided in a replica's
 * memory (Redis failing) admits nothing: a registration is written only on Redis's own count. Redis slow or down: every call is bounded by the shared
 * store and misses, and the memory tier serves what this replica has seen.
 */
export const createApqStore = (options: ApqStoreOptions) => {
  const { store, metrics } = options;
  const memory = new LRUCache<string, string>({
    max: options.memory?.maxEntries ?? 2_000,
    maxSize: options.memory?.maxChars ?? 8 * 1_048_576,
    sizeCalculation: (document) => document.length + 64,
  });
  const keyOf = (hash: string) => `${options.keyPrefix}:apq:${hash}`;
  const windowSeconds = Math.max(1, Math.ceil(options.ttlMs / 1_000));
  const total = options.limiters.create({
    name: 'apq-admissions',
    pointsPerWindow: Math.max(1, options.maxEntries),
    unboundedKeys: false,
    windowSeconds,
  });
  const perCaller = options.limiters.create({
    name: 'apq-admissions-caller',
    pointsPerWindow: Math.max(1, apqCallerBudget(options.maxEntries)),
    unboundedKeys: true,
    windowSeconds,
  });
  const shared = store.state !== 'disabled';

  const fromRedis = async (hash: string): Promise<string | undefined> => {
    const entry = await store.get(keyOf(hash));
    // A value that is not the document its hash names (a tampered or colliding key) is a miss.
    if (!entry || sha256Hex(entry.value) !== hash) return undefined;
    memory.set(hash, entry.value);
    return entry.value;
  };

  const admitted = async (caller: Caller) => {
    // The caller's own budget first: a caller past it uses none of everyone's.
    const own = await perCaller.consume(callerKeyOf(caller));
    if (!own.allowed || own.fallback) return false;
    const all = await total.consume('registrations');
    return all.allowed && !all.fallback;
  };

  const admitToRedis = async (hash: string, document: string, caller: Caller) => {
    if (!(await admitted(caller))) {
      metrics.persistedDocuments.inc({ event: 'apq_register', result: 'memory_only' });
      return;
    }
    const stored = await store.set(keyOf(hash), document, options.ttlMs, { onlyIfAbsent: true });
    metrics.persistedDocuments.inc({
      event: 'apq_register',
      result: stored ? 'stored' : 'already_stored',
    });
  };

  return {
    /** The document of a hash: from memory at once, else a bounded look in Redis. */
    get(hash: string): string | undefined | Promise<string | undefined> {
      const known = memory.get(hash);
      if (known !== undefined || !shared) return known;
      return fromRedis(hash);
    },
    /**
     * Keeps a document that validated, for a caller SEEK (or the gateway) accepted. Redis is
     * written in the background: the answer never waits for it.
     */
    register(hash: string, document: string, caller: Caller): void {
      memory.set(hash, document);
      if (!shared || options.maxEntries === 0 || document.length > options.maxDocumentChars) {
        metrics.persistedDocuments.inc({ event: 'apq_register', result: 'memory_only' });
        return;
      }
      // Bounded store calls resolve as misses on failure; nothing here rejects.
      void admitToRedis(hash, document, caller);
    },
  };
};

export type ApqStore = ReturnType<typeof createApqStore>;
