import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';

import { cacheKeyPrefix, type GatewayDeps } from '../src/app';
import { createMetrics } from '../src/observability/metrics';
import type { SeekSimulator } from '../src/seek/simulator';
import { createRedisSharedStore, type SharedStore } from '../src/tokens/cache/sharedStore';
import {
  gatewayCipher,
  metricValue,
  movableClock,
  scrapeValue,
  serviceQuery,
  waitFor,
} from './support/cacheSupport';
import {
  REDIS_URL,
  connectRedis,
  createLogCapture,
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';
import { createLogger } from '../src/observability/logger';

const LIFETIME_MS = 1_800_000; // the simulator's default partner token lifetime
type RedisClient = Awaited<ReturnType<typeof connectRedis>>;

const partnerKey = (gw: TestGateway) => `${cacheKeyPrefix(gw.config)}:partner:current`;
/** The partner tokens SEEK (the simulator) was sent on GraphQL calls, in order. */
const tokensSeen = (simulator: SeekSimulator) =>
  graphqlCalls(simulator).map((call) => String(call.headers.authorization).replace(/^Bearer /, ''));

/**
 * Time passes consistently for a replica and for Redis: its clock moves ahead and the shared
 * token's Redis TTL shrinks by the same amount (Redis, not the replica clock, says how long a
 * shared token has left, so moving only the clock would look like clock skew).
 */
const age = async (redis: RedisClient, key: string, clock: { offsetMs: number }, byMs: number) => {
  clock.offsetMs += byMs;
  const ttl = await redis.pTTL(key);
  expect(ttl).toBeGreaterThan(byMs);
  await redis.pExpire(key, ttl - byMs);
};

/** The real Redis store the gateway would build, with every call counted. */
const countingRedisStore = (metrics: ReturnType<typeof createMetrics>) => {
  const inner = createRedisSharedStore({
    url: REDIS_URL,
    commandTimeoutMs: 50,
    logger: createLogger({ level: 'silent', destination: createLogCapture().stream }),
    metrics,
  });
  const calls: string[] = [];
  const store: SharedStore = {
    get state() {
      return inner.state;
    },
    get: (key) => (calls.push(`get ${key}`), inner.get(key)),
    set: (key, value, ttl, options) => (
      calls.push(`set ${key}`),
      inner.set(key, value, ttl, options)
    ),
    delete: (key) => (calls.push(`delete ${key}`), inner.delete(key)),
    acquireLock: (key, owner, ttl) => (
      calls.push(`lock ${key}`),
      inner.acquireLock(key, owner, ttl)
    ),
    releaseLock: (key, owner) => (calls.push(`unlock ${key}`), inner.releaseLock(key, owner)),
    onReady: (listener) => inner.onReady(listener),
    close: () => inner.close(),
  };
  return { store, calls };
};

describe('partner token cache: scale', () => {
  let simulator: SeekSimulator;
  let redis: RedisClient;
  const gateways: TestGateway[] = [];
  const start = async (
    overrides: Record<string, string | undefined> = {},
    deps: Partial<GatewayDeps> = {},
  ) => {
    const gw = await startGateway(simulator, overrides, deps);
    gateways.push(gw);
    return gw;
  };

  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('cache') });
    redis = await connectRedis();
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.stop()));
    await simulator.close();
    await redis.close();
  });

  it('serves the steady state from memory: no Redis call, hits counted and exposed in /metrics', async () => {
    const metrics = createMetrics();
    const { store, calls } = countingRedisStore(metrics);
    const gw = await start({}, { metrics, sharedStore: store });
    await waitFor('redis ready', () => store.state === 'ready');

    expect((await serviceQuery(gw.gateway.app)).status).toBe(200);
    expect(simulator.count('auth')).toBe(1);
    const before = { ...gw.gateway.partnerCache.stats };
    const callsBefore = calls.length;
    const scrapeBefore = (await request(gw.gateway.app).get('/metrics')).text;

    const N = 50;
    for (let batch = 0; batch < N / 10; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => serviceQuery(gw.gateway.app)),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    }

    const after = gw.gateway.partnerCache.stats;
    expect(after.memoryHits - before.memoryHits).toBe(N);
    expect(after.sharedHits).toBe(before.sharedHits);
    expect(after.misses).toBe(before.misses);
    expect(after.fetches).toBe(1);
    // Not one Redis call on the request path once the token is in memory.
    expect(calls.slice(callsBefore)).toEqual([]);
    expect(simulator.count('auth')).toBe(1);

    const scrape = (await request(gw.gateway.app).get('/metrics')).text;
    const hit = { kind: 'partner', result: 'memory_hit' };
    expect(scrapeValue(scrape, 'gateway_token_cache_total', hit)).toBe(
      (scrapeValue(scrapeBefore, 'gateway_token_cache_total', hit) ?? 0) + N,
    );
    expect(
      scrapeValue(scrape, 'gateway_token_cache_total', { kind: 'partner', result: 'miss' }),
    ).toBe(1);
    expect(
      scrapeValue(scrape, 'gateway_token_cache_total', { kind: 'partner', result: 'fetch' }),
    ).toBe(1);
  });

  it('makes one token exchange for two instances × 30 concurrent requests: cold, after SEEK expires the token, and at the refresh point', async () => {
    const clock = movableClock();
    const a = await start({}, { clock });
    const b = await start({}, { clock });
    const key = partnerKey(a);
    const burst = async () => {
      const answers = await Promise.all(
        [a, b].flatMap((gw) => Array.from({ length: 30 }, () => serviceQuery(gw.gateway.app))),
      );
      expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
      expect(answers.filter((answer) => answer.body.errors)).toEqual([]);
    };
    const fetches = () =>
      a.gateway.partnerCache.stats.fetches + b.gateway.partnerCache.stats.fetches;

    // Cold cache on both.
    await burst();
    expect(simulator.count('auth')).toBe(1);
    expect(fetches()).toBe(1);
    const first = tokensSeen(simulator);
    expect(new Set(first).size).toBe(1);

    // SEEK revokes every token: UNAUTHENTICATED on both instances, still one exchange.
    simulator.expireTokens();
    simulator.clearRequests();
    await burst();
    expect(simulator.count('auth')).toBe(1);
    expect(fetches()).toBe(2);
    const second = tokensSeen(simulator).filter((token) => token !== first[0]);
    expect(new Set(second).size).toBe(1);
    const renewed = second[0] as string;

    // The token ages past its refresh point (70-80% of the lifetime): one background refresh.
    await age(redis, key, clock, LIFETIME_MS * 0.85);
    simulator.clearRequests();
    await burst();
    // Requests at the refresh point are served with the current token, without waiting.
    expect(new Set(tokensSeen(simulator))).toEqual(new Set([renewed]));
    for (const gw of [a, b]) {
      await waitFor(
        'the refreshed token in memory',
        async () => (await gw.gateway.partnerTokens.get()).accessToken !== renewed,
      );
    }
    expect(simulator.count('auth')).toBe(1);
    expect(fetches()).toBe(3);
    expect(a.gateway.partnerCache.stats.refreshes).toBeGreaterThanOrEqual(1);
    expect(b.gateway.partnerCache.stats.refreshes).toBeGreaterThanOrEqual(1);

    simulator.clearRequests();
    await burst();
    const third = tokensSeen(simulator);
    expect(new Set(third).size).toBe(1);
    expect(third[0]).not.toBe(renewed);
    expect(simulator.count('auth')).toBe(0);
  });

  it('never takes back a rejected token: a lookup racing invalidate() does not re-adopt it from Redis', async () => {
    const gw = await start();
    const { partnerTokens } = gw.gateway;
    const rejected = (await partnerTokens.get()).accessToken;
    expect(await redis.exists(partnerKey(gw))).toBe(1);

    // SEEK said UNAUTHENTICATED to it; meanwhile another request looks the token up: both read
    // Redis before the invalidation has deleted the key there.
    simulator.expireTokens();
    const invalidating = partnerTokens.invalidate(rejected);
    const racing = partnerTokens.get();
    await invalidating;
    expect((await racing).accessToken).not.toBe(rejected);
    expect((await partnerTokens.get()).accessToken).not.toBe(rejected);

    expect((await serviceQuery(gw.gateway.app)).body.errors).toBeUndefined();
    expect(simulator.count('auth')).toBe(2);
  });

  it('refreshes ahead: at 85% of the lifetime the request is answered at once with the old token, one fetch runs in the background', async () => {
    const clock = movableClock();
    const gw = await start({}, { clock });
    expect((await serviceQuery(gw.gateway.app)).status).toBe(200);
    const [old] = tokensSeen(simulator);
    simulator.clearRequests();

    await age(redis, partnerKey(gw), clock, LIFETIME_MS * 0.85);
    // The exchange takes 1.5 s: a request that waited for it would show it.
    simulator.fault('auth', { kind: 'delay', ms: 1_500 });
    const due = await serviceQuery(gw.gateway.app);
    expect(due.status).toBe(200);
    expect(due.ms).toBeLessThan(1_000);
    expect(tokensSeen(simulator)).toEqual([old]);
    expect(gw.gateway.partnerCache.stats.refreshes).toBe(1);

    // More requests while the refresh is in flight: still the old token, no second fetch.
    const during = await Promise.all(Array.from({ length: 5 }, () => serviceQuery(gw.gateway.app)));
    expect(during.every((answer) => answer.status === 200 && answer.ms < 1_000)).toBe(true);
    expect(tokensSeen(simulator)).toEqual(Array(6).fill(old));

    await waitFor(
      'the background refresh',
      async () => (await gw.gateway.partnerTokens.get()).accessToken !== old,
      5_000,
    );
    expect(simulator.count('auth')).toBe(1);
    expect(gw.gateway.partnerCache.stats.fetches).toBe(2);

    simulator.clearRequests();
    expect((await serviceQuery(gw.gateway.app)).status).toBe(200);
    const [fresh] = tokensSeen(simulator);
    expect(fresh).not.toBe(old);
    expect(fresh).toBe((await gw.gateway.partnerTokens.get()).accessToken);
    expect(simulator.count('auth')).toBe(0);
  });

  it('keeps the token encrypted in Redis: neither the token nor its base64 is in the stored value', async () => {
    const gw = await start();
    expect((await serviceQuery(gw.gateway.app)).status).toBe(200);
    const [token] = tokensSeen(simulator);
    expect(token).toBeDefined();
    const accessToken = token as string;

    const key = partnerKey(gw);
    const raw = await redis.get(key);
    expect(raw).toEqual(expect.any(String));
    const stored = raw as string;
    const forbidden = [
      accessToken,
      Buffer.from(accessToken).toString('base64'),
      Buffer.from(accessToken).toString('base64url'),
      // each JWT segment on its own (header, claims, signature)
      ...accessToken.split('.').filter((segment) => segment.length >= 16),
    ];
    for (const text of forbidden) expect(stored).not.toContain(text);
    // Nor any other key of this client.
    for (const other of await redis.keys(`${cacheKeyPrefix(gw.config)}:*`)) {
      if ((await redis.type(other)) === 'string')
        expect(await redis.get(other)).not.toContain(accessToken);
    }

    // It is the token, sealed with the key the gateway derives from its credentials.
    const cipher = gatewayCipher(simulator);
    const opened = cipher.open(JSON.parse(stored) as string, key);
    expect(JSON.parse(opened as string)).toMatchObject({ accessToken });
    // Copied under another key, the value does not open.
    expect(cipher.open(JSON.parse(stored) as string, `${key}-copy`)).toBeUndefined();
  });

  it('tolerates clock skew: instances 10 min ahead and 10 min behind use the shared token without fetching or deleting it', async () => {
    const writer = await start();
    expect((await serviceQuery(writer.gateway.app)).status).toBe(200);
    const key = partnerKey(writer);
    const rawBefore = await redis.get(key);
    const [token] = tokensSeen(simulator);

    for (const offsetMs of [10 * 60_000, -10 * 60_000]) {
      const skewed = await start({}, { clock: movableClock(offsetMs) });
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => serviceQuery(skewed.gateway.app)),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill(200));
      expect(skewed.gateway.partnerCache.stats).toMatchObject({ sharedHits: 1, fetches: 0 });
      // Still there, unchanged, with the TTL the writer gave it.
      expect(await redis.get(key)).toBe(rawBefore);
      const ttl = await redis.pTTL(key);
      expect(ttl).toBeGreaterThan(LIFETIME_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(LIFETIME_MS);
    }
    expect(simulator.count('auth')).toBe(1);
    expect(new Set(tokensSeen(simulator))).toEqual(new Set([token]));
  });
});

describe('partner token cache: auth server faults', () => {
  let simulator: SeekSimulator;
  let redis: RedisClient;
  let gw: TestGateway | undefined;
  let tmp: string | undefined;

  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('authfault') });
    redis = await connectRedis();
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    await simulator.close();
    await redis.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
    tmp = undefined;
  });

  it('keeps serving the cached token while the auth server is down at the refresh point, counting the failures', async () => {
    const clock = movableClock();
    gw = await startGateway(simulator, {}, { clock });
    const { app, metrics } = gw.gateway;
    expect((await serviceQuery(app)).status).toBe(200);
    const [old] = tokensSeen(simulator);
    simulator.clearRequests();

    simulator.fault('auth', { kind: 'status', status: 503 }, Infinity);
    await age(redis, partnerKey(gw), clock, LIFETIME_MS * 0.85);
    const failed = { kind: 'partner', reason: 'unavailable' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => serviceQuery(app)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));

    await waitFor(
      'the failed background refresh',
      async () => (await metricValue(metrics, 'gateway_token_fetch_failures_total', failed)) === 1,
    );
    const later = await Promise.all(Array.from({ length: 20 }, () => serviceQuery(app)));
    expect(later.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(new Set(tokensSeen(simulator))).toEqual(new Set([old]));
    // One refresh (three attempts, retried with backoff), not one per request.
    expect(simulator.count('auth')).toBe(3);
    expect(gw.gateway.partnerCache.stats.refreshes).toBe(1);
    const scrape = (await request(app).get('/metrics')).text;
    expect(scrapeValue(scrape, 'gateway_token_fetch_failures_total', failed)).toBe(1);
  });

  it('answers SEEK_AUTH_UNAVAILABLE (HTTP 503) naming the cause when the auth server is down at a cold start', async () => {
    gw = await startGateway(simulator);
    simulator.fault('auth', { kind: 'status', status: 503 }, Infinity);
    const answer = await serviceQuery(gw.gateway.app);
    expect(answer.status).toBe(503);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('SEEK_AUTH_UNAVAILABLE');
    expect(answer.body.errors?.[0]?.message).toContain('HTTP 503');
    expect(simulator.count('auth')).toBe(3);
    expect(
      await metricValue(gw.gateway.metrics, 'gateway_token_fetch_failures_total', {
        kind: 'partner',
        reason: 'unavailable',
      }),
    ).toBe(1);
    expect(graphqlCalls(simulator)).toHaveLength(0);
  });

  it('answers SEEK_AUTH_REJECTED naming SEEK_CLIENT_ID/SEEK_CLIENT_SECRET, without the secret, when auth says 401', async () => {
    const wrongSecret = 'wrong-secret-5f0e1c9a7b3d';
    gw = await startGateway(simulator, { SEEK_CLIENT_SECRET: wrongSecret });
    const answer = await serviceQuery(gw.gateway.app);
    const error = answer.body.errors?.[0];
    expect(error?.extensions?.code).toBe('SEEK_AUTH_REJECTED');
    expect(answer.status).toBe(502);
    expect(error?.message).toContain('SEEK_CLIENT_ID');
    expect(error?.message).toContain('SEEK_CLIENT_SECRET');
    expect(JSON.stringify(answer.body)).not.toContain(wrongSecret);
    expect(JSON.stringify(answer.body)).not.toContain(simulator.clientSecret);
    expect(gw.logs.text()).not.toContain(wrongSecret);
    // 401 is not retried.
    expect(simulator.count('auth')).toBe(1);
  });

  it('recovers from a rotated secret by re-reading SEEK_CLIENT_SECRET_FILE once', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'seek-secret-'));
    const file = join(tmp, 'client-secret');
    await writeFile(file, `${simulator.clientSecret}\n`);
    gw = await startGateway(simulator, {
      SEEK_CLIENT_SECRET: undefined,
      SEEK_CLIENT_SECRET_FILE: file,
    });
    expect((await serviceQuery(gw.gateway.app)).status).toBe(200);

    const rotated = 'rotated-secret-0d9c2b7e41aa';
    simulator.setClientSecret(rotated);
    await writeFile(file, `${rotated}\n`);
    simulator.expireTokens();
    simulator.clearRequests();

    const answer = await serviceQuery(gw.gateway.app);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    // One 401 with the old secret, one success with the re-read one.
    expect(simulator.count('auth')).toBe(2);
    const secretsSent = simulator.requests
      .filter((recorded) => recorded.route === 'auth')
      .map((recorded) => (recorded.body as { client_secret?: string }).client_secret);
    expect(secretsSent).toEqual([expect.not.stringContaining(rotated), rotated]);
    expect(gw.logs.text()).not.toContain(rotated);

    // Rotated again without updating the file: rejected after one re-read, not a loop.
    simulator.setClientSecret('rotated-again-77e3a1f0');
    simulator.expireTokens();
    simulator.clearRequests();
    const rejected = await serviceQuery(gw.gateway.app);
    expect(rejected.body.errors?.[0]?.extensions?.code).toBe('SEEK_AUTH_REJECTED');
    expect(simulator.count('auth')).toBe(1);
  });

  it('bounds a hanging auth server by SEEK_AUTH_TIMEOUT_MS, retrying inside it', async () => {
    gw = await startGateway(simulator, { SEEK_AUTH_TIMEOUT_MS: '600' });
    simulator.fault('auth', { kind: 'hang' }, Infinity);
    const answer = await serviceQuery(gw.gateway.app);
    expect(answer.status).toBe(503);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('SEEK_AUTH_UNAVAILABLE');
    expect(answer.body.errors?.[0]?.message).toContain('timeout');
    expect(answer.ms).toBeLessThan(600 + 600);
    expect(simulator.count('auth')).toBeGreaterThanOrEqual(2);
    expect(
      await metricValue(gw.gateway.metrics, 'gateway_token_fetch_failures_total', {
        kind: 'partner',
        reason: 'timeout',
      }),
    ).toBe(1);
  });

  it('retries an auth answer slower than its share of SEEK_AUTH_TIMEOUT_MS and succeeds', async () => {
    gw = await startGateway(simulator, { SEEK_AUTH_TIMEOUT_MS: '2000' });
    simulator.fault('auth', { kind: 'delay', ms: 5_000 });
    const answer = await serviceQuery(gw.gateway.app);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.ms).toBeLessThan(2_000 + 600);
    expect(simulator.count('auth')).toBe(2);
  });

  it('retries a malformed token answer and succeeds with two auth calls', async () => {
    gw = await startGateway(simulator);
    simulator.fault('auth', { kind: 'malformed' });
    const answer = await serviceQuery(gw.gateway.app);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(simulator.count('auth')).toBe(2);
    expect(gw.gateway.partnerCache.stats.fetches).toBe(1);
  });
});
