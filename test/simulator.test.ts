import { Agent, request as httpRequest } from 'node:http';
import { startSeekSimulator, type SeekSimulator } from '../src/seek/simulator';

const FAKE_LTD = 'seekAnzPublicTest:organization:seek:93WyyF1h';
const ALL_SCOPES = 'query:ad-products query:ontologies query:organizations';

interface JsonResponse {
  status: number;
  headers: Headers;
  // Test code reads arbitrary response shapes; `any` keeps the assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function postJson(url: string, body: unknown, token?: string): Promise<JsonResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

function partnerTokenRequest(sim: SeekSimulator, overrides: Record<string, unknown> = {}) {
  return postJson(sim.authUrl, {
    audience: sim.audience,
    client_id: sim.clientId,
    client_secret: sim.clientSecret,
    grant_type: 'client_credentials',
    ...overrides,
  });
}

async function partnerToken(sim: SeekSimulator): Promise<string> {
  const res = await partnerTokenRequest(sim);
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

async function browserToken(sim: SeekSimulator, scope = ALL_SCOPES, hirerId = FAKE_LTD) {
  const res = await postJson(
    sim.browserTokenUrl,
    { hirerId, scope, userId: '317665' },
    await partnerToken(sim),
  );
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

function graphql(sim: SeekSimulator, query: string, token?: string, variables?: object) {
  return postJson(sim.graphqlUrl, { query, variables }, token);
}

describe('SEEK simulator', () => {
  let sim: SeekSimulator;

  beforeAll(async () => {
    sim = await startSeekSimulator();
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.clearFaults();
    sim.clearRequests();
    sim.setTokenLifetime('partner', 1800);
    sim.setTokenLifetime('browser', 3600);
    sim.setSchemaRevision(1);
  });

  describe('partner token (POST /oauth/token)', () => {
    it('issues a JWT-shaped bearer token for good client credentials', async () => {
      const res = await partnerTokenRequest(sim);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.body).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        expires_in: 1800,
        token_type: 'Bearer',
      });
      const claims = JSON.parse(
        Buffer.from(res.body.access_token.split('.')[1], 'base64url').toString(),
      );
      expect(claims).toMatchObject({ iss: 'https://seek.simulator.invalid/', kind: 'partner' });
    });

    it('rejects a bad secret with 401 access_denied', async () => {
      const res = await partnerTokenRequest(sim, { client_secret: 'nope' });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
    });

    it('rejects a wrong audience, a wrong grant type and a non-JSON body with 400', async () => {
      for (const res of [
        await partnerTokenRequest(sim, { audience: 'https://example.com' }),
        await partnerTokenRequest(sim, { grant_type: 'password' }),
        await postJson(sim.authUrl, 'not json'),
      ]) {
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_request');
        expect(typeof res.body.error_description).toBe('string');
      }
    });

    it('reports the configured lifetime in expires_in', async () => {
      sim.setTokenLifetime('partner', 42);
      expect((await partnerTokenRequest(sim)).body.expires_in).toBe(42);
    });

    it('requires the new secret after rotation', async () => {
      const before = await partnerToken(sim);
      sim.setClientSecret('rotated');
      try {
        expect((await partnerTokenRequest(sim, { client_secret: 'simulator-secret' })).status).toBe(
          401,
        );
        expect((await partnerTokenRequest(sim)).status).toBe(200);
        // Tokens issued before the rotation keep working.
        expect((await graphql(sim, '{ version }', before)).body.data.version).toBeTruthy();
      } finally {
        sim.setClientSecret('simulator-secret');
      }
    });
  });

  describe('browser token (POST /auth/token)', () => {
    it('issues a token for a related hirer with its lifetime', async () => {
      sim.setTokenLifetime('browser', 120);
      const res = await postJson(
        sim.browserTokenUrl,
        { hirerId: FAKE_LTD, scope: ALL_SCOPES, userId: '317665' },
        await partnerToken(sim),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        expires_in: 120,
        token_type: 'Bearer',
      });
    });

    it('answers 401 without a partner token or with a browser token', async () => {
      const body = { hirerId: FAKE_LTD, scope: ALL_SCOPES, userId: '317665' };
      for (const token of [undefined, 'garbage', await browserToken(sim)]) {
        const res = await postJson(sim.browserTokenUrl, body, token);
        expect(res.status).toBe(401);
        expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      }
    });

    it('answers 403 for a hirer without a relationship', async () => {
      const res = await postJson(
        sim.browserTokenUrl,
        { hirerId: 'seekAnzPublicTest:organization:seek:nobody', scope: ALL_SCOPES, userId: '1' },
        await partnerToken(sim),
      );
      expect(res.status).toBe(403);
      expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    });

    it('answers 400 for an invalid body', async () => {
      const token = await partnerToken(sim);
      for (const body of [
        { scope: ALL_SCOPES, userId: '1' },
        { hirerId: FAKE_LTD, scope: 'query:ontologies read-everything', userId: '1' },
        { hirerId: FAKE_LTD, scope: ALL_SCOPES },
      ]) {
        const res = await postJson(sim.browserTokenUrl, body, token);
        expect(res.status).toBe(400);
        expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      }
    });
  });

  describe('GraphQL (POST /graphql)', () => {
    it('is UNAUTHENTICATED without a token, with an unknown token and after expireTokens()', async () => {
      const token = await partnerToken(sim);
      expect((await graphql(sim, '{ version }', token)).body.data.version).toBe('simulator-1.0.0');
      sim.expireTokens();
      for (const res of [
        await graphql(sim, '{ version }'),
        await graphql(sim, '{ version }', 'not-a-token'),
        await graphql(sim, '{ version }', token),
      ]) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }],
          data: null,
        });
      }
      // A token issued after the revocation is fine.
      expect((await graphql(sim, '{ version }', await partnerToken(sim))).body.data).toBeTruthy();
    });

    it('expires tokens at the end of their lifetime', async () => {
      sim.setTokenLifetime('partner', 0);
      const res = await graphql(sim, '{ version }', await partnerToken(sim));
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it('allows introspection without a token', async () => {
      const res = await graphql(sim, '{ __schema { queryType { name } } __typename }');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: { __schema: { queryType: { name: 'Query' } }, __typename: 'Query' },
      });
    });

    it('answers self per token kind', async () => {
      const query = '{ self { partner { name } hirer { id { value } name } } }';
      const partner = await graphql(sim, query, await partnerToken(sim));
      expect(partner.body).toEqual({
        data: { self: { partner: { name: 'Simulated Partner' }, hirer: null } },
      });
      const browser = await graphql(sim, query, await browserToken(sim));
      expect(browser.body).toEqual({
        data: {
          self: {
            partner: { name: 'Simulated Partner' },
            hirer: { id: { value: FAKE_LTD }, name: 'Fake Ltd' },
          },
        },
      });
    });

    it('is FORBIDDEN for a browser token lacking the root field scope or asking about another hirer', async () => {
      const token = await browserToken(sim, 'query:organizations');
      const noScope = await graphql(
        sim,
        '{ currencies(usageTypeCode: "SEEKJobPosting") { code } }',
        token,
      );
      expect(noScope.body).toEqual({
        errors: [{ message: expect.any(String), extensions: { code: 'FORBIDDEN' } }],
        data: null,
      });
      const otherHirer = await graphql(
        sim,
        `{ hiringOrganization(id: "${sim.hirers[1]?.id}") { name } }`,
        token,
      );
      expect(otherHirer.body.data).toEqual({ hiringOrganization: null });
      expect(otherHirer.body.errors[0].extensions.code).toBe('FORBIDDEN');
      const partnerOnly = await graphql(
        sim,
        'mutation { createWebhookSubscription(input: { url: "https://example.com/hook", eventTypeCode: "PositionProfilePosted" }) { webhookSubscription { id { value } } } }',
        token,
      );
      expect(partnerOnly.body.errors[0].extensions.code).toBe('FORBIDDEN');
    });

    it('resolves the PositionProfile interface by data', async () => {
      const res = await graphql(
        sim,
        `
          query ($a: String!, $b: String!) {
            a: positionProfile(id: $a) {
              __typename
              positionTitle
            }
            b: positionProfile(id: $b) {
              __typename
              ... on UnpostedPositionProfile {
                createdDateTime
              }
            }
          }
        `,
        await partnerToken(sim),
        {
          a: 'seekAnzPublicTest:jobPosting:seek:2aKkq2RA',
          b: 'seekAnzPublicTest:positionProfile:seek:4VKmHFvU',
        },
      );
      expect(res.body.data).toEqual({
        a: { __typename: 'PostedPositionProfile', positionTitle: 'Senior Developer' },
        b: { __typename: 'UnpostedPositionProfile', createdDateTime: '2024-03-01T09:30:00.000Z' },
      });
    });

    it('runs a scoped mutation for the token hirer', async () => {
      const token = await browserToken(sim, 'mutate:application-questionnaires');
      const res = await graphql(
        sim,
        'mutation ($input: CreateApplicationQuestionnaireInput!) { createApplicationQuestionnaire(input: $input) { applicationQuestionnaire { id { value } } } }',
        token,
        { input: { hirerId: FAKE_LTD, components: ['Do you have a licence?'] } },
      );
      expect(
        res.body.data.createApplicationQuestionnaire.applicationQuestionnaire.id.value,
      ).toMatch(/^seekAnzPublicTest:applicationQuestionnaire:seek:/);
    });

    it('answers 400 for a non-JSON body, a syntax error and an invalid query', async () => {
      const token = await partnerToken(sim);
      const cases: [JsonResponse, string][] = [
        [await postJson(sim.graphqlUrl, '{oops', token), 'BAD_REQUEST'],
        [await graphql(sim, '{ version', token), 'GRAPHQL_PARSE_FAILED'],
        [await graphql(sim, '{ nope }', token), 'GRAPHQL_VALIDATION_FAILED'],
      ];
      for (const [res, code] of cases) {
        expect(res.status).toBe(400);
        expect(res.body.errors[0].extensions.code).toBe(code);
      }
    });

    it('adds Query.schemaRevision from revision 2', async () => {
      const token = await partnerToken(sim);
      const query = '{ schemaRevision }';
      expect((await graphql(sim, query, token)).body.errors[0].extensions.code).toBe(
        'GRAPHQL_VALIDATION_FAILED',
      );
      sim.setSchemaRevision(3);
      expect((await graphql(sim, query, token)).body).toEqual({ data: { schemaRevision: 3 } });
    });
  });

  describe('recording and faults', () => {
    it('records requests with the raw Authorization header and counts them per route', async () => {
      await graphql(sim, '{ version }', 'the-token');
      await partnerTokenRequest(sim);
      expect(sim.count('graphql')).toBe(1);
      expect(sim.count('auth')).toBe(1);
      expect(sim.count('browserToken')).toBe(0);
      expect(sim.requests[0]).toMatchObject({
        route: 'graphql',
        method: 'POST',
        path: '/graphql',
        headers: { authorization: 'Bearer the-token' },
        body: { query: '{ version }' },
      });
      sim.clearRequests();
      expect(sim.count('graphql')).toBe(0);
      expect(sim.requests).toHaveLength(0);
    });

    it('answers with a status fault, then normally', async () => {
      sim.fault(
        'auth',
        { kind: 'status', status: 503, body: 'busy', headers: { 'Retry-After': '1' } },
        2,
      );
      for (let i = 0; i < 2; i++) {
        const res = await fetch(sim.authUrl, { method: 'POST', body: '{}' });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await res.text()).toBe('busy');
      }
      expect((await partnerTokenRequest(sim)).status).toBe(200);
      expect(sim.count('auth')).toBe(3); // faulted requests are recorded too
    });

    it('keeps an Infinity fault until clearFaults()', async () => {
      sim.fault('graphql', { kind: 'status', status: 502 }, Infinity);
      for (let i = 0; i < 3; i++) expect((await graphql(sim, '{ version }')).status).toBe(502);
      sim.clearFaults();
      expect((await graphql(sim, '{ __typename }')).status).toBe(200);
    });

    it('delays an answer', async () => {
      sim.fault('graphql', { kind: 'delay', ms: 150 });
      const started = Date.now();
      const res = await graphql(sim, '{ __typename }');
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(res.body).toEqual({ data: { __typename: 'Query' } });
    });

    it('sends a malformed body', async () => {
      sim.fault('graphql', { kind: 'malformed' });
      const res = await fetch(sim.graphqlUrl, { method: 'POST', body: '{}' });
      expect(res.status).toBe(200);
      await expect(res.json()).rejects.toThrow();
    });

    it('resets the connection', async () => {
      sim.fault('browserToken', { kind: 'reset' });
      await expect(fetch(sim.browserTokenUrl, { method: 'POST', body: '{}' })).rejects.toThrow();
      expect(sim.count('browserToken')).toBe(1);
    });

    it('keeps connections alive between requests', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const post = () =>
        new Promise<boolean>((resolve, reject) => {
          const req = httpRequest(sim.graphqlUrl, { method: 'POST', agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(req.reusedSocket));
          });
          req.on('error', reject);
          req.end(JSON.stringify({ query: '{ __typename }' }));
        });
      try {
        expect(await post()).toBe(false);
        expect(await post()).toBe(true);
      } finally {
        agent.destroy();
      }
    });
  });

  it('ends hanging requests and idle keep-alive connections on close()', async () => {
    const own = await startSeekSimulator({ partnerName: 'Hang Co' });
    own.fault('graphql', { kind: 'hang' });
    const pending = fetch(own.graphqlUrl, { method: 'POST', body: '{}' });
    const rejected = expect(pending).rejects.toThrow();
    while (own.count('graphql') === 0) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await own.close();
    await rejected;
    expect(Date.now() - started).toBeLessThan(1000);
    await own.close(); // idempotent
  });
});
