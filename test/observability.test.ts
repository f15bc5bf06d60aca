import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { printSchema } from 'graphql';
import request from 'supertest';

import type { SeekSimulator } from '../src/seek/simulator';
import { schemaForRevision } from '../src/seek/simulator/executableSchema';
import {
  ACME,
  FAKE_LTD,
  JWT_SECRET,
  SERVICE_KEY,
  startGateway,
  startSimulator,
  uniqueClientId,
  userJwt,
  type TestGateway,
} from './support/harness';

const SERVICE_AUTH = `Bearer ${SERVICE_KEY}`;
const SCOPE = 'query:ontologies query:organizations';

interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  caller?: string;
  operationName?: string;
  durationMs?: number;
  upstreamStatus?: number;
  lane?: string;
  [key: string]: unknown;
}
const parseLines = (gw: TestGateway) => gw.logs.lines.map((line) => JSON.parse(line) as LogLine);

/** Strict Prometheus text format check; returns sample lines by metric family. */
const parsePrometheus = (text: string) => {
  const help = new Set<string>();
  const types = new Map<string, string>();
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  const SAMPLE =
    /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf|-Inf))(?: -?\d+)?$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let match = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (match) {
      help.add(match[1] as string);
      continue;
    }
    match = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(
      line,
    );
    if (match) {
      types.set(match[1] as string, match[2] as string);
      continue;
    }
    match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[label[1] as string] = label[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  const familyOf = (name: string) => {
    if (types.has(name)) return name;
    const base = name.replace(/_(bucket|sum|count|created)$/, '');
    if (types.has(base) && ['histogram', 'summary'].includes(types.get(base) as string))
      return base;
    throw new Error(`sample ${name} has no # TYPE`);
  };
  for (const sample of samples) {
    const family = familyOf(sample.name);
    if (!help.has(family)) throw new Error(`metric ${family} has no # HELP`);
  }
  for (const name of types.keys()) if (!help.has(name)) throw new Error(`${name} has no # HELP`);
  return { types, samples };
};

/** Every secret-looking string, plus the signature of every JWT among them. */
const expandSecrets = (secrets: Iterable<string>) => {
  const all = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    all.add(secret);
    const parts = secret.split('.');
    if (parts.length === 3 && (parts[2] as string).length >= 16) all.add(parts[2] as string);
  }
  return [...all];
};

const bearerValues = (simulator: SeekSimulator) =>
  simulator.requests
    .map((recorded) => recorded.headers.authorization)
    .filter((value): value is string => typeof value === 'string')
    .map((value) => value.replace(/^Bearer /i, ''));

describe('observability: probes, metrics and logs', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('obs') });
    gw = await startGateway(simulator, { LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    await gw.stop();
    await simulator.close();
  });

  it('answers /health and /ready with their checks', async () => {
    const health = await request(gw.gateway.app).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await request(gw.gateway.app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { schema: 'ok', partnerToken: 'ok', redis: expect.any(String), credentials: 'ok' },
    });
    expect(ready.body.checks.redis).not.toBe('degraded');
  });

  it('logs one line per GraphQL request on every route and puts no secret in any log line or response', async () => {
    const app = gw.gateway.app;
    const userToken = await userJwt({ hirerIds: [FAKE_LTD] });
    const forgedUserToken = await userJwt({
      hirerIds: [FAKE_LTD, ACME],
      secret: 'a-different-secret-that-is-at-least-32-bytes',
    });
    const foreignJwt = await userJwt({
      hirerIds: [FAKE_LTD],
      issuer: 'https://someone-else.example/',
    });
    simulator.clearRequests();

    /** What each request should have logged. */
    const expected: Array<{
      response: request.Response;
      caller: string;
      operationName?: string;
      route: string;
      upstreamStatus?: number;
    }> = [];
    const bodies: string[] = [];
    const browserTokens: string[] = [];

    // A service key, both lanes.
    const serviceQuery = await request(app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .send({ query: 'query Self { version self { partner { name } } }' });
    expect(serviceQuery.status).toBe(200);
    expected.push({
      response: serviceQuery,
      caller: 'service',
      operationName: 'Self',
      route: 'forward',
      upstreamStatus: 200,
    });
    const serviceGet = await request(app)
      .get('/graphql')
      .query({ query: 'query SelfGet { version }' })
      .set('authorization', SERVICE_AUTH)
      .set('apollo-require-preflight', 'true');
    expect(serviceGet.status).toBe(200);
    expected.push({
      response: serviceGet,
      caller: 'service',
      operationName: 'SelfGet',
      route: 'forward',
      upstreamStatus: 200,
    });

    // A user JWT exchanging for a browser token (Apollo lane, gateway field).
    const exchange = await request(app)
      .post('/graphql')
      .set('authorization', `Bearer ${userToken}`)
      .send({
        query:
          'mutation Exchange($hirerId: String!, $scope: String!) { browserToken(hirerId: $hirerId, scope: $scope) { accessToken expiresIn } }',
        operationName: 'Exchange',
        variables: { hirerId: FAKE_LTD, scope: SCOPE },
      });
    expect(exchange.status).toBe(200);
    const userBrowserToken = exchange.body.data.browserToken.accessToken as string;
    browserTokens.push(userBrowserToken);
    expected.push({
      response: exchange,
      caller: 'user',
      operationName: 'Exchange',
      route: 'execute',
    });

    // A service asking for a browser token for an end user.
    const serviceExchange = await request(app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .send({
        query: `mutation ServiceExchange { browserToken(hirerId: "${ACME}", scope: "${SCOPE}", userId: "anon-42") { accessToken } }`,
      });
    expect(serviceExchange.status).toBe(200);
    browserTokens.push(serviceExchange.body.data.browserToken.accessToken as string);
    expected.push({
      response: serviceExchange,
      caller: 'service',
      operationName: 'ServiceExchange',
      route: 'execute',
    });

    // The browser token as a bearer on `self`, and in a variable.
    const bearerSelf = await request(app)
      .post('/graphql')
      .set('authorization', `Bearer ${userBrowserToken}`)
      .send({ query: 'query Hirer { self { hirer { name } } }' });
    expect(bearerSelf.status).toBe(200);
    expect(bearerSelf.body.data.self.hirer.name).toEqual(expect.any(String));
    expected.push({
      response: bearerSelf,
      caller: 'seek-token',
      operationName: 'Hirer',
      route: 'forward',
      upstreamStatus: 200,
    });
    const tokenInVariable = await request(app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .send({
        query: 'query Currencies($code: String!) { currencies(usageTypeCode: $code) { code } }',
        variables: { code: userBrowserToken },
      });
    expect(tokenInVariable.status).toBe(200);
    expected.push({
      response: tokenInVariable,
      caller: 'service',
      operationName: 'Currencies',
      route: 'forward',
      upstreamStatus: 200,
    });
    const bearerApollo = await request(app)
      .post('/graphql')
      .set('authorization', `Bearer ${userBrowserToken}`)
      .send({ query: 'query HirerApollo { self { hirer { name } } }', extensions: {} });
    expect(bearerApollo.status).toBe(200);
    expected.push({
      response: bearerApollo,
      caller: 'seek-token',
      operationName: 'HirerApollo',
      route: 'forward',
      upstreamStatus: 200,
    });

    // Anonymous: refused for SEEK fields, answered for __typename.
    const anonymous = await request(app)
      .post('/graphql')
      .send({ query: 'query Anonymous { version }' });
    expect(anonymous.status).toBe(401);
    expected.push({
      response: anonymous,
      caller: 'anonymous',
      operationName: 'Anonymous',
      route: 'refused',
    });

    // A JWT from another issuer is taken as a SEEK token, and SEEK rejects it.
    const foreign = await request(app)
      .post('/graphql')
      .set('authorization', `Bearer ${foreignJwt}`)
      .send({ query: 'query Foreign { version }' });
    expect(foreign.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expected.push({
      response: foreign,
      caller: 'seek-token',
      operationName: 'Foreign',
      route: 'forward',
      upstreamStatus: 200,
    });

    // A JWT claiming our issuer with a bad signature: refused, never sent to SEEK.
    const before = simulator.requests.length;
    const forged = await request(app)
      .post('/graphql')
      .set('authorization', `Bearer ${forgedUserToken}`)
      .send({ query: 'query Forged { version }', operationName: 'Forged' });
    expect(forged.status).toBe(401);
    expect(forged.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(simulator.requests.length).toBe(before);
    expected.push({
      response: forged,
      caller: 'unknown',
      operationName: 'Forged',
      route: 'refused',
    });

    const responses = expected.map((entry) => entry.response);
    for (const response of responses) bodies.push(response.text);

    // One log line per request, on every route, with what an operator needs.
    const lines = parseLines(gw);
    for (const entry of expected) {
      const requestId = entry.response.headers['x-request-id'] as string;
      const requestLines = lines.filter(
        (line) => line.msg === 'graphql request' && line.requestId === requestId,
      );
      expect(requestLines).toHaveLength(1);
      const [line] = requestLines as [LogLine];
      expect(line).toMatchObject({
        requestId,
        caller: entry.caller,
        operationName: entry.operationName,
        route: entry.route,
        status: entry.response.status,
      });
      expect(line.durationMs).toEqual(expect.any(Number));
      if (entry.upstreamStatus !== undefined)
        expect(line.upstreamStatus).toBe(entry.upstreamStatus);
    }

    // No secret anywhere in the logs (trace level), nor in a response body except the
    // accessToken field handed to the caller that asked for it.
    const secrets = expandSecrets([
      SERVICE_KEY,
      simulator.clientSecret,
      JWT_SECRET,
      userToken,
      forgedUserToken,
      foreignJwt,
      ...browserTokens,
      ...bearerValues(simulator),
    ]);
    expect(bearerValues(simulator).length).toBeGreaterThan(3);
    const logText = gw.logs.text();
    expect(logText.length).toBeGreaterThan(1_000);
    expect(gw.config.logLevel).toBe('trace');
    for (const secret of secrets) expect(logText).not.toContain(secret);

    for (const response of responses) {
      const body = JSON.parse(response.text) as {
        data?: { browserToken?: { accessToken?: string } };
      };
      if (body.data?.browserToken?.accessToken) delete body.data.browserToken.accessToken;
      const rest = JSON.stringify(body);
      for (const secret of secrets) expect(rest).not.toContain(secret);
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('exposes Prometheus metrics that parse strictly, with the gateway families', async () => {
    const response = await request(gw.gateway.app).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const { types, samples } = parsePrometheus(response.text);

    expect(types.get('gateway_request_duration_seconds')).toBe('histogram');
    expect(types.get('gateway_upstream_duration_seconds')).toBe('histogram');
    expect(types.get('gateway_token_cache_total')).toBe('counter');
    expect(types.get('process_cpu_seconds_total')).toBe('counter');

    const requestCounts = samples.filter(
      (sample) => sample.name === 'gateway_request_duration_seconds_count',
    );
    expect(requestCounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          labels: expect.objectContaining({ caller: 'service', outcome: 'ok' }),
        }),
        expect.objectContaining({
          labels: expect.objectContaining({ caller: 'user', outcome: 'ok' }),
        }),
        expect.objectContaining({
          labels: expect.objectContaining({ caller: 'seek-token' }),
        }),
        expect.objectContaining({
          labels: expect.objectContaining({ caller: 'anonymous' }),
        }),
      ]),
    );
    for (const sample of requestCounts) {
      expect(Object.keys(sample.labels).sort()).toEqual(['caller', 'operation_type', 'outcome']);
    }
    expect(
      samples.find(
        (sample) =>
          sample.name === 'gateway_upstream_duration_seconds_count' &&
          sample.labels.target === 'graphql' &&
          sample.labels.status === '200',
      )?.value,
    ).toBeGreaterThan(0);
    expect(
      samples.some((sample) => sample.name === 'gateway_token_cache_total' && sample.value > 0),
    ).toBe(true);
    expect(samples.some((sample) => sample.name === 'process_cpu_seconds_total')).toBe(true);
    // Nothing secret in labels either.
    expect(response.text).not.toContain(SERVICE_KEY);
    expect(response.text).not.toMatch(/eyJ[\w-]+\./);
  });
});

describe('cold start with SEEK auth failing', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;
  let schemaDir: string;

  beforeAll(async () => {
    // The schema comes from a file, so the gateway starts although it cannot get a token.
    schemaDir = mkdtempSync(join(tmpdir(), 'gateway-obs-'));
    const schemaFile = join(schemaDir, 'seek.graphql');
    writeFileSync(schemaFile, printSchema(schemaForRevision(1)));
    simulator = await startSimulator({ clientId: uniqueClientId('obs-cold') });
    simulator.fault('auth', { kind: 'status', status: 503 }, Infinity);
    gw = await startGateway(simulator, {
      LOG_LEVEL: 'trace',
      SEEK_SCHEMA_FILE: schemaFile,
      SEEK_AUTH_TIMEOUT_MS: '300',
    });
  });
  afterAll(async () => {
    await gw.stop();
    await simulator.close();
    rmSync(schemaDir, { recursive: true, force: true });
  });

  it('answers /ready 503 (schema ok, partner token unavailable) within the auth bound', async () => {
    const started = performance.now();
    const ready = await request(gw.gateway.app).get('/ready');
    expect(performance.now() - started).toBeLessThan(300 + 1_000);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      checks: {
        schema: 'ok',
        partnerToken: 'unavailable',
        redis: expect.any(String),
        credentials: 'ok',
      },
    });
    expect((await request(gw.gateway.app).get('/health')).status).toBe(200);
  });

  it('fails service requests cleanly and logs no secret, even when the auth server echoes one', async () => {
    const down = await request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .send({ query: 'query Down { version }' });
    expect(down.status).toBeGreaterThanOrEqual(500);
    expect(down.body.errors[0].extensions.code).toMatch(/^SEEK_AUTH_/);

    // An auth server that puts the client secret in its error body.
    simulator.clearFaults();
    simulator.fault(
      'auth',
      {
        kind: 'status',
        status: 401,
        body: JSON.stringify({
          error: 'access_denied',
          error_description: `client_secret ${simulator.clientSecret} is not valid`,
        }),
      },
      Infinity,
    );
    const rejected = await request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .send({ query: 'query Rejected { version }', extensions: {} });
    expect(rejected.status).toBeGreaterThanOrEqual(500);
    expect(rejected.body.errors[0].extensions.code).toMatch(/^SEEK_AUTH_/);
    expect(simulator.count('auth')).toBeGreaterThan(0);

    const secrets = expandSecrets([
      SERVICE_KEY,
      simulator.clientSecret,
      ...bearerValues(simulator),
    ]);
    const logText = gw.logs.text();
    for (const secret of secrets) {
      expect(logText).not.toContain(secret);
      expect(down.text).not.toContain(secret);
      expect(rejected.text).not.toContain(secret);
    }
    for (const response of [down, rejected]) {
      expect(response.text).not.toContain(simulator.url);
      const lines = parseLines(gw).filter(
        (line) =>
          line.msg === 'graphql request' && line.requestId === response.headers['x-request-id'],
      );
      expect(lines).toHaveLength(1);
    }
  });
});
