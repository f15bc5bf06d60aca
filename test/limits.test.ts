import request from 'supertest';

import type { SeekSimulator } from '../src/seek/simulator';
import {
  SERVICE_KEY,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';

const SERVICE_AUTH = `Bearer ${SERVICE_KEY}`;
const ALLOWED_ORIGIN = 'https://app.example.com';

// Distinctive limits, so a message that quoted one of them would be caught.
const LIMITS = {
  MAX_BODY_BYTES: '2093',
  GRAPHQL_MAX_DEPTH: '6',
  GRAPHQL_MAX_ALIASES: '3',
  GRAPHQL_MAX_TOKENS: '263',
  GRAPHQL_MAX_COST: '137',
  GRAPHQL_MAX_DIRECTIVES: '4',
};
const LIMIT_NUMBERS = Object.values(LIMITS);

/** A query `levels` fields deep: jobCategories { children { … { name } } }. */
const deepQuery = (levels: number) => {
  let selection = 'name';
  for (let level = 2; level < levels; level += 1) selection = `children { ${selection} }`;
  return `{ jobCategories(schemeId: "seekAnz") { ${selection} } }`;
};
/** About 71 cost units (Armor's defaults), depth 6, no aliases or directives. */
const costlyField = (index: number) =>
  `jobCategories(schemeId: "s${index}") { id { value } name children { id { value } name children { id { value } name children { id { value } name } } } }`;
const QUERIES = {
  depth: deepQuery(7),
  aliases: '{ a: version b: version c: version d: version e: version }',
  directives:
    '{ version @skip(if: false) self @skip(if: false) { partner @skip(if: false) { name @skip(if: false) } } currencies(usageTypeCode: "SEEKJobPosting") @skip(if: false) { code } }',
  // Depth 5, no aliases or directives, few tokens; only its cost is over the limit.
  cost: `{ ${[0, 1, 2].map(costlyField).join(' ')} }`,
  // One-letter fields: 300 tokens in a body well under MAX_BODY_BYTES.
  tokens: `{ ${Array(300).fill('v').join(' ')} }`,
};

/** How each refusal's message names its limit. */
const LIMIT_WORDS: Record<keyof typeof QUERIES, RegExp> = {
  depth: /\(depth limit\)/,
  aliases: /\(alias limit\)/,
  directives: /\(directive limit\)/,
  cost: /\(cost limit\)/,
  tokens: /\(token limit\)/,
};

const messagesOf = (body: { errors?: Array<{ message: string }> }) =>
  (body.errors ?? []).map((error) => error.message).join('\n');

/** No limit number appears as a word in any error message. */
const expectNoLimitNumbers = (messages: string) => {
  for (const number of LIMIT_NUMBERS) expect(messages).not.toMatch(new RegExp(`\\b${number}\\b`));
};

describe('request limits: refused before any upstream call', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('limits') });
    gw = await startGateway(simulator, { ...LIMITS, CORS_ORIGINS: ALLOWED_ORIGIN });
  });
  beforeEach(() => simulator.clearRequests());
  afterEach(() => {
    // Not one request reached SEEK: no GraphQL call, no token request either.
    expect(simulator.requests).toHaveLength(0);
  });
  afterAll(async () => {
    await gw.stop();
    await simulator.close();
  });

  it('answers a body over MAX_BODY_BYTES with 413 and a JSON error code', async () => {
    for (const authorization of [SERVICE_AUTH, undefined]) {
      const query = `{ version } # ${'x'.repeat(3_000)}`;
      const call = request(gw.gateway.app).post('/graphql');
      if (authorization) call.set('authorization', authorization);
      const response = await call.send({ query });
      expect(response.status).toBe(413);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(response.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
      expect(response.body.errors[0].extensions.requestId).toBe(response.headers['x-request-id']);
      expect(response.headers['cache-control']).toBe('no-store');
      expectNoLimitNumbers(messagesOf(response.body));
    }
  });

  /** Status of a GraphQL request error for each Accept type (GraphQL over HTTP). */
  const REQUEST_ERROR_STATUS = {
    'application/json': 200,
    'application/graphql-response+json': 400,
  } as const;

  it.each(Object.entries(QUERIES))(
    'refuses a query over the %s limit, naming the limit but not its number, for every caller and Accept type',
    async (limit, query) => {
      for (const authorization of [SERVICE_AUTH, undefined]) {
        for (const [accept, status] of Object.entries(REQUEST_ERROR_STATUS)) {
          const call = request(gw.gateway.app).post('/graphql').set('accept', accept);
          if (authorization) call.set('authorization', authorization);
          const response = await call.send({ query });
          expect(response.status).toBe(status);
          expect(response.headers['content-type']).toContain(accept);
          expect(response.body.data).toBeUndefined();
          const [first] = response.body.errors;
          expect(first.extensions.code).toBe(
            limit === 'tokens' ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED',
          );
          expect(first.extensions.limit).toBe(limit);
          expect(first.message).toMatch(LIMIT_WORDS[limit as keyof typeof QUERIES]);
          expectNoLimitNumbers(messagesOf(response.body));
        }
      }
    },
  );

  it('keeps each limit query a single-limit violation (the others are under their limits)', async () => {
    // A query just under each limit passes validation and is answered by SEEK: the limits above
    // were refused for the reason each test names, not for a neighbouring one.
    const underLimits = [
      deepQuery(6),
      '{ a: version b: version c: version }',
      '{ version @skip(if: false) self @skip(if: false) { partner { name } } }',
      `{ ${costlyField(0)} }`,
      `{ ${Array(120).fill('version').join(' ')} }`, // 122 tokens, cost 120
    ];
    for (const query of underLimits) {
      const response = await request(gw.gateway.app)
        .post('/graphql')
        .set('authorization', SERVICE_AUTH)
        .send({ query });
      expect({ query, status: response.status, errors: response.body.errors }).toEqual({
        query,
        status: 200,
        errors: undefined,
      });
    }
    simulator.clearRequests();
  });

  it('suggests field names outside production (the production test below is not vacuous)', async () => {
    const response = await request(gw.gateway.app).post('/graphql').send({ query: '{ versio }' });
    expect(response.status).toBe(200);
    expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(messagesOf(response.body)).toMatch(/Did you mean/);
  });

  it('refuses a batched (JSON array) request from every caller', async () => {
    for (const authorization of [SERVICE_AUTH, undefined]) {
      const call = request(gw.gateway.app).post('/graphql');
      if (authorization) call.set('authorization', authorization);
      const response = await call.send([{ query: '{ version }' }, { query: '{ version }' }]);
      expect(response.status).toBe(400);
      expect(response.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    }
  });

  it('prevents CSRF: a GET query without a preflight header and a text/plain POST get 400', async () => {
    const get = await request(gw.gateway.app)
      .get('/graphql')
      .query({ query: '{ version }' })
      .set('authorization', SERVICE_AUTH);
    expect(get.status).toBe(400);
    expect(get.text).toMatch(/CSRF|preflight/i);

    const textPlain = await request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .set('content-type', 'text/plain')
      .send(JSON.stringify({ query: '{ version }' }));
    expect(textPlain.status).toBe(400);
  });

  it('gives Access-Control-Allow-Origin to an allowed origin only', async () => {
    const allowed = await request(gw.gateway.app)
      .options('/graphql')
      .set('origin', ALLOWED_ORIGIN)
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization, content-type');
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);

    const denied = await request(gw.gateway.app)
      .options('/graphql')
      .set('origin', 'https://evil.example.net')
      .set('access-control-request-method', 'POST');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();

    const deniedPost = await request(gw.gateway.app)
      .post('/graphql')
      .set('origin', 'https://evil.example.net')
      .send({ query: '{ __typename }' });
    expect(deniedPost.headers['access-control-allow-origin']).toBeUndefined();
    const allowedPost = await request(gw.gateway.app)
      .post('/graphql')
      .set('origin', ALLOWED_ORIGIN)
      .send({ query: '{ __typename }' });
    expect(allowedPost.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(allowedPost.headers['access-control-expose-headers']).toMatch(/x-request-id/);
  });

  it('sends Cache-Control: no-store on /graphql answers, errors included', async () => {
    const responses = await Promise.all([
      request(gw.gateway.app).post('/graphql').send({ query: '{ __typename }' }),
      request(gw.gateway.app).post('/graphql').send({ query: '{ nope }' }),
      request(gw.gateway.app)
        .post('/graphql')
        .send({ query: `{ version } # ${'x'.repeat(3_000)}` }),
      request(gw.gateway.app).post('/graphql').send({ query: '{ version }' }),
    ]);
    // `{ nope }` is a GraphQL request error: 200 for Accept: application/json.
    expect(responses.map((response) => response.status)).toEqual([200, 200, 413, 401]);
    for (const response of responses) expect(response.headers['cache-control']).toBe('no-store');
  });
});

/** Production with the test Redis: a token-cache key is then required. */
const PRODUCTION = { NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32) };

describe('production configuration', () => {
  let simulator: SeekSimulator;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('prod') });
  });
  afterAll(async () => {
    await simulator.close();
  });

  const INTROSPECTION = '{ __schema { queryType { name } } }';

  describe('defaults', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway(simulator, PRODUCTION);
    });
    beforeEach(() => simulator.clearRequests());
    afterAll(async () => {
      await gw.stop();
    });

    it('refuses introspection for every caller without asking SEEK', async () => {
      for (const authorization of [SERVICE_AUTH, undefined]) {
        for (const query of [INTROSPECTION, '{ __type(name: "Query") { name } }']) {
          const call = request(gw.gateway.app).post('/graphql');
          if (authorization) call.set('authorization', authorization);
          const response = await call.send({ query });
          expect(response.status).toBe(200);
          expect(response.body.data).toBeUndefined();
          expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
          expect(messagesOf(response.body)).toMatch(/introspection/i);
        }
      }
      expect(simulator.requests).toHaveLength(0);
    });

    it('does not serve the Sandbox landing page', async () => {
      const response = await request(gw.gateway.app).get('/graphql').set('accept', 'text/html');
      expect(response.text).not.toMatch(/sandbox/i);
      expect(response.status).toBeGreaterThanOrEqual(400);
    });

    it('gives no field suggestions in validation errors, for every caller', async () => {
      for (const authorization of [SERVICE_AUTH, undefined]) {
        const call = request(gw.gateway.app).post('/graphql');
        if (authorization) call.set('authorization', authorization);
        const response = await call.send({ query: '{ versio self { partnr { name } } }' });
        expect(response.status).toBe(200);
        expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
        const messages = messagesOf(response.body);
        expect(messages).toMatch(/versio/);
        expect(messages).not.toMatch(/Did you mean/i);
        expect(messages).not.toMatch(/"version"|"partner"/);
      }
      expect(simulator.requests).toHaveLength(0);
    });
  });

  it('answers introspection again with GRAPHQL_INTROSPECTION=true', async () => {
    const gw = await startGateway(simulator, { ...PRODUCTION, GRAPHQL_INTROSPECTION: 'true' });
    try {
      for (const authorization of [SERVICE_AUTH, undefined]) {
        const call = request(gw.gateway.app).post('/graphql');
        if (authorization) call.set('authorization', authorization);
        const response = await call.send({ query: INTROSPECTION });
        expect(response.status).toBe(200);
        expect(response.body.data.__schema.queryType.name).toBe('Query');
      }
    } finally {
      await gw.stop();
    }
  });
});
