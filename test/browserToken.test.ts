import type { SeekSimulator } from '../src/seek/simulator';
import {
  ACME,
  FAKE_LTD,
  SERVICE_KEY,
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  userJwt,
  type TestGateway,
} from './support/harness';
import {
  algNoneJwt,
  askBrowserToken,
  browserTokenRequests,
  everythingSeekSaw,
  expiredJwt,
  manualClock,
} from './support/callers';

const SERVICE_AUTH = `Bearer ${SERVICE_KEY}`;
const UNKNOWN_HIRER = 'seekAnzPublicTest:organization:seek:noRelation';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('browserToken: end users get browser tokens for their own hirers', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;
  let clock: ReturnType<typeof manualClock>;

  beforeEach(async () => {
    clock = manualClock();
    simulator = await startSimulator({ clientId: uniqueClientId('browser-token') });
    gw = await startGateway(simulator, {}, { clock });
    simulator.clearRequests();
  });
  afterEach(async () => {
    await gw.stop();
    await simulator.close();
  });

  /** Nothing reached SEEK: no token exchange, no GraphQL call, no partner token request. */
  const expectNoSeekCall = () => {
    expect(simulator.count('browserToken')).toBe(0);
    expect(graphqlCalls(simulator)).toHaveLength(0);
    expect(simulator.requests).toHaveLength(0);
  };

  it('exchanges the partner token for a hirer the user JWT lists, with the normalised scope and the JWT subject', async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD], userId: 'user-42' });
    const response = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:organizations query:ontologies query:organizations',
    });

    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const token = response.body.data.browserToken;
    expect(token).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: expect.any(Number),
      expiresAt: expect.stringMatching(ISO),
      hirerId: FAKE_LTD,
      scope: 'query:ontologies query:organizations',
    });
    // SEEK issues 3600 s tokens; the gateway may shave off at most its expiry buffer (60 s).
    expect(token.expiresIn).toBeGreaterThanOrEqual(3_600 - 60);
    expect(token.expiresIn).toBeLessThanOrEqual(3_600);
    expect(Date.parse(token.expiresAt)).toBe(clock.now() + token.expiresIn * 1_000);

    const exchanges = browserTokenRequests(simulator);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]?.body).toEqual({
      hirerId: FAKE_LTD,
      scope: 'query:ontologies query:organizations',
      userId: 'user-42',
    });
    // SEEK saw the partner token (one it issued), never the user's JWT.
    const authorization = String(exchanges[0]?.headers.authorization);
    expect(authorization).toMatch(/^Bearer \S+$/);
    expect(authorization).not.toContain(jwt);
    const partnerToken = (await gw.gateway.partnerTokens.get()).accessToken;
    expect(authorization).toBe(`Bearer ${partnerToken}`);
    expect(everythingSeekSaw(simulator)).not.toContain(jwt);
    expect(graphqlCalls(simulator)).toHaveLength(0);
  });

  it('refuses a hirer the user JWT does not list (FORBIDDEN) without asking SEEK', async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    const response = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: ACME,
      scope: 'query:ontologies',
    });
    expect(response.status).toBe(403);
    expect(response.body.data).toBeNull();
    expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expectNoSeekCall();
  });

  it.each([
    ['an upper-case scope', 'query:Bad'],
    ['an unknown verb', 'read:x'],
    ['an empty scope', ''],
    ['a blank scope', '   '],
    ['one bad scope among good ones', 'query:ontologies query:Bad'],
  ])('refuses %s (BAD_USER_INPUT) without asking SEEK', async (_label, scope) => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    const response = await askBrowserToken(gw, `Bearer ${jwt}`, { hirerId: FAKE_LTD, scope });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors[0].extensions.argument).toBe('scope');
    expectNoSeekCall();
  });

  it('refuses an oversized hirerId, an oversized userId and a user passing userId (BAD_USER_INPUT)', async () => {
    const longHirer = 'h'.repeat(256);
    const jwt = await userJwt({ hirerIds: [FAKE_LTD, longHirer] });

    const hirer = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: longHirer,
      scope: 'query:ontologies',
    });
    expect(hirer.status).toBe(400);
    expect(hirer.body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'hirerId',
    });

    const user = await askBrowserToken(gw, SERVICE_AUTH, {
      hirerId: FAKE_LTD,
      scope: 'query:ontologies',
      userId: 'u'.repeat(256),
    });
    expect(user.status).toBe(400);
    expect(user.body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'userId',
    });

    const spoofed = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:ontologies',
      userId: 'someone-else',
    });
    expect(spoofed.status).toBe(400);
    expect(spoofed.body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'userId',
    });
    expectNoSeekCall();
  });

  it('refuses forged, expired, wrong-audience and alg:none JWTs (UNAUTHENTICATED, HTTP 401), and none of them reaches SEEK', async () => {
    const tokens = {
      forged: await userJwt({
        hirerIds: [FAKE_LTD],
        secret: 'another-secret-that-is-also-at-least-32-bytes',
      }),
      expired: await expiredJwt(),
      wrongAudience: await userJwt({ hirerIds: [FAKE_LTD], audience: 'someone-else' }),
      algNone: algNoneJwt(),
    };
    for (const [label, token] of Object.entries(tokens)) {
      const response = await askBrowserToken(gw, `Bearer ${token}`, {
        hirerId: FAKE_LTD,
        scope: 'query:ontologies',
      });
      expect({ label, status: response.status }).toEqual({ label, status: 401 });
      expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(response.body.errors[0].extensions.stacktrace).toBeUndefined();
      expect(response.body.data ?? null).toBeNull();
    }
    expectNoSeekCall();
    const seen = everythingSeekSaw(simulator);
    const logged = gw.logs.text();
    for (const token of Object.values(tokens)) {
      expect(seen).not.toContain(token);
      expect(logged).not.toContain(token);
    }
  });

  it('serves the same scopes in another order from the cache, with expiresIn recomputed', async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    const first = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:organizations query:ontologies',
    });
    expect(first.body.errors).toBeUndefined();
    expect(simulator.count('browserToken')).toBe(1);

    clock.advance(120_000);
    const second = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:ontologies  query:organizations query:ontologies',
    });
    expect(second.body.errors).toBeUndefined();
    expect(simulator.count('browserToken')).toBe(1);
    const [a, b] = [first.body.data.browserToken, second.body.data.browserToken];
    expect(b.accessToken).toBe(a.accessToken);
    expect(b.scope).toBe('query:ontologies query:organizations');
    expect(b.expiresAt).toBe(a.expiresAt);
    expect(a.expiresIn - b.expiresIn).toBeGreaterThanOrEqual(119);
    expect(a.expiresIn - b.expiresIn).toBeLessThanOrEqual(121);
  });

  it('shares one exchange between 10 identical concurrent requests', async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        askBrowserToken(gw, `Bearer ${jwt}`, {
          hirerId: FAKE_LTD,
          scope: 'query:ontologies query:organizations',
        }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    const accessTokens = new Set(
      responses.map((response) => response.body.data.browserToken.accessToken),
    );
    expect(accessTokens.size).toBe(1);
    expect(simulator.count('browserToken')).toBe(1);
  });

  it('lets a browser-token bearer ask for nothing (FORBIDDEN) and anonymous callers neither (UNAUTHENTICATED)', async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    const granted = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:organizations',
    });
    const browserToken = granted.body.data.browserToken.accessToken as string;
    simulator.clearRequests();

    const asBrowserToken = await askBrowserToken(gw, `Bearer ${browserToken}`, {
      hirerId: FAKE_LTD,
      scope: 'query:organizations',
    });
    expect(asBrowserToken.status).toBe(403);
    expect(asBrowserToken.body.errors[0].extensions.code).toBe('FORBIDDEN');

    const anonymous = await askBrowserToken(gw, undefined, {
      hirerId: FAKE_LTD,
      scope: 'query:organizations',
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expectNoSeekCall();
  });

  it('makes a service pass userId, and then lets it ask for any hirer with that userId', async () => {
    const missing = await askBrowserToken(gw, SERVICE_AUTH, {
      hirerId: ACME,
      scope: 'query:ontologies',
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'userId',
    });
    expectNoSeekCall();

    const granted = await askBrowserToken(gw, SERVICE_AUTH, {
      hirerId: ACME,
      scope: 'query:ontologies',
      userId: 'anon-user-7',
    });
    expect(granted.status).toBe(200);
    expect(granted.body.data.browserToken).toMatchObject({
      hirerId: ACME,
      scope: 'query:ontologies',
      tokenType: 'Bearer',
    });
    const exchanges = browserTokenRequests(simulator);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]?.body).toEqual({
      hirerId: ACME,
      scope: 'query:ontologies',
      userId: 'anon-user-7',
    });
    expect(everythingSeekSaw(simulator)).not.toContain(SERVICE_KEY);
  });

  it("turns SEEK's 403 for a hirer without a relationship into FORBIDDEN, with no stack and no 500", async () => {
    const jwt = await userJwt({ hirerIds: [UNKNOWN_HIRER] });
    const response = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: UNKNOWN_HIRER,
      scope: 'query:ontologies',
    });
    expect(response.status).toBe(403);
    expect(response.body.data).toBeNull();
    const [error] = response.body.errors;
    expect(error.extensions.code).toBe('FORBIDDEN');
    expect(error.extensions.stacktrace).toBeUndefined();
    expect(error.message).toMatch(/SEEK refused a browser token/);
    expect(simulator.count('browserToken')).toBe(1);
    expect(gw.logs.text()).not.toContain(jwt);
  });

  it('answers SEEK_UNAVAILABLE when SEEK fails /auth/token with a 500', async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    simulator.fault('browserToken', {
      kind: 'status',
      status: 500,
      body: '{"errors":[{"message":"boom"}]}',
    });
    const response = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:ontologies',
    });
    expect(response.status).toBe(502);
    expect(response.body.errors[0].extensions.code).toBe('SEEK_UNAVAILABLE');
    expect(response.body.errors[0].extensions.stacktrace).toBeUndefined();
    expect(simulator.count('browserToken')).toBe(1);

    // Nothing bad was cached: the next request exchanges again and succeeds.
    const again = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:ontologies',
    });
    expect(again.status).toBe(200);
    expect(simulator.count('browserToken')).toBe(2);
  });

  it('refreshes the partner token once and retries when SEEK answers /auth/token with a 401', async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    // The gateway fetches its partner token on first use; take it now, then count from here.
    const before = (await gw.gateway.partnerTokens.get()).accessToken;
    simulator.clearRequests();
    simulator.fault('browserToken', {
      kind: 'status',
      status: 401,
      body: '{"errors":[{"message":"Partner access token is expired","extensions":{"code":"UNAUTHENTICATED"}}]}',
    });
    const response = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:ontologies',
    });
    expect(response.status).toBe(200);
    expect(response.body.data.browserToken.accessToken).toEqual(expect.any(String));
    expect(simulator.count('auth')).toBe(1);
    const exchanges = browserTokenRequests(simulator);
    expect(exchanges).toHaveLength(2);
    expect(exchanges[0]?.headers.authorization).toBe(`Bearer ${before}`);
    expect(exchanges[1]?.headers.authorization).not.toBe(`Bearer ${before}`);
    const after = (await gw.gateway.partnerTokens.get()).accessToken;
    expect(exchanges[1]?.headers.authorization).toBe(`Bearer ${after}`);
  });
});

describe('browserToken: BROWSER_TOKEN_SCOPES narrows the scopes', () => {
  it('refuses a scope outside the allowed list (BAD_USER_INPUT) without asking SEEK', async () => {
    const simulator = await startSimulator({ clientId: uniqueClientId('browser-scopes') });
    const gw = await startGateway(simulator, { BROWSER_TOKEN_SCOPES: 'query:ontologies' });
    try {
      simulator.clearRequests();
      const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
      const outside = await askBrowserToken(gw, `Bearer ${jwt}`, {
        hirerId: FAKE_LTD,
        scope: 'query:ontologies query:organizations',
      });
      expect(outside.status).toBe(400);
      expect(outside.body.errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'scope',
      });
      expect(outside.body.errors[0].message).toContain('query:organizations');
      expect(simulator.requests).toHaveLength(0);

      const inside = await askBrowserToken(gw, `Bearer ${jwt}`, {
        hirerId: FAKE_LTD,
        scope: 'query:ontologies',
      });
      expect(inside.status).toBe(200);
      expect(simulator.count('browserToken')).toBe(1);
    } finally {
      await gw.stop();
      await simulator.close();
    }
  });
});

describe('browserToken: per-user rate limit', () => {
  const SCOPES = [
    'query:ontologies',
    'query:organizations',
    'query:position-profiles',
    'mutate:application-questionnaires',
  ];

  it('trips on the fourth call in a window without asking SEEK, recovers in the next window, and is shared by two instances on one Redis', async () => {
    const clock = manualClock();
    const simulator = await startSimulator({ clientId: uniqueClientId('rate-limit') });
    const env = { BROWSER_TOKEN_RATE_PER_MINUTE: '3' };
    // A 3-second window instead of a minute (the limit is per window), so the test sees it end.
    const deps = { clock, protection: { windowSeconds: 3 } };
    const first = await startGateway(simulator, env, deps);
    const second = await startGateway(simulator, env, deps);
    try {
      simulator.clearRequests();
      const jwt = await userJwt({ hirerIds: [FAKE_LTD], userId: 'user-rate' });
      const auth = `Bearer ${jwt}`;
      // Every call asks for a scope not yet cached, so each one allowed costs an exchange.
      const ask = (gw: TestGateway, scope: string) =>
        askBrowserToken(gw, auth, { hirerId: FAKE_LTD, scope });

      expect((await ask(first, SCOPES[0] as string)).status).toBe(200);
      expect((await ask(second, SCOPES[1] as string)).status).toBe(200);
      expect((await ask(first, SCOPES[2] as string)).status).toBe(200);
      expect(simulator.count('browserToken')).toBe(3);

      // Fourth in the same minute, on the instance that has served only one: the budget is shared.
      const limited = await ask(second, SCOPES[3] as string);
      expect(limited.status).toBe(429);
      expect(limited.body.errors[0].extensions.code).toBe('RATE_LIMITED');
      expect(simulator.count('browserToken')).toBe(3);
      const limitedOnFirst = await ask(first, SCOPES[3] as string);
      expect(limitedOnFirst.status).toBe(429);
      expect(simulator.count('browserToken')).toBe(3);

      // Another user has a budget of their own.
      const other = await userJwt({ hirerIds: [FAKE_LTD], userId: 'user-other' });
      const otherUser = await askBrowserToken(first, `Bearer ${other}`, {
        hirerId: FAKE_LTD,
        scope: SCOPES[0] as string,
      });
      expect(otherUser.status).toBe(200);

      await new Promise((resolve) => setTimeout(resolve, 3_100));
      const recovered = await ask(second, SCOPES[3] as string);
      expect(recovered.status).toBe(200);
      expect(recovered.body.data.browserToken.scope).toBe(SCOPES[3]);
      expect(simulator.count('browserToken')).toBe(5);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
      await simulator.close();
    }
  });
});
