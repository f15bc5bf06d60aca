import request from 'supertest';

import { cacheKeyPrefix } from '../src/app';
import { ConfigError, loadConfig } from '../src/config';
import { createCredentialSource } from '../src/credentials';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  SERVICE_KEY,
  connectRedis,
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';

const SERVICE_AUTH = `Bearer ${SERVICE_KEY}`;
const VERSION_AND_SELF = '{ version self { partner { name } } }';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('gateway core: one endpoint that wraps SEEK with a cached partner token', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;

  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('core') });
    gw = await startGateway(simulator);
    simulator.clearRequests();
  });
  afterEach(async () => {
    await gw.stop();
    await simulator.close();
  });

  /** A POST from the backend service, as the tests below send it. */
  const asService = (body: object) =>
    request(gw.gateway.app).post('/graphql').set('authorization', SERVICE_AUTH).send(body);

  it('answers a service with SEEK data through the partner token', async () => {
    const response = await asService({ query: VERSION_AND_SELF });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: { version: expect.any(String), self: { partner: { name: 'Simulated Partner' } } },
    });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('makes exactly one token request for 20 concurrent requests on a cold cache, and a second instance on the same Redis makes none', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => asService({ query: '{ version }' })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(simulator.count('auth')).toBe(1);

    const redis = await connectRedis();
    try {
      const keys = await redis.keys(`${cacheKeyPrefix(gw.config)}:*`);
      expect(keys).toEqual([`${cacheKeyPrefix(gw.config)}:partner:current`]);
      const ttl = await redis.pTTL(keys[0] as string);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1800 * 1000);
    } finally {
      await redis.close();
    }

    const second = await startGateway(simulator);
    try {
      const again = await Promise.all(
        Array.from({ length: 20 }, () =>
          request(second.gateway.app)
            .post('/graphql')
            .set('authorization', SERVICE_AUTH)
            .send({ query: '{ version }' }),
        ),
      );
      expect(again.every((response) => response.status === 200)).toBe(true);
      expect(simulator.count('auth')).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('sends a query with three root fields as one upstream request, keeping operationName and variables', async () => {
    const query = `query ThreeFields($scheme: String!, $usage: String!) {
      version
      currencies(usageTypeCode: $usage) { code }
      payTypes(schemeId: $scheme) { label }
    }
    query Other { version }`;
    const variables = { scheme: 'seekAnz', usage: 'SEEKJobPosting' };
    const response = await asService({ query, operationName: 'ThreeFields', variables });
    expect(response.status).toBe(200);
    expect(response.body.data.version).toEqual(expect.any(String));
    expect(response.body.data.currencies.length).toBeGreaterThan(0);
    const calls = graphqlCalls(simulator);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toEqual({ query, operationName: 'ThreeFields', variables });
  });

  it('sends SEEK only the operation fields, whatever else the client body holds', async () => {
    await asService({
      query: '{ version }',
      clientSecretOops: 'do-not-forward',
      variables: { a: 1 },
    }).expect(200);
    expect(graphqlCalls(simulator)[0]?.body).toEqual({ query: '{ version }', variables: { a: 1 } });
  });

  it('keeps the same single upstream request for a GET query served by Apollo Server', async () => {
    const response = await request(gw.gateway.app)
      .get('/graphql')
      .query({ query: '{ version self { partner { name } } }' })
      .set('authorization', SERVICE_AUTH)
      .set('apollo-require-preflight', 'true');
    expect(response.status).toBe(200);
    expect(response.body.data.self.partner.name).toBe('Simulated Partner');
    expect(graphqlCalls(simulator)).toHaveLength(1);
  });

  it("returns SEEK's errors unchanged, with their extensions.code", async () => {
    const response = await asService({
      query: 'query Hirer($id: String!) { hiringOrganization(id: $id) { name } }',
      variables: { id: 'seekAnzPublicTest:organization:seek:unknown' },
    });
    expect(response.status).toBe(200);
    const upstream = graphqlCalls(simulator);
    expect(upstream).toHaveLength(1);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('runs a mutation mixing browserToken and SEEK fields, delegating each SEEK field in order (mutations run serially)', async () => {
    const response = await asService({
      query: `mutation Mixed($hirer: String!) {
          browserToken(hirerId: $hirer, scope: "query:organizations", userId: "user-1") { scope hirerId }
          first: createWebhookSubscription(input: { url: "https://example.com/hook", eventTypeCode: "CandidateApplicationCreated", hirerId: $hirer }) { webhookSubscription { id { value } } }
          second: createWebhookSubscription(input: { url: "https://example.com/hook2", eventTypeCode: "CandidateApplicationCreated", hirerId: $hirer }) { webhookSubscription { id { value } } }
        }`,
      variables: { hirer: 'seekAnzPublicTest:organization:seek:93WyyF1h' },
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.browserToken).toEqual({
      scope: 'query:organizations',
      hirerId: 'seekAnzPublicTest:organization:seek:93WyyF1h',
    });
    expect(response.body.data.first.webhookSubscription.id.value).toEqual(expect.any(String));
    expect(response.body.data.second.webhookSubscription.id.value).toEqual(expect.any(String));
    const calls = graphqlCalls(simulator);
    expect(calls).toHaveLength(2);
    expect(
      calls.map(
        (call) => (call.body as { variables: { input: { url: string } } }).variables.input.url,
      ),
    ).toEqual(['https://example.com/hook', 'https://example.com/hook2']);
    expect(simulator.count('browserToken')).toBe(1);
  });

  it('forwards User-Agent, a fresh X-Request-Id, X-Session-Id and Accept-Language only when sent', async () => {
    await request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .set('x-session-id', 'b5a8774c-c450-4906-a25c-861bce129106')
      .set('accept-language', 'en-AU')
      .set('x-request-id', 'caller-chosen-id')
      .send({ query: '{ version }' });
    await asService({ query: '{ version }' });
    const [withHeaders, without] = graphqlCalls(simulator);
    expect(withHeaders?.headers['user-agent']).toMatch(/^seek-gateway\/\d+\.\d+\.\d+$/);
    expect(withHeaders?.headers['x-request-id']).toMatch(UUID);
    expect(withHeaders?.headers['x-session-id']).toBe('b5a8774c-c450-4906-a25c-861bce129106');
    expect(withHeaders?.headers['accept-language']).toBe('en-AU');
    expect(without?.headers['accept-language']).toBeUndefined();
    expect(without?.headers['x-session-id']).toBeUndefined();
    expect(without?.headers['x-request-id']).toMatch(UUID);
    expect(without?.headers['x-request-id']).not.toBe(withHeaders?.headers['x-request-id']);
  });

  it('recovers from SEEK expiring the partner token mid-life with one refresh and one retry', async () => {
    await asService({ query: '{ version }' }).expect(200);
    simulator.expireTokens();
    simulator.clearRequests();
    const response = await asService({ query: '{ version }' });
    expect(response.body.data.version).toEqual(expect.any(String));
    expect(response.body.errors).toBeUndefined();
    expect(simulator.count('auth')).toBe(1);
    expect(graphqlCalls(simulator)).toHaveLength(2);
  });

  it('retries after an HTTP 401 from SEEK with a fresh partner token, once', async () => {
    await asService({ query: '{ version }' }).expect(200);
    simulator.clearRequests();
    simulator.fault('graphql', {
      kind: 'status',
      status: 401,
      body: '{"errors":[{"message":"expired","extensions":{"code":"UNAUTHENTICATED"}}]}',
    });
    const response = await asService({ query: '{ version }' });
    expect(response.body.data.version).toEqual(expect.any(String));
    expect(simulator.count('auth')).toBe(1);
    expect(graphqlCalls(simulator)).toHaveLength(2);
  });

  it('does not retry or drop the token for a field-level UNAUTHENTICATED next to data', async () => {
    await asService({ query: '{ version }' }).expect(200);
    simulator.clearRequests();
    const partial =
      '{"data":{"version":"x"},"errors":[{"message":"no","path":["self"],"extensions":{"code":"UNAUTHENTICATED"}}]}';
    simulator.fault('graphql', { kind: 'status', status: 200, body: partial });
    const response = await asService({ query: '{ version }' });
    expect(response.body).toEqual(JSON.parse(partial));
    expect(simulator.count('auth')).toBe(0);
    expect(graphqlCalls(simulator)).toHaveLength(1);
  });

  it('refuses a request with no credential before any upstream call', async () => {
    const response = await request(gw.gateway.app).post('/graphql').send({ query: '{ version }' });
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(simulator.requests).toHaveLength(0);
  });

  it('serves Apollo Sandbox as the landing page outside production', async () => {
    const response = await request(gw.gateway.app).get('/graphql').set('accept', 'text/html');
    expect(response.status).toBe(200);
    expect(response.text).toContain('sandbox');
  });

  it("answers introspection with the gateway additions merged into SEEK's schema", async () => {
    const response = await request(gw.gateway.app)
      .post('/graphql')
      .send({ query: '{ __type(name: "Mutation") { fields { name } } }' });
    const names = response.body.data.__type.fields.map((field: { name: string }) => field.name);
    expect(names).toEqual(expect.arrayContaining(['browserToken', 'createWebhookSubscription']));
    expect(simulator.requests).toHaveLength(0);
  });
});

describe('configuration', () => {
  it('fails fast with one message naming every bad variable', () => {
    expect(() =>
      loadConfig({
        PORT: 'eighty',
        SEEK_TIMEOUT_MS: '-1',
        SEEK_API_URL: 'not a url',
        GATEWAY_API_KEYS: 'short',
        REDIS_URL: 'http://x',
      }),
    ).toThrow(ConfigError);
    try {
      loadConfig({
        PORT: 'eighty',
        SEEK_TIMEOUT_MS: '-1',
        SEEK_API_URL: 'not a url',
        REDIS_URL: 'http://x',
      });
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['PORT', 'SEEK_TIMEOUT_MS', 'SEEK_API_URL', 'REDIS_URL'])
        expect(message).toContain(name);
    }
  });

  it('requires SEEK credentials in production and never picks the simulator there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', GATEWAY_API_KEYS: SERVICE_KEY })).toThrow(
      /SEEK_CLIENT_ID/,
    );
    const config = loadConfig({
      NODE_ENV: 'production',
      GATEWAY_API_KEYS: SERVICE_KEY,
      SEEK_CLIENT_ID: 'id',
      SEEK_CLIENT_SECRET: 'secret',
    });
    expect(config.embeddedSimulator).toBe(false);
    expect(config.graphql.introspection).toBe(false);
    expect(config.graphql.sandbox).toBe(false);
  });

  it('requires https to SEEK and the JWKS in production, except on loopback, and a header-safe USER_AGENT', () => {
    const production = {
      NODE_ENV: 'production',
      GATEWAY_API_KEYS: SERVICE_KEY,
      SEEK_CLIENT_ID: 'id',
      SEEK_CLIENT_SECRET: 'secret',
    };
    expect(() =>
      loadConfig({ ...production, SEEK_API_URL: 'http://seek.example.com/graphql' }),
    ).toThrow(/SEEK_API_URL: must use https/);
    expect(() =>
      loadConfig({ ...production, SEEK_AUTH_URL: 'http://127.0.0.1:9999/oauth/token' }),
    ).not.toThrow();
    expect(() => loadConfig({ USER_AGENT: 'bad\u0007agent' })).toThrow(/USER_AGENT/);
  });

  it('treats a JWT claiming our issuer with another trailing slash as ours: refused, never forwarded', async () => {
    const { createCallerResolver } = await import('../src/callers/resolveCaller');
    const { mintUserJwt } = await import('../src/dev/devCredentials');
    const { createServiceKeyMatcher } = await import('../src/callers/serviceKeys');
    const callers = createCallerResolver({
      serviceKeys: createServiceKeyMatcher([{ name: 'core', key: SERVICE_KEY }]),
      userJwt: {
        issuer: 'https://app.example/',
        audience: 'gw',
        secret: 'x'.repeat(32),
        jwksUrl: undefined,
        jwksTimeoutMs: 1000,
        hirerClaim: 'h',
      },
    });
    const lookalike = await mintUserJwt({
      secret: 'y'.repeat(32),
      issuer: 'https://app.example',
      audience: 'gw',
      userId: 'u',
      hirerIds: [],
      hirerClaim: 'h',
    });
    await expect(callers.resolve(`Bearer ${lookalike}`)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('runs on the embedded simulator with no configuration outside production', () => {
    const config = loadConfig({});
    expect(config.embeddedSimulator).toBe(true);
    expect(config.port).toBe(4000);
    expect(config.seek.apiUrl).toBe('https://graphql.seek.com/graphql');
  });

  it('names a missing secret, short service keys and half-configured user auth', async () => {
    expect(() => loadConfig({ SEEK_CLIENT_ID: 'id' })).toThrow(/SEEK_CLIENT_SECRET/);
    expect(() => loadConfig({ GATEWAY_API_KEYS: 'abc' })).toThrow(/GATEWAY_API_KEYS/);
    expect(() => loadConfig({ AUTH_JWT_ISSUER: 'https://x/' })).toThrow(/AUTH_JWT_AUDIENCE/);
    expect(() => loadConfig({ TOKEN_ENCRYPTION_KEY: 'not-a-key!!' })).toThrow(
      /TOKEN_ENCRYPTION_KEY/,
    );
    expect(() => loadConfig({ SEEK_AUDIENCE: 'graphql.seek.com' })).toThrow(/SEEK_AUDIENCE/);
    expect(loadConfig({ TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32) }).tokenCache.encryptionKey).toBe(
      'ab'.repeat(32),
    );
    // A secret file is read by its credential source at start-up, not by the configuration.
    const { source } = loadConfig({
      SEEK_CLIENT_SECRET_FILE: '/nonexistent/secret',
      SEEK_CLIENT_ID: 'id',
    }).credentials;
    expect(source).toBeDefined();
    await expect(
      createCredentialSource(source!, { production: false }).read(new AbortController().signal),
    ).rejects.toThrow(/^SEEK_CLIENT_SECRET_FILE: \/nonexistent\/secret cannot be read \(ENOENT\)$/);
  });
});
