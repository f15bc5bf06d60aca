import { simulatorSchemaFile } from './support/simulatorSchemaFile';
import { GraphQLError } from 'graphql';
import request from 'supertest';

import { maskError } from '../src/graphql/errorMasking';
import type { SeekSimulator } from '../src/seek/simulator';
import { disabledSharedStore, type SharedStore } from '../src/tokens/cache/sharedStore';
import {
  FAKE_LTD,
  SERVICE_KEY,
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  userJwt,
  type TestGateway,
} from './support/harness';

const SERVICE_AUTH = `Bearer ${SERVICE_KEY}`;
const TIMEOUT_MS = 500;
const SLACK_MS = 1_000;
const QUERY = '{ version self { partner { name } } }';
const MUTATION = `mutation Subscribe {
  createWebhookSubscription(
    input: { url: "https://hooks.example.com/seek", eventTypeCode: "CandidateApplicationCreated" }
  ) { webhookSubscription { id { value } } }
}`;

type Lane = 'passthrough' | 'apollo';
const LANES: Lane[] = ['passthrough', 'apollo'];

describe('when SEEK fails: bounded, retried only when safe, and errors that leak nothing', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;
  /** Every error body the gateway answered with, checked for leaks at the end. */
  const errorBodies: string[] = [];

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('upstream') });
    gw = await startGateway(simulator, {
      SEEK_TIMEOUT_MS: String(TIMEOUT_MS),
      // No introspection at start-up under that tight bound.
      SEEK_SCHEMA_FILE: simulatorSchemaFile(),
    });
    // Warm the partner token so each test counts only GraphQL calls.
    await request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .send({ query: '{ version }' })
      .expect(200);
  });
  beforeEach(() => {
    simulator.clearFaults();
    simulator.clearRequests();
  });
  afterAll(async () => {
    await gw.stop();
    await simulator.close();
  });

  /**
   * Sends an operation with the service key through one lane. The passthrough lane takes a
   * plain POST; `extensions` in the body sends the same POST to Apollo Server instead.
   */
  const send = async (lane: Lane, query: string) => {
    const response = await request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .send(lane === 'passthrough' ? { query } : { query, extensions: {} });
    if (response.body?.errors) errorBodies.push(response.text);
    return response;
  };

  const expectError = (
    response: request.Response,
    status: number,
    code: string,
  ): { message: string; extensions: Record<string, unknown> } => {
    expect(response.status).toBe(status);
    expect(response.body.data ?? undefined).toBeUndefined();
    const [error] = response.body.errors;
    expect(error.extensions.code).toBe(code);
    expect(error.extensions.requestId).toBe(response.headers['x-request-id']);
    return error;
  };

  it.each(LANES)(
    '%s lane: SEEK hanging answers SEEK_TIMEOUT (504) within SEEK_TIMEOUT_MS, with no retry',
    async (lane) => {
      simulator.fault('graphql', { kind: 'hang' });
      const started = performance.now();
      const response = await send(lane, QUERY);
      const elapsed = performance.now() - started;
      expectError(response, 504, 'SEEK_TIMEOUT');
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      expect(graphqlCalls(simulator)).toHaveLength(1);
    },
  );

  it.each(LANES)('%s lane: one 503 on a query is retried once and answered', async (lane) => {
    simulator.fault('graphql', { kind: 'status', status: 503 });
    const response = await send(lane, QUERY);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.self.partner.name).toBe('Simulated Partner');
    expect(graphqlCalls(simulator)).toHaveLength(2);
  });

  it.each(LANES)(
    '%s lane: a 503 on a mutation is not retried and answers SEEK_UNAVAILABLE (502)',
    async (lane) => {
      simulator.fault('graphql', { kind: 'status', status: 503 });
      const response = await send(lane, MUTATION);
      expectError(response, 502, 'SEEK_UNAVAILABLE');
      expect(graphqlCalls(simulator)).toHaveLength(1);
    },
  );

  it('a mutation that SEEK answers is sent once (the fault above was the only reason for 502)', async () => {
    const response = await send('passthrough', MUTATION);
    expect(response.status).toBe(200);
    expect(response.body.data.createWebhookSubscription.webhookSubscription.id.value).toEqual(
      expect.any(String),
    );
    expect(graphqlCalls(simulator)).toHaveLength(1);
  });

  it.each(LANES)('%s lane: a 429 with Retry-After: 0 is retried', async (lane) => {
    simulator.fault('graphql', { kind: 'status', status: 429, headers: { 'Retry-After': '0' } });
    const response = await send(lane, QUERY);
    expect(response.status).toBe(200);
    expect(response.body.data.version).toEqual(expect.any(String));
    expect(graphqlCalls(simulator)).toHaveLength(2);
  });

  it.each(LANES)(
    '%s lane: a Retry-After longer than SEEK_TIMEOUT_MS is not waited for',
    async (lane) => {
      simulator.fault('graphql', { kind: 'status', status: 429, headers: { 'Retry-After': '5' } });
      const started = performance.now();
      const response = await send(lane, QUERY);
      expectError(response, 502, 'SEEK_UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
      expect(graphqlCalls(simulator)).toHaveLength(1);
    },
  );

  it.each(LANES)('%s lane: a connection reset on a query is retried', async (lane) => {
    simulator.fault('graphql', { kind: 'reset' });
    const response = await send(lane, QUERY);
    expect(response.status).toBe(200);
    expect(response.body.data.version).toEqual(expect.any(String));
    expect(graphqlCalls(simulator)).toHaveLength(2);
  });

  it('a connection reset on a mutation is not retried', async () => {
    simulator.fault('graphql', { kind: 'reset' });
    const response = await send('passthrough', MUTATION);
    expectError(response, 502, 'SEEK_UNAVAILABLE');
    expect(graphqlCalls(simulator)).toHaveLength(1);
  });

  it.each(LANES)('%s lane: a malformed body answers SEEK_BAD_RESPONSE (502)', async (lane) => {
    simulator.fault('graphql', { kind: 'malformed' });
    const response = await send(lane, QUERY);
    expectError(response, 502, 'SEEK_BAD_RESPONSE');
    expect(graphqlCalls(simulator)).toHaveLength(1);
  });

  it('a query failing twice in a row answers SEEK_UNAVAILABLE after exactly two calls', async () => {
    simulator.fault('graphql', { kind: 'status', status: 502 }, 2);
    const response = await send('passthrough', QUERY);
    expectError(response, 502, 'SEEK_UNAVAILABLE');
    expect(graphqlCalls(simulator)).toHaveLength(2);
  });

  it('no error message holds the simulator URL, an address, a stack or a token', () => {
    expect(errorBodies.length).toBeGreaterThanOrEqual(10);
    const tokens = new Set<string>([SERVICE_KEY, simulator.clientSecret]);
    for (const recorded of simulator.requests) {
      const authorization = recorded.headers.authorization;
      if (typeof authorization === 'string') tokens.add(authorization.replace(/^Bearer /, ''));
    }
    for (const body of errorBodies) {
      const messages = (JSON.parse(body) as { errors: Array<{ message: string }> }).errors.map(
        (error) => error.message,
      );
      for (const text of [body, ...messages]) {
        expect(text).not.toContain(simulator.url);
        expect(text).not.toContain('127.0.0.1');
        expect(text).not.toContain('localhost');
        expect(text).not.toMatch(/\bat \S+ \(|\n\s+at /);
        expect(text).not.toMatch(/eyJ[\w-]+\./);
        expect(text).not.toMatch(/stacktrace/i);
        for (const token of tokens) expect(text).not.toContain(token);
      }
    }
  });
});

describe('unexpected errors are masked', () => {
  it('maskError: a plain Error becomes "Internal server error"', () => {
    const mask = maskError;
    const detail = 'connect ECONNREFUSED 10.1.2.3:6379 while reading secret-thing';
    const original = new Error(detail);
    const wrapped = new GraphQLError(detail, { path: ['browserToken'], originalError: original });
    const masked = mask(
      { message: detail, path: ['browserToken'], extensions: { stacktrace: ['at x'] } },
      wrapped,
    );
    expect(masked).toEqual({
      message: 'Internal server error',
      path: ['browserToken'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });

    // The gateway's own and GraphQL's errors go out as they are, without a stack trace.
    const validation = mask(
      { message: 'Cannot query field "x"', extensions: { code: 'X', stacktrace: ['at y'] } },
      new GraphQLError('Cannot query field "x"'),
    );
    expect(validation).toEqual({ message: 'Cannot query field "x"', extensions: { code: 'X' } });
  });

  it('an error thrown inside a resolver reaches the caller masked, with the request id', async () => {
    const simulator = await startSimulator({ clientId: uniqueClientId('masking') });
    const detail = 'redis exploded at redis://:hunter2@10.9.8.7:6379';
    // Armed once the gateway has started (its start reads the partner token through the store).
    let armed = false;
    const store: SharedStore = {
      ...disabledSharedStore,
      get: async () => {
        if (armed) throw new Error(detail);
        return undefined;
      },
    };
    const gw = await startGateway(simulator, {}, { sharedStore: store });
    armed = true;
    try {
      const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
      const response = await request(gw.gateway.app)
        .post('/graphql')
        .set('authorization', `Bearer ${jwt}`)
        .send({
          query:
            'mutation Token($hirerId: String!) { browserToken(hirerId: $hirerId, scope: "query:ontologies") { accessToken } }',
          variables: { hirerId: FAKE_LTD },
        });
      expect(response.body.data).toBeNull();
      expect(response.body.errors).toEqual([
        {
          message: 'Internal server error',
          path: ['browserToken'],
          extensions: {
            code: 'INTERNAL_SERVER_ERROR',
            requestId: response.headers['x-request-id'],
          },
        },
      ]);
      expect(response.text).not.toContain('hunter2');
      expect(response.text).not.toContain('10.9.8.7');
      // The detail is in the log under the request id, with the URL's password scrubbed.
      const logLine = gw.logs.lines.find((line) => line.includes('masked in the response'));
      expect(logLine).toContain('redis exploded');
      expect(logLine).toContain(response.headers['x-request-id']);
      expect(gw.logs.text()).not.toContain('hunter2');
      expect(simulator.count('browserToken')).toBe(0);
    } finally {
      await gw.stop();
      await simulator.close();
    }
  });
});
