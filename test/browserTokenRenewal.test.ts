// Renewal of browser tokens: a token SEEK refused on its way through the gateway is not handed
// out again, `forceRefresh` replaces a cached token, and both stay within the per-user rate
// limit, whose refusal says when to try again (Retry-After).
import request from 'supertest';

import { cacheKeyPrefix } from '../src/app';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  FAKE_LTD,
  SERVICE_KEY,
  connectRedis,
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  userJwt,
  type TestGateway,
} from './support/harness';
import { manualClock } from './support/callers';

const SCOPE = 'query:organizations';
const SELF = '{ self { hirer { id { value } } } }';

const BROWSER_TOKEN = `mutation Renew($hirerId: String!, $scope: String!, $userId: String, $forceRefresh: Boolean) {
  browserToken(hirerId: $hirerId, scope: $scope, userId: $userId, forceRefresh: $forceRefresh) {
    accessToken expiresIn
  }
}`;

const post = (gw: TestGateway, authorization: string, body: object) =>
  request(gw.gateway.app).post('/graphql').set('authorization', authorization).send(body);

/** The browserToken mutation for the hirer Fake Ltd; the access token, or the whole response. */
const askToken = async (
  gw: TestGateway,
  authorization: string,
  variables: { forceRefresh?: boolean; userId?: string } = {},
) =>
  post(gw, authorization, {
    query: BROWSER_TOKEN,
    variables: { hirerId: FAKE_LTD, scope: SCOPE, ...variables },
  });

const tokenOf = (response: request.Response): string => {
  expect(response.body.errors).toBeUndefined();
  expect(response.status).toBe(200);
  return response.body.data.browserToken.accessToken as string;
};

describe('browserToken renewal', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;
  let clock: ReturnType<typeof manualClock>;
  let user: string;
  const others: TestGateway[] = [];

  beforeEach(async () => {
    clock = manualClock();
    simulator = await startSimulator({ clientId: uniqueClientId('renewal') });
    gw = await startGateway(simulator, {}, { clock });
    user = `Bearer ${await userJwt({ hirerIds: [FAKE_LTD], userId: 'user-renewal' })}`;
  });
  afterEach(async () => {
    await Promise.all([gw.stop(), ...others.splice(0).map((other) => other.stop())]);
    await simulator.close();
  });

  /** Another replica on the same Redis, with an empty memory tier. */
  const replica = async () => {
    const other = await startGateway(simulator, {}, { clock });
    others.push(other);
    return other;
  };

  /**
   * SEEK revokes every token it issued (the partner token too). A service call renews the
   * partner token first, so the exchanges counted later are browser tokens only.
   */
  const seekRevokesEverything = async () => {
    simulator.expireTokens();
    const renewed = await post(gw, `Bearer ${SERVICE_KEY}`, { query: '{ version }' });
    expect(renewed.body.errors).toBeUndefined();
  };

  it('a cached token SEEK refuses on its way through is dropped: the next browserToken exchanges once for a new one', async () => {
    const first = tokenOf(await askToken(gw, user));
    expect(simulator.count('browserToken')).toBe(1);
    // Served from the cache while SEEK accepts it.
    expect(tokenOf(await askToken(gw, user))).toBe(first);
    expect(simulator.count('browserToken')).toBe(1);
    const accepted = await post(gw, `Bearer ${first}`, { query: SELF });
    expect(accepted.body.data.self.hirer.id.value).toBe(FAKE_LTD);

    await seekRevokesEverything();
    const refused = await post(gw, `Bearer ${first}`, { query: SELF });
    expect(refused.body.data ?? null).toBeNull();
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    simulator.clearRequests();
    const second = tokenOf(await askToken(gw, user));
    expect(second).not.toBe(first);
    expect(simulator.count('browserToken')).toBe(1);
    const works = await post(gw, `Bearer ${second}`, { query: SELF });
    expect(works.body.data.self.hirer.id.value).toBe(FAKE_LTD);

    // Redis holds the new token too: a replica that never saw either gets it, without SEEK.
    simulator.clearRequests();
    expect(tokenOf(await askToken(await replica(), user))).toBe(second);
    expect(simulator.count('browserToken')).toBe(0);
  });

  it('a token refused through another replica is found by the token alone and dropped from Redis', async () => {
    const first = tokenOf(await askToken(gw, user));
    const other = await replica(); // never cached it: it knows the token only from the request
    await seekRevokesEverything();
    const refused = await post(other, `Bearer ${first}`, { query: SELF });
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    // The drop runs after the answer: wait until Redis no longer indexes the token.
    const redis = await connectRedis();
    try {
      const pattern = `${cacheKeyPrefix(gw.config)}:browser-by-token:*`;
      let indexed = (await redis.keys(pattern)).length;
      for (let attempt = 0; indexed > 0 && attempt < 200; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        indexed = (await redis.keys(pattern)).length;
      }
      expect(indexed).toBe(0);
    } finally {
      await redis.quit();
    }

    simulator.clearRequests();
    const fresh = await replica();
    const second = tokenOf(await askToken(fresh, user));
    expect(second).not.toBe(first);
    expect(simulator.count('browserToken')).toBe(1);
  });

  it('a token SEEK refuses that the gateway never issued changes nothing', async () => {
    const cached = tokenOf(await askToken(gw, user));
    const stranger = await post(gw, 'Bearer not-a-token-from-here', { query: SELF });
    expect(stranger.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    simulator.clearRequests();
    expect(tokenOf(await askToken(gw, user))).toBe(cached);
    expect(simulator.count('browserToken')).toBe(0);
  });

  it('forceRefresh exchanges once for a new token, which replaces the cached one here and in Redis', async () => {
    const first = tokenOf(await askToken(gw, user));
    simulator.clearRequests();

    const refreshed = tokenOf(await askToken(gw, user, { forceRefresh: true }));
    expect(refreshed).not.toBe(first);
    expect(simulator.count('browserToken')).toBe(1);
    expect(graphqlCalls(simulator)).toHaveLength(0);

    // The cache now serves the new token, on this replica and on one that starts empty.
    expect(tokenOf(await askToken(gw, user))).toBe(refreshed);
    expect(tokenOf(await askToken(gw, user, { forceRefresh: false }))).toBe(refreshed);
    expect(tokenOf(await askToken(await replica(), user))).toBe(refreshed);
    expect(simulator.count('browserToken')).toBe(1);

    // A service may force a refresh on behalf of a user too.
    const service = `Bearer ${SERVICE_KEY}`;
    const forService = tokenOf(await askToken(gw, service, { userId: 'user-svc' }));
    const forServiceRefreshed = tokenOf(
      await askToken(gw, service, { userId: 'user-svc', forceRefresh: true }),
    );
    expect(forServiceRefreshed).not.toBe(forService);
    expect(simulator.count('browserToken')).toBe(3);
  });

  it('concurrent forced refreshes share one exchange', async () => {
    const first = tokenOf(await askToken(gw, user));
    simulator.clearRequests();
    const [a, b] = await Promise.all([
      askToken(gw, user, { forceRefresh: true }),
      askToken(gw, user, { forceRefresh: true }),
    ]);
    expect(tokenOf(a)).toBe(tokenOf(b));
    expect(tokenOf(a)).not.toBe(first);
    expect(simulator.count('browserToken')).toBe(1);
  });
});

describe('browserToken rate limit: forceRefresh counts, and RATE_LIMITED says when to retry', () => {
  it('answers 429 with Retry-After and extensions.retryAfterSeconds, without asking SEEK, and allows again after it', async () => {
    const simulator = await startSimulator({ clientId: uniqueClientId('retry-after') });
    // A 2-second window (the limit stays "per window"), so the test sees it end.
    const gw = await startGateway(
      simulator,
      { BROWSER_TOKEN_RATE_PER_MINUTE: '2' },
      { protection: { windowSeconds: 2 } },
    );
    try {
      const user = `Bearer ${await userJwt({ hirerIds: [FAKE_LTD], userId: 'user-limited' })}`;
      tokenOf(await askToken(gw, user));
      tokenOf(await askToken(gw, user, { forceRefresh: true }));
      expect(simulator.count('browserToken')).toBe(2);

      const limited = await askToken(gw, user, { forceRefresh: true });
      expect(limited.status).toBe(429);
      const seconds = Number(limited.headers['retry-after']);
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(2);
      expect(limited.body.errors[0].extensions).toMatchObject({
        code: 'RATE_LIMITED',
        retryAfterSeconds: seconds,
      });
      expect(limited.body.errors[0].message).toMatch(new RegExp(`${seconds} s`));
      expect(simulator.count('browserToken')).toBe(2);

      // Once Retry-After has passed, the same call is allowed.
      await new Promise((resolve) => setTimeout(resolve, seconds * 1_000 + 100));
      tokenOf(await askToken(gw, user, { forceRefresh: true }));
      expect(simulator.count('browserToken')).toBe(3);
    } finally {
      await gw.stop();
      await simulator.close();
    }
  });
});
