import { LRUCache } from 'lru-cache';
import type { Limiter } from '../protection/limiters';

import type { Metrics } from '../observability/metrics';
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
   * Counts registrations admitted to Redis: `maxEntries` per TTL window, shared by every replica
   * (the rate limiters' Redis counts; without Redis this replica's).
   */
  admissions: Limiter;
  metrics: Metrics;
  /** The in-memory tier in front of Redis, per replica. */
  memory?: {
    /** @default 2000 */
    maxEntries?: number;
    /** Characters of documents held in all. @default 8 MiB */
    maxChars?: number;
  };
}

/**
 * Automatic persisted queries shared by every replica: a bounded in-memory LRU in front of
 * Redis. Redis holds at most 2 x maxEntries documents of at most maxDocumentChars each: a
 * window counter in Redis (rate-limiter-flexible, as the rate limits) admits maxEntries registrations per TTL window, and each
 * document expires one TTL after it was written, so only the current and the previous
 * window's documents can be alive. Redis slow or down: every call is bounded by the shared
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
  const shared = store.state !== 'disabled';

  const fromRedis = async (hash: string): Promise<string | undefined> => {
    const entry = await store.get(keyOf(hash));
    // A value that is not the document its hash names (a tampered or colliding key) is a miss.
    if (!entry || sha256Hex(entry.value) !== hash) return undefined;
    memory.set(hash, entry.value);
    return entry.value;
  };

  const admitToRedis = async (hash: string, document: string) => {
    const admission = await options.admissions.consume('registrations');
    if (!admission.allowed) {
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
    register(hash: string, document: string): void {
      memory.set(hash, document);
      if (!shared || options.maxEntries === 0 || document.length > options.maxDocumentChars) {
        metrics.persistedDocuments.inc({ event: 'apq_register', result: 'memory_only' });
        return;
      }
      // Bounded store calls resolve as misses on failure; nothing here rejects.
      void admitToRedis(hash, document);
    },
  };
};

export type ApqStore = ReturnType<typeof createApqStore>;
