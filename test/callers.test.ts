import crypto from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { SignJWT, exportJWK, generateKeyPair, type KeyLike } from 'jose';
import request from 'supertest';

import { createCallerResolver, type CallerResolverOptions } from '../src/callers/resolveCaller';
import type { UserJwtOptions } from '../src/callers/userJwt';
import { createServiceKeyMatcher, namedEnvironmentKeys } from '../src/callers/serviceKeys';
import { GatewayError } from '../src/errors';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  FAKE_LTD,
  JWT_AUDIENCE,
  JWT_ISSUER,
  JWT_SECRET,
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
  everythingSeekSaw,
  expiredJwt,
  requestLogLines,
} from './support/callers';

const OTHER_SERVICE_KEY = 'second-service-key-fedcba9876543210';

const hmacOptions = (overrides: Partial<CallerResolverOptions> = {}): CallerResolverOptions => ({
  serviceKeys: createServiceKeyMatcher(namedEnvironmentKeys([SERVICE_KEY, OTHER_SERVICE_KEY])),
  userJwt: {
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
    secret: JWT_SECRET,
    jwksUrl: undefined,
    jwksTimeoutMs: 1_000,
    hirerClaim: 'seek_hirer_ids',
  },
  ...overrides,
});

/** The GatewayError a promise rejected with (fails the test when it resolved). */
const rejection = async (promise: Promise<unknown>): Promise<GatewayError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a rejection');
};

const listen = (server: Server) =>
  new Promise<string>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('createCallerResolver', () => {
  afterEach(() => jest.restoreAllMocks());

  it('recognises every service key, compared in constant time against all keys', async () => {
    const resolver = createCallerResolver(hmacOptions());
    const compare = jest.spyOn(crypto, 'timingSafeEqual');

    expect(await resolver.resolve(`Bearer ${SERVICE_KEY}`)).toEqual({
      kind: 'service',
      name: 'env-1',
    });
    expect(await resolver.resolve(`bearer   ${OTHER_SERVICE_KEY}`)).toEqual({
      kind: 'service',
      name: 'env-2',
    });
    expect(await resolver.resolve(`Bearer ${SERVICE_KEY.slice(0, -1)}`)).toEqual({
      kind: 'seek-token',
      accessToken: SERVICE_KEY.slice(0, -1),
    });
    // Each lookup compares fixed-length digests against every key, whether the first key
    // matched, the second did or none did: no early exit tells a guesser anything.
    expect(compare).toHaveBeenCalledTimes(3 * 2);
    for (const [known, candidate] of compare.mock.calls) {
      expect((known as Buffer).length).toBe(32);
      expect((candidate as Buffer).length).toBe(32);
    }
  });

  it('takes a wrong key, or a JWT from another issuer, as a SEEK browser token passed on unchanged', async () => {
    const resolver = createCallerResolver(hmacOptions());
    expect(await resolver.resolve('Bearer not-a-service-key-0123456789')).toEqual({
      kind: 'seek-token',
      accessToken: 'not-a-service-key-0123456789',
    });
    const foreign = await userJwt({ hirerIds: [FAKE_LTD], issuer: 'https://elsewhere.test/' });
    expect(await resolver.resolve(`Bearer ${foreign}`)).toEqual({
      kind: 'seek-token',
      accessToken: foreign,
    });
    expect(resolver.resolveSync(`Bearer ${foreign}`)).toEqual({
      kind: 'seek-token',
      accessToken: foreign,
    });
  });

  it('treats no header as anonymous and refuses a malformed header (UNAUTHENTICATED)', async () => {
    const resolver = createCallerResolver(hmacOptions());
    expect(await resolver.resolve(undefined)).toEqual({ kind: 'anonymous' });
    expect(await resolver.resolve('')).toEqual({ kind: 'anonymous' });
    for (const header of [
      `Basic ${Buffer.from('user:pass').toString('base64')}`,
      'Bearer',
      'Bearer ',
      `Bearer ${SERVICE_KEY} extra`,
      SERVICE_KEY,
      `Token ${SERVICE_KEY}`,
    ]) {
      const error = await rejection(resolver.resolve(header));
      expect({ header, code: error.code }).toEqual({ header, code: 'UNAUTHENTICATED' });
    }
  });

  it('verifies a user JWT claiming our issuer, and refuses every bad one (UNAUTHENTICATED)', async () => {
    const resolver = createCallerResolver(hmacOptions());
    const good = await userJwt({ hirerIds: [FAKE_LTD], userId: 'user-9' });
    expect(resolver.resolveSync(`Bearer ${good}`)).toEqual({ verify: good });
    expect(await resolver.resolve(`Bearer ${good}`)).toEqual({
      kind: 'user',
      userId: 'user-9',
      hirerIds: [FAKE_LTD],
    });

    const bad = {
      forged: await userJwt({
        hirerIds: [FAKE_LTD],
        secret: 'another-secret-that-is-also-at-least-32-bytes',
      }),
      expired: await expiredJwt(),
      wrongAudience: await userJwt({ hirerIds: [FAKE_LTD], audience: 'another-audience' }),
      algNone: algNoneJwt(),
    };
    for (const [label, token] of Object.entries(bad)) {
      const error = await rejection(resolver.resolve(`Bearer ${token}`));
      expect({ label, code: error.code }).toEqual({ label, code: 'UNAUTHENTICATED' });
      expect(error.message).not.toContain(token);
    }
    expect((await rejection(resolver.resolve(`Bearer ${bad.expired}`))).message).toMatch(/expired/);
  });

  it('verifies a user JWT once, then knows it until its exp; a refused one is checked every time', async () => {
    const accepted: string[] = [];
    const base = hmacOptions();
    const resolver = createCallerResolver({
      ...base,
      userJwt: { ...(base.userJwt as UserJwtOptions), onAccepted: (how) => accepted.push(how) },
    });
    const good = await userJwt({ hirerIds: [FAKE_LTD], userId: 'user-cached' });
    for (let round = 0; round < 5; round += 1) {
      expect(await resolver.resolve(`Bearer ${good}`)).toEqual({
        kind: 'user',
        userId: 'user-cached',
        hirerIds: [FAKE_LTD],
      });
    }
    expect(accepted).toEqual(['verified', 'cached', 'cached', 'cached', 'cached']);

    const forged = await userJwt({
      hirerIds: [FAKE_LTD],
      secret: 'another-secret-that-is-also-at-least-32-bytes',
    });
    for (let round = 0; round < 3; round += 1) {
      expect((await rejection(resolver.resolve(`Bearer ${forged}`))).code).toBe('UNAUTHENTICATED');
    }
    expect(accepted).toHaveLength(5);

    // Known only until its exp (the clock tolerance may still accept it, by verifying again).
    const shortLived = await userJwt({ hirerIds: [FAKE_LTD], expiresIn: '1s' });
    await resolver.resolve(`Bearer ${shortLived}`);
    await resolver.resolve(`Bearer ${shortLived}`);
    const [, payload = ''] = shortLived.split('.');
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp: number };
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, exp * 1_000 - Date.now()) + 100),
    );
    await resolver.resolve(`Bearer ${shortLived}`);
    expect(accepted.slice(5)).toEqual(['verified', 'cached', 'verified']);
  }, 15_000);

  it('without user JWTs configured, a JWT claiming any issuer is a SEEK token', async () => {
    const resolver = createCallerResolver(hmacOptions({ userJwt: undefined }));
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    expect(await resolver.resolve(`Bearer ${jwt}`)).toEqual({
      kind: 'seek-token',
      accessToken: jwt,
    });
  });

  describe('JWKS mode (RS256 keys from a local JWKS server)', () => {
    let server: Server;
    let jwksUrl: string;
    let privateKey: KeyLike;
    let jwksRequests: number;

    beforeAll(async () => {
      const pair = await generateKeyPair('RS256');
      privateKey = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
      const body = JSON.stringify({ keys: [jwk] });
      jwksRequests = 0;
      server = createServer((_req, res) => {
        jwksRequests += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
      jwksUrl = `${await listen(server)}/.well-known/jwks.json`;
    });
    afterAll(() => closeServer(server));

    const jwksOptions = (url: string, timeoutMs = 1_000) =>
      hmacOptions({
        userJwt: {
          issuer: JWT_ISSUER,
          audience: JWT_AUDIENCE,
          secret: undefined,
          jwksUrl: url,
          jwksTimeoutMs: timeoutMs,
          hirerClaim: 'seek_hirer_ids',
        },
      });

    const signRs256 = (key: KeyLike, kid = 'key-1') =>
      new SignJWT({ seek_hirer_ids: [FAKE_LTD] })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setSubject('user-rsa')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);

    it('accepts an RS256 JWT signed by a key the JWKS lists, fetching the JWKS once', async () => {
      const resolver = createCallerResolver(jwksOptions(jwksUrl));
      const token = await signRs256(privateKey);
      const before = jwksRequests;
      expect(await resolver.resolve(`Bearer ${token}`)).toEqual({
        kind: 'user',
        userId: 'user-rsa',
        hirerIds: [FAKE_LTD],
      });
      expect(await resolver.resolve(`Bearer ${token}`)).toMatchObject({ kind: 'user' });
      expect(jwksRequests - before).toBe(1);
    });

    it('refuses a JWT signed by another RSA key, and an HS256 JWT (not on the algorithm allowlist)', async () => {
      const resolver = createCallerResolver(jwksOptions(jwksUrl));
      const stranger = await generateKeyPair('RS256');
      const foreign = await signRs256(stranger.privateKey);
      expect((await rejection(resolver.resolve(`Bearer ${foreign}`))).code).toBe('UNAUTHENTICATED');
      const hs256 = await userJwt({ hirerIds: [FAKE_LTD] });
      expect((await rejection(resolver.resolve(`Bearer ${hs256}`))).code).toBe('UNAUTHENTICATED');
      expect((await rejection(resolver.resolve(`Bearer ${algNoneJwt()}`))).code).toBe(
        'UNAUTHENTICATED',
      );
    });

    it('fails verification (UNAUTHENTICATED) when the JWKS server never answers, bounded by the JWKS timeout', async () => {
      let hangingRequests = 0;
      const hanging = createServer(() => {
        hangingRequests += 1; // accept the request and never answer it
      });
      const url = await listen(hanging);
      try {
        const resolver = createCallerResolver(jwksOptions(`${url}/jwks.json`, 200));
        const token = await signRs256(privateKey);
        let guard: NodeJS.Timeout | undefined;
        // A guard far above the 200 ms timeout: it only tells "gave up" from "hung forever".
        const outcome = await Promise.race([
          resolver.resolve(`Bearer ${token}`).then(
            () => 'resolved',
            (error: unknown) => error,
          ),
          new Promise((resolve) => {
            guard = setTimeout(() => resolve('still waiting'), 10_000);
          }),
        ]);
        clearTimeout(guard);
        expect(outcome).toBeInstanceOf(GatewayError);
        expect((outcome as GatewayError).code).toBe('UNAUTHENTICATED');
        expect((outcome as GatewayError).message).toMatch(/could not be fetched in time/);
        expect(hangingRequests).toBe(1);
      } finally {
        await closeServer(hanging);
      }
    });
  });
});

describe('callers at the gateway: an app JWT never reaches SEEK; browser tokens pass through', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;

  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('callers') });
    gw = await startGateway(simulator);
    simulator.clearRequests();
  });
  afterEach(async () => {
    await gw.stop();
    await simulator.close();
  });

  const post = (authorization: string, query: string) =>
    request(gw.gateway.app).post('/graphql').set('authorization', authorization).send({ query });

  it('refuses a valid user JWT on a SEEK operation (FORBIDDEN, HTTP 403) with no upstream call', async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    for (const query of ['{ version }', '{ self { partner { name } } }']) {
      const response = await post(`Bearer ${jwt}`, query);
      expect(response.status).toBe(403);
      expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(response.body.errors[0].message).toMatch(/browserToken/);
    }
    expect(simulator.requests).toHaveLength(0);
    expect(everythingSeekSaw(simulator)).not.toContain(jwt);
  });

  it('refuses an invalid JWT claiming our issuer (UNAUTHENTICATED, HTTP 401) instead of passing it to SEEK', async () => {
    const invalid = [
      await userJwt({
        hirerIds: [FAKE_LTD],
        secret: 'another-secret-that-is-also-at-least-32-bytes',
      }),
      await expiredJwt(),
      await userJwt({ hirerIds: [FAKE_LTD], audience: 'another-audience' }),
      algNoneJwt(),
    ];
    for (const jwt of invalid) {
      const response = await post(`Bearer ${jwt}`, '{ version }');
      expect(response.status).toBe(401);
      expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const malformed = await post(`Basic ${Buffer.from('a:b').toString('base64')}`, '{ version }');
    expect(malformed.status).toBe(401);
    expect(malformed.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(simulator.requests).toHaveLength(0);
    const seen = everythingSeekSaw(simulator);
    for (const jwt of invalid) expect(seen).not.toContain(jwt);
  });

  it("passes a browser token through unchanged: self answers with that token's hirer", async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    const granted = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:organizations',
    });
    expect(granted.status).toBe(200);
    const browserToken = granted.body.data.browserToken.accessToken as string;
    const partnerToken = (await gw.gateway.partnerTokens.get()).accessToken;
    simulator.clearRequests();

    const response = await post(
      `Bearer ${browserToken}`,
      '{ self { hirer { id { value } name } partner { name } } }',
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: {
        self: {
          hirer: { id: { value: FAKE_LTD }, name: 'Fake Ltd' },
          partner: { name: 'Simulated Partner' },
        },
      },
    });
    const calls = graphqlCalls(simulator);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.headers.authorization).toBe(`Bearer ${browserToken}`);
    expect(everythingSeekSaw(simulator)).not.toContain(partnerToken);
    expect(everythingSeekSaw(simulator)).not.toContain(jwt);
    expect(simulator.count('auth')).toBe(0);
    expect(requestLogLines(gw).at(-1)).toMatchObject({
      caller: 'seek-token',
      route: 'forward',
      outcome: 'ok',
      status: 200,
    });
  });

  it("returns SEEK's own verdict on a browser token outside its scope", async () => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    const granted = await askBrowserToken(gw, `Bearer ${jwt}`, {
      hirerId: FAKE_LTD,
      scope: 'query:ontologies',
    });
    const browserToken = granted.body.data.browserToken.accessToken as string;
    simulator.clearRequests();
    const response = await post(
      `Bearer ${browserToken}`,
      `{ hiringOrganization(id: "${FAKE_LTD}") { name } }`,
    );
    expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(graphqlCalls(simulator)).toHaveLength(1);
    expect(graphqlCalls(simulator)[0]?.headers.authorization).toBe(`Bearer ${browserToken}`);
  });
});
