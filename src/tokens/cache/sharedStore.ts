import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';

import { describeError, type Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import type { SpanAttributes, Tracing } from '../../observability/tracing';
import {
  createRedisConnection,
  describeRedisFailure,
  withinGrace,
  type AnyRedisClient,
  type RedisConnectionOptions,
} from './redisConnection';

export type SharedStoreState = 'ready' | 'degraded' | 'disabled';
export type LockResult = 'acquired' | 'held' | 'unavailable';
export interface SharedEntry {
  value: string;
  ttlMs: number;
}

/**
 * The cross-replica part of the token cache. Every call is bounded: it answers within the
 * configured command timeout or resolves as a miss/failure, so Redis being down, slow or
 * half-open never holds a request. Callers then fall back to memory or a direct fetch.
 */
export interface SharedStore {
  readonly state: SharedStoreState;
  /**
   * While degraded: why, naming the setting to look at (REDIS_TLS_CA_FILE, the password
   * variables, a refused connection). Never holds a password or a token.
   */
  readonly reason?: string | undefined;
  /**
   * The value and its remaining Redis TTL. Expiry is read from Redis, not from the writer's
   * clock, so replicas whose clocks disagree still agree on how long a token has left.
   */
  get(key: string): Promise<SharedEntry | undefined>;
  set(
    key: string,
    value: string,
    ttlMs: number,
    options?: { onlyIfAbsent?: boolean },
  ): Promise<boolean>;
  delete(key: string): Promise<void>;
  acquireLock(key: string, owner: string, ttlMs: number): Promise<LockResult>;
  releaseLock(key: string, owner: string): Promise<void>;
  /**
   * The bounded node-redis client behind the store, for the rate limits (rate-limiter-flexible
   * counts in the same Redis); undefined without Redis.
   */
  readonly redisClient?: AnyRedisClient | undefined;
  /** Called each time the connection becomes ready again (e.g. to write tokens back). */
  onReady(listener: () => void): void;
  close(): Promise<void>;
}

/** A store for running without Redis: every call misses, so the in-process tier does all. */
export const disabledSharedStore: SharedStore = {
  state: 'disabled',
  get: async () => undefined,
  set: async () => false,
  delete: async () => undefined,
  acquireLock: async () => 'unavailable',
  releaseLock: async () => undefined,
  onReady: () => undefined,
  close: async () => undefined,
};

// Deletes the lock only when this replica still owns it, so a slow owner whose lock expired
// can't release the lock a newer owner holds.
const RELEASE_LOCK_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

const TIMED_OUT = Symbol('timed out');

export interface RedisSharedStoreOptions {
  /** One Redis by URL (shorthand for `redis: { connection: { mode: 'standalone', url } }`). */
  url?: string;
  /** One Redis, a cluster or a sentinel set, with TLS and credentials. */
  redis?: RedisConnectionOptions;
  /** Bound on every Redis call; past it the call counts as a miss. @default 50 */
  commandTimeoutMs: number;
  /** After a failure Redis is skipped this long, so a dead Redis costs nothing per request. @default 1000 */
  breakerMs?: number;
  logger: Logger;
  metrics: Metrics;
  /** With tracing on, each Redis call is a client span (command name only). */
  tracing?: Tracing;
}

/** The Redis commands each store operation sends (`get` pipelines two in one write). */
const COMMANDS = {
  get: 'GET PTTL',
  set: 'SET',
  delete: 'DEL',
  lock: 'SET',
  unlock: 'EVAL',
} as const;
type Operation = keyof typeof COMMANDS;

/**
 * The attributes of a Redis call's span, made once per operation: the system, the command and
 * the store's operation. Never the key (it holds the client id) or the value (a token).
 */
const SPAN_ATTRIBUTES = {} as Record<Operation, SpanAttributes>;
for (const operation of Object.keys(COMMANDS) as Operation[])
  SPAN_ATTRIBUTES[operation] = {
    'db.system': 'redis',
    'db.operation.name': COMMANDS[operation],
    'gateway.cache.operation': operation,
  };

/** A client error this recent, with no call succeeding since, keeps /ready degraded. */
const FLAP_WINDOW_MS = 5_000;

/** How often a cluster or sentinel connection is looked at for becoming ready again. */
const READY_WATCH_MS = 500;

/**
 * Redis through Keyv (@keyv/redis) for the token values, and the same node-redis client for
 * the lock and counters. The client is built here (redisConnection.ts), not from a URL inside
 * @keyv/redis: with defaults, Keyv + @keyv/redis queue commands while Redis is down and hang
 * requests. One Redis, a Redis Cluster and Sentinel get the same bounds.
 */
export const createRedisSharedStore = (options: RedisSharedStoreOptions): SharedStore => {
  const { logger, metrics, commandTimeoutMs } = options;
  const breakerMs = options.breakerMs ?? 1_000;
  let breakerOpenUntil = 0;
  let lastErrorLogAt = 0;
  let closed = false;
  /** Why Redis is out, as /ready tells it: set by a failure, cleared when it is ready again. */
  let lastFailure: string | undefined = 'connecting';
  /** A call failed and none has succeeded since. */
  let failedSinceSuccess = false;
  let lastErrorAt = 0;
  let lastSuccessAt = 0;
  const readyListeners: Array<() => void> = [];
  const redisOptions: RedisConnectionOptions = options.redis ?? {
    connection: { mode: 'standalone', url: options.url ?? '' },
  };
  if (redisOptions.connection.mode === 'standalone' && !redisOptions.connection.url)
    throw new Error('createRedisSharedStore needs a Redis URL, cluster nodes or sentinels');
  const connection = createRedisConnection(redisOptions);
  const { client, commands } = connection;

  const noteFailure = (error: unknown) => {
    const reason = describeRedisFailure(error, connection.secret);
    // The socket closing after a TLS or AUTH refusal says less than the refusal itself.
    const generic = /^Socket closed unexpectedly|^connection refused|timed out/.test(reason);
    if (generic && lastFailure && /^(TLS|authentication)/.test(lastFailure)) return;
    lastFailure = reason;
  };
  const becameReady = () => {
    metrics.redisUp.set(1);
    breakerOpenUntil = 0;
    logger.info({ mode: connection.mode }, 'redis ready');
    for (const listener of readyListeners) listener();
  };
  const onError = (error: unknown) => {
    lastErrorAt = Date.now();
    metrics.redisErrors.inc({ operation: 'client' });
    noteFailure(error);
    // One line per 10 s at most: a Redis that is down must not flood the log. The line holds
    // the classified reason (scrubbed of the password), never the URL.
    const now = Date.now();
    if (now - lastErrorLogAt > 10_000) {
      lastErrorLogAt = now;
      logger.warn(
        { mode: connection.mode, reason: lastFailure },
        'redis unavailable; serving tokens from memory',
      );
    }
  };
  // Always an 'error' listener: without one an error event would crash the process.
  client.on('error', onError);
  metrics.redisUp.set(0);
  let watch: NodeJS.Timeout | undefined;
  if (connection.mode === 'standalone') {
    client.on('ready', becameReady);
    client.on('end', () => metrics.redisUp.set(0));
    client.on('reconnecting', () => metrics.redisUp.set(0));
  } else {
    // A cluster or sentinel has no single 'ready' event: watch for the transition.
    let wasReady = false;
    watch = setInterval(() => {
      const ready = connection.isReady();
      if (ready && !wasReady) becameReady();
      if (!ready && wasReady) metrics.redisUp.set(0);
      wasReady = ready;
    }, READY_WATCH_MS);
    watch.unref();
  }
  // Connect eagerly and never await it: start-up must not wait for Redis, and @keyv/redis
  // leaks listeners when it has to connect per operation.
  const connecting = connection.start();

  const keyv = new Keyv<string>({
    store: new KeyvRedis(client, {
      throwOnConnectError: false,
      throwOnErrors: true,
    }),
    namespace: undefined,
    useKeyPrefix: false,
    throwOnErrors: true,
    // Keyv would store its own `expires` and check it against this replica's clock, deleting a
    // shared token early when the clock runs ahead. Our value carries its own expiry and Redis
    // TTL does the evicting, so Keyv's envelope holds the value only.
    serialize: (data) => JSON.stringify(data.value),
    deserialize: <Value>(raw: string) => ({ value: JSON.parse(raw) as Value }),
  });
  keyv.on('error', () => undefined); // surfaced through throwOnErrors below; avoid an unhandled 'error' event

  const usable = () => !closed && connection.isReady() && Date.now() >= breakerOpenUntil;
  /**
   * What /ready reports. A cluster or sentinel client stays "ready" while the node it needs is
   * gone (a master failing over), so for them a failed call counts until a call succeeds.
   */
  const healthy = () => {
    // A connection that comes up and is dropped again at once (a TLS 1.3 server refusing the
    // client certificate after the handshake) is not healthy between two of its errors.
    const flapping = lastErrorAt > lastSuccessAt && Date.now() - lastErrorAt < FLAP_WINDOW_MS;
    return usable() && !flapping && (connection.mode === 'standalone' || !failedSinceSuccess);
  };

  /** One Redis call raced against the bound: rejects on timeout or failure. */
  const withinBound = async <T>(operation: Operation, call: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    try {
      const result = await Promise.race([
        call(),
        new Promise<typeof TIMED_OUT>((resolve) => {
          // A busy event loop must not pass for a slow Redis: count from when node-redis writes
          // the command (it writes in a setImmediate), and when the bound passes, let the poll
          // phase read a reply that already arrived before calling it a timeout.
          setImmediate(() => {
            if (settled) return;
            timer = setTimeout(() => setImmediate(resolve, TIMED_OUT), commandTimeoutMs);
          });
        }),
      ]);
      if (result === TIMED_OUT)
        throw Object.assign(
          new Error(`redis ${operation} timed out after ${commandTimeoutMs} ms`),
          {
            code: 'timeout',
          },
        );
      return result;
    } finally {
      settled = true;
      clearTimeout(timer);
    }
  };

  // With tracing on, each call that reaches Redis is a span (a skipped one makes none).
  const { tracing } = options;
  const attempt = tracing
    ? <T>(operation: Operation, call: () => Promise<T>) =>
        tracing.inSpan(`redis ${operation}`, SPAN_ATTRIBUTES[operation], () =>
          withinBound(operation, call),
        )
    : withinBound;

  /** Runs one Redis call within the bound; undefined on timeout, failure or skipped. */
  const bounded = async <T>(
    operation: Operation,
    call: () => Promise<T>,
  ): Promise<T | undefined> => {
    if (!usable()) return undefined;
    try {
      const result = await attempt(operation, call);
      lastSuccessAt = Date.now();
      lastFailure = undefined;
      if (failedSinceSuccess) {
        // A cluster or sentinel answers again (after a failover, say): ready, and the tokens
        // are written back as after a reconnect.
        failedSinceSuccess = false;
        if (connection.mode !== 'standalone') becameReady();
      }
      return result;
    } catch (error) {
      metrics.redisErrors.inc({ operation });
      breakerOpenUntil = Date.now() + breakerMs;
      failedSinceSuccess = true;
      lastErrorAt = Date.now();
      if (connection.mode !== 'standalone') metrics.redisUp.set(0);
      noteFailure(error);
      logger.debug({ err: describeError(error), operation }, 'redis call failed');
      return undefined;
    }
  };

  return {
    redisClient: client,
    get state(): SharedStoreState {
      return healthy() ? 'ready' : 'degraded';
    },
    get reason() {
      if (healthy()) return undefined;
      if (closed) return 'closed';
      return lastFailure ?? 'not connected';
    },
    async get(key) {
      // Both commands leave in one write (node-redis pipelines calls made in the same tick).
      const reply = await bounded('get', () => Promise.all([keyv.get(key), commands.pTTL(key)]));
      if (!reply) return undefined;
      const [value, ttlMs] = reply;
      return typeof value === 'string' && ttlMs > 0 ? { value, ttlMs } : undefined;
    },
    async set(key, value, ttlMs, setOptions) {
      const ttl = Math.max(1, Math.floor(ttlMs));
      if (setOptions?.onlyIfAbsent) {
        const stored = await bounded('set', () =>
          commands.set(key, JSON.stringify(value), { NX: true, PX: ttl }),
        );
        return stored === 'OK';
      }
      return (await bounded('set', () => keyv.set(key, value, ttl))) === true;
    },
    async delete(key) {
      await bounded('delete', () => keyv.delete(key));
    },
    async acquireLock(key, owner, ttlMs) {
      const result = await bounded('lock', () =>
        commands.set(key, owner, { NX: true, PX: Math.floor(ttlMs) }),
      );
      if (result === undefined) return 'unavailable';
      return result === 'OK' ? 'acquired' : 'held';
    },
    async releaseLock(key, owner) {
      await bounded('unlock', () =>
        commands.eval(RELEASE_LOCK_SCRIPT, { keys: [key], arguments: [owner] }),
      );
    },
    onReady(listener) {
      readyListeners.push(listener);
    },
    async close() {
      closed = true;
      clearInterval(watch);
      // Each wait is bounded: a Redis that accepts and never answers must not hold shutdown.
      // A connect still in progress settles first, so no socket opens after we are done.
      await withinGrace(connecting);
      await connection.close();
    },
  };
};
