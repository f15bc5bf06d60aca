// Tracing end to end, against real parts: the gateway on loopback, the SEEK simulator, Redis, and
// an OTLP/HTTP receiver stand-in that decodes what the exporter sends. Checks the span tree, the
// ids SEEK received, request ids in answers and logs, and that nothing secret is exported.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, loadConfig } from '../src/config';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  startAwsSecretsManagerStandIn,
  type AwsSecretsManagerStandIn,
} from './support/awsSecretsManagerStandIn';
import {
  startAzureKeyVaultStandIn,
  type AzureKeyVaultStandIn,
} from './support/azureKeyVaultStandIn';
import {
  FAKE_LTD,
  freePort,
  graphqlCalls,
  JWT_SECRET,
  SERVICE_KEY,
  startSimulator,
  testEnv,
  uniqueClientId,
  userJwt,
} from './support/harness';
import {
  SPAN_KIND,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from './support/otlpReceiver';
import { startJwksHost, type JwksHost } from './support/jwksHost';
import { modulesLoaded, runEntry, writeModuleProbe, type RunningEntry } from './support/spawnEntry';
import { createTestCertificateAuthority, type TestCertificateAuthority } from './support/tls';

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const CALLER_TRACEPARENT = `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`;
const CLIENT_REQUEST_ID = 'client-req_1.2:3';
const VARIABLE_VALUE = `variable-value-${Math.random().toString(36).slice(2)}`;
const ORG_QUERY = 'query Org($id: String!) { hiringOrganization(id: $id) { name } }';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

/**
 * The gateway as a real process (tsx; OpenTelemetry's exporter loads its transport by a dynamic
 * import, which jest's module sandbox cannot run), traced to the receiver, with a preload that
 * lists the OpenTelemetry modules it required.
 */
const spawnTracedGateway = (
  simulator: SeekSimulator,
  probe: string,
  /** Added to the test environment; a variable set to undefined is left out. */
  overrides: Record<string, string | undefined>,
) => {
  const env = Object.fromEntries(
    Object.entries({
      ...testEnv(simulator, {
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        OTEL_TRACES_SAMPLER: 'always_on',
      }),
      ...overrides,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const entry = runEntry('src/main.ts', [], env, {
    nodeArgs: ['--require', probe],
    guardMs: 90_000,
  });
  const listening = entry
    .waitFor(/gateway listening on http:\/\/localhost:(\d+)\//)
    .then(([, port]) => `http://127.0.0.1:${port}`);
  return { entry, listening };
};

const post = (
  base: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${SERVICE_KEY}` },
) =>
  fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId);

/** The request log line of the request the caller gave this X-Request-Id. */
const logLineOf = async (entry: RunningEntry, clientRequestId: string) => {
  const [line] = await entry.waitFor(
    new RegExp(`^\\{.*"clientRequestId":"${clientRequestId.replace(/[.]/g, '\\.')}".*$`, 'm'),
  );
  return JSON.parse(line) as Record<string, unknown>;
};

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'otel-probe-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});
const probeFile = (name: string) =>
  writeModuleProbe(join(directory, `${name}.js`), '^@opentelemetry/(?!api$)');

describe('tracing to an OTLP receiver', () => {
  let simulator: SeekSimulator;
  let receiver: OtlpReceiver;
  let gateway: ReturnType<typeof spawnTracedGateway>;
  let base: string;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('tracing') });
    receiver = await startOtlpReceiver();
    gateway = spawnTracedGateway(simulator, probeFile('traced'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'gateway-under-test',
    });
    base = await gateway.listening;
  });
  afterAll(async () => {
    gateway?.entry.kill('SIGTERM');
    await gateway?.entry.exited;
    await receiver?.close();
    await simulator?.close();
  });

  it('continues the caller trace: server span, one span per stage, the SEEK call as a client span whose traceparent SEEK got', async () => {
    simulator.clearRequests();
    const response = await post(
      base,
      { query: ORG_QUERY, operationName: 'Org', variables: { id: VARIABLE_VALUE } },
      {
        authorization: `Bearer ${SERVICE_KEY}`,
        traceparent: CALLER_TRACEPARENT,
        'x-request-id': CLIENT_REQUEST_ID,
      },
    );
    expect(response.status).toBe(200);
    // The caller's X-Request-Id is echoed.
    expect(response.headers.get('x-request-id')).toBe(CLIENT_REQUEST_ID);

    await receiver.waitFor(
      (spans) =>
        spans.some((span) => span.kind === SPAN_KIND.SERVER && span.traceId === CALLER_TRACE_ID),
      'the server span',
    );
    const trace = receiver.spans.filter((span) => span.traceId === CALLER_TRACE_ID);
    const servers = trace.filter((span) => span.kind === SPAN_KIND.SERVER);
    expect(servers).toHaveLength(1);
    const [server] = servers as [ReceivedSpan];
    expect(server.parentSpanId).toBe(CALLER_SPAN_ID);
    expect(server.serviceName).toBe('gateway-under-test');
    expect(server.name).toBe('query Org');
    expect(server.attributes).toMatchObject({
      'graphql.operation.name': 'Org',
      'graphql.operation.type': 'query',
      'gateway.caller.kind': 'service',
      'http.response.status_code': 200,
      'gateway.route': 'forward',
      'gateway.client_request_id': CLIENT_REQUEST_ID,
    });
    expect(
      childrenOf(trace, server)
        .map((span) => span.name)
        .sort(),
    ).toEqual(['forward to SEEK', 'read operation', 'validate document']);
    const forward = trace.find((span) => span.name === 'forward to SEEK') as ReceivedSpan;
    const seekCalls = childrenOf(trace, forward).filter((span) => span.name === 'SEEK graphql');
    expect(seekCalls).toHaveLength(1);
    const [seekCall] = seekCalls as [ReceivedSpan];
    expect(seekCall.kind).toBe(SPAN_KIND.CLIENT);
    expect(seekCall.attributes['http.response.status_code']).toBe(200);

    // SEEK got the traceparent of that client span, and a fresh X-Request-Id of its own.
    const [call] = graphqlCalls(simulator);
    const [, traceId, parentId] = TRACEPARENT.exec(String(call?.headers.traceparent)) ?? [];
    expect({ traceId, parentId }).toEqual({ traceId: CALLER_TRACE_ID, parentId: seekCall.spanId });
    const seekRequestId = String(call?.headers['x-request-id']);
    expect(seekRequestId).toMatch(/^[0-9a-f-]{36}$/);

    // The log line: the gateway's id, the caller's, SEEK's, and the trace id.
    const line = await logLineOf(gateway.entry, CLIENT_REQUEST_ID);
    expect(line).toMatchObject({
      clientRequestId: CLIENT_REQUEST_ID,
      seekRequestIds: [seekRequestId],
      traceId: CALLER_TRACE_ID,
      requestId: server.attributes['gateway.request_id'],
    });
    expect(line.requestId).not.toBe(CLIENT_REQUEST_ID);

    // Nothing secret went out: not the service key, the partner token, the secret or a variable.
    const partnerToken = String(call?.headers.authorization).replace(/^Bearer /, '');
    const exported = receiver.bodies.join('\n');
    for (const secret of [SERVICE_KEY, partnerToken, simulator.clientSecret, VARIABLE_VALUE])
      expect(exported).not.toContain(secret);
  });

  it('writes validation only on a cache miss, and starts a trace of its own without a traceparent', async () => {
    const response = await post(base, { query: ORG_QUERY, variables: { id: 'again' } });
    expect(response.status).toBe(200);
    // No X-Request-Id sent: the answer carries the gateway's own.
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const serverSpan = () =>
      receiver.spans.find((span) => span.attributes['gateway.request_id'] === requestId);
    await receiver.waitFor(() => serverSpan() !== undefined, 'the second server span');
    const server = serverSpan() as ReceivedSpan;
    expect(server.parentSpanId).toBeUndefined();
    expect(server.traceId).not.toBe(CALLER_TRACE_ID);
    await receiver.waitFor(
      (spans) => childrenOf(spans, server).length === 2,
      'the stages of the second request',
    );
    expect(
      childrenOf(receiver.spans, server)
        .map((span) => span.name)
        .sort(),
    ).toEqual(['forward to SEEK', 'read operation']);
  });

  it('traces a refused request with its error code, and an executed one with the browser-token exchange', async () => {
    simulator.clearRequests();
    const refused = await post(base, { query: '{ version }' }, { 'x-request-id': 'refused-1' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toBe('refused-1');
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    const executed = await post(
      base,
      {
        query: `mutation { browserToken(hirerId: "${FAKE_LTD}", scope: "query:ontologies") { accessToken } }`,
      },
      { authorization: `Bearer ${jwt}`, 'x-request-id': 'executed-1' },
    );
    expect(executed.status).toBe(200);
    const { accessToken } = (
      (await executed.json()) as { data: { browserToken: { accessToken: string } } }
    ).data.browserToken;

    const serverOf = (id: string) =>
      receiver.spans.find((span) => span.attributes['gateway.client_request_id'] === id);
    await receiver.waitFor(
      () => Boolean(serverOf('refused-1') && serverOf('executed-1')),
      'both server spans',
    );
    expect(serverOf('refused-1')?.attributes).toMatchObject({
      'gateway.error_codes': ['UNAUTHENTICATED'],
      'http.response.status_code': 401,
      'gateway.caller.kind': 'anonymous',
    });
    const server = serverOf('executed-1') as ReceivedSpan;
    await receiver.waitFor(
      (spans) =>
        spans.some((span) => span.traceId === server.traceId && span.name === 'SEEK browser token'),
      'the browser-token exchange',
    );
    const trace = receiver.spans.filter((span) => span.traceId === server.traceId);
    expect(childrenOf(trace, server).map((span) => span.name)).toEqual(
      expect.arrayContaining(['read operation', 'resolve caller', 'execute']),
    );
    const exchange = trace.find((span) => span.name === 'SEEK browser token') as ReceivedSpan;
    const [call] = simulator.requests.filter((entry) => entry.route === 'browserToken');
    expect(TRACEPARENT.exec(String(call?.headers.traceparent))?.slice(1, 3)).toEqual([
      server.traceId,
      exchange.spanId,
    ]);
    const exported = receiver.bodies.join('\n');
    for (const secret of [jwt, accessToken, JWT_SECRET]) expect(exported).not.toContain(secret);
  });

  it('traces a download: a server span named for its endpoint, the SEEK call a client span whose traceparent SEEK got', async () => {
    const url = simulator.addAttachment({ sizeBytes: 1_024 });
    simulator.clearRequests();
    const traceId = 'aaf92f3577b34da6a3ce929d0e0e4736';
    const answer = await fetch(`${base}/attachments?url=${encodeURIComponent(url)}`, {
      headers: {
        authorization: `Bearer ${SERVICE_KEY}`,
        traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01`,
        'x-request-id': 'download-1',
      },
    });
    expect(answer.status).toBe(200);
    expect((await answer.arrayBuffer()).byteLength).toBe(1_024);

    await receiver.waitFor(
      (spans) => spans.some((span) => span.traceId === traceId && span.name === 'SEEK attachment'),
      'the download span',
    );
    const trace = receiver.spans.filter((span) => span.traceId === traceId);
    const servers = trace.filter((span) => span.kind === SPAN_KIND.SERVER);
    expect(servers).toHaveLength(1);
    const [server] = servers as [ReceivedSpan];
    expect(server.name).toBe('GET /attachments');
    expect(server.attributes).toMatchObject({
      'http.route': '/attachments',
      'http.response.status_code': 200,
      'gateway.route': 'attachment',
    });
    const downloads = trace.filter((span) => span.name === 'SEEK attachment');
    expect(downloads).toHaveLength(1);
    const [seekCall] = downloads as [ReceivedSpan];
    expect(seekCall.kind).toBe(SPAN_KIND.CLIENT);
    expect(seekCall.parentSpanId).toBe(server.spanId);

    // SEEK got that span's traceparent and an X-Request-Id of its own, logged as seekRequestIds.
    const [call] = simulator.requests.filter((entry) => entry.route === 'attachment');
    expect(TRACEPARENT.exec(String(call?.headers.traceparent))?.slice(1, 3)).toEqual([
      traceId,
      seekCall.spanId,
    ]);
    const seekRequestId = String(call?.headers['x-request-id']);
    expect(seekRequestId).toMatch(/^[0-9a-f-]{36}$/);
    const line = await logLineOf(gateway.entry, 'download-1');
    expect(line).toMatchObject({ msg: 'attachment request', seekRequestIds: [seekRequestId] });
    const partnerToken = String(call?.headers.authorization).replace(/^Bearer /, '');
    const exported = receiver.bodies.join('\n');
    for (const secret of [SERVICE_KEY, partnerToken]) expect(exported).not.toContain(secret);
  });

  it('counts every answer with errors by code and caller kind, and SEEK calls by type and outcome', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(
      /gateway_requests_refused_total\{code="UNAUTHENTICATED",caller="anonymous"\} 1/,
    );
    expect(text).toMatch(
      /gateway_seek_request_duration_seconds_count\{operation_type="query",outcome="ok"\} 2/,
    );
  });

  it('loaded the SDK and the exporter', async () => {
    gateway.entry.kill('SIGTERM');
    const exited = await gateway.entry.exited;
    expect(exited.code).toBe(0);
    expect(modulesLoaded(exited.stderr)).toEqual(
      expect.arrayContaining([
        '@opentelemetry/sdk-trace-node',
        '@opentelemetry/exporter-trace-otlp-http',
      ]),
    );
  });
});

/** The trace id and parent span id a `traceparent` header carries. */
const idsOf = (traceparent: string | undefined) => {
  const [, traceId, spanId] = TRACEPARENT.exec(String(traceparent)) ?? [];
  return { traceId, spanId };
};
const idsOfSpan = (span: ReceivedSpan | undefined) => ({
  traceId: span?.traceId,
  spanId: span?.spanId,
});

/** Variables the AWS SDK would otherwise take from this machine (profiles, instance metadata). */
const AWS_SDK_ISOLATION = {
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const credentialsJson = (simulator: SeekSimulator) =>
  JSON.stringify({ client_id: simulator.clientId, client_secret: simulator.clientSecret });

describe('calls made by libraries: JWKS, AWS Secrets Manager, Redis', () => {
  const SECRET_ID = `tracing/aws-${Math.random().toString(36).slice(2)}`;
  let simulator: SeekSimulator;
  let receiver: OtlpReceiver;
  let store: AwsSecretsManagerStandIn;
  let jwks: JwksHost;
  let gateway: ReturnType<typeof spawnTracedGateway>;
  let base: string;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('tracing-libraries') });
    receiver = await startOtlpReceiver();
    store = await startAwsSecretsManagerStandIn();
    store.putSecret(SECRET_ID, credentialsJson(simulator));
    jwks = await startJwksHost();
    gateway = spawnTracedGateway(simulator, probeFile('libraries'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // User JWTs verified by keys from the JWKS host, not a shared secret.
      AUTH_JWT_SECRET: undefined,
      AUTH_JWKS_URL: jwks.url,
      AUTH_JWKS_TIMEOUT_MS: '5000',
      // The SEEK credentials read from Secrets Manager.
      SEEK_CLIENT_ID: undefined,
      SEEK_CLIENT_SECRET: undefined,
      SEEK_CREDENTIALS_AWS_SECRET_ID: SECRET_ID,
      ...store.env,
      ...AWS_SDK_ISOLATION,
    });
    base = await gateway.listening;
  });
  afterAll(async () => {
    gateway?.entry.kill('SIGTERM');
    await gateway?.entry.exited;
    await Promise.all([receiver?.close(), store?.close(), jwks?.close(), simulator?.close()]);
  });

  it('reads the secret in a client span whose traceparent Secrets Manager got: store, operation and status only', async () => {
    const name = 'AWS Secrets Manager GetSecretValue';
    await receiver.waitFor((spans) => spans.some((span) => span.name === name), 'the read');
    const reads = receiver.spans.filter((span) => span.name === name);
    expect(reads).toHaveLength(1);
    expect(store.requests).toHaveLength(1);
    const [read] = reads as [ReceivedSpan];
    expect(idsOf(store.requests[0]?.traceparent)).toEqual(idsOfSpan(read));
    expect(read.kind).toBe(SPAN_KIND.CLIENT);
    expect(read.attributes).toEqual({
      'gateway.store': 'aws-secrets-manager',
      'gateway.store.operation': 'GetSecretValue',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
    });
  });

  it('fetches the JWKS in a client span under "resolve caller", and each Redis call of the token cache is a span', async () => {
    const jwt = await jwks.mint();
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const response = await post(
      base,
      {
        query: `mutation { browserToken(hirerId: "${FAKE_LTD}", scope: "query:ontologies") { accessToken } }`,
      },
      {
        authorization: `Bearer ${jwt}`,
        traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01`,
        'x-request-id': 'libraries-1',
      },
    );
    expect(response.status).toBe(200);
    const { accessToken } = (
      (await response.json()) as { data: { browserToken: { accessToken: string } } }
    ).data.browserToken;

    await receiver.waitFor(
      (spans) => spans.some((span) => span.traceId === traceId && span.kind === SPAN_KIND.SERVER),
      'the server span',
    );
    const trace = receiver.spans.filter((span) => span.traceId === traceId);
    const byId = new Map(trace.map((span) => [span.spanId, span]));

    // One JWKS fetch, child of the caller stage, whose traceparent the JWKS host got.
    const fetches = trace.filter((span) => span.name === 'JWKS fetch');
    expect(fetches).toHaveLength(1);
    const [fetch] = fetches as [ReceivedSpan];
    expect(byId.get(fetch.parentSpanId ?? '')?.name).toBe('resolve caller');
    expect(jwks.traceparents).toHaveLength(1);
    expect(idsOf(jwks.traceparents[0])).toEqual(idsOfSpan(fetch));
    expect(fetch.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.full': `${jwks.url}`,
    });

    // The browser token's cache: a miss in Redis, the lock, the write, each a span under
    // "execute" (through the resolver) with the command and nothing of the key or value.
    const redis = trace.filter(
      (span) =>
        span.attributes['db.system'] === 'redis' && 'gateway.cache.operation' in span.attributes,
    );
    expect(redis.map((span) => span.name)).toEqual(
      expect.arrayContaining(['redis get', 'redis lock', 'redis set']),
    );
    // The rate limits counted in Redis, one span each, naming the limit and the command, never
    // the (hashed) subject: the client address (caller protection, before the caller is known)
    // and the user's browserToken exchanges (BROWSER_TOKEN_RATE_PER_MINUTE, in the resolver).
    const counts = trace.filter((span) => span.name === 'redis ratelimit');
    expect(counts.map((span) => span.attributes['gateway.rate_limit.name']).sort()).toEqual([
      'address',
      'browser-token-exchange',
    ]);
    for (const span of counts) {
      expect(span.kind).toBe(SPAN_KIND.CLIENT);
      expect(Object.keys(span.attributes).sort()).toEqual([
        'db.operation.name',
        'db.system',
        'gateway.rate_limit.name',
      ]);
      expect(span.attributes['db.operation.name']).toBe('EVAL');
    }
    const count = counts.find(
      (span) => span.attributes['gateway.rate_limit.name'] === 'browser-token-exchange',
    ) as ReceivedSpan;
    const addressCount = counts.find((span) => span !== count) as ReceivedSpan;
    expect(byId.get(addressCount.parentSpanId ?? '')?.kind).toBe(SPAN_KIND.SERVER);
    for (const span of [...redis, count]) {
      expect(span.kind).toBe(SPAN_KIND.CLIENT);
      if (span !== count)
        expect(Object.keys(span.attributes).sort()).toEqual([
          'db.operation.name',
          'db.system',
          'gateway.cache.operation',
        ]);
      let ancestor = byId.get(span.parentSpanId ?? '');
      while (ancestor && ancestor.name !== 'execute')
        ancestor = byId.get(ancestor.parentSpanId ?? '');
      expect(ancestor?.name).toBe('execute');
    }
    expect(redis.find((span) => span.name === 'redis lock')?.attributes).toEqual({
      'db.system': 'redis',
      'db.operation.name': 'SET',
      'gateway.cache.operation': 'lock',
    });

    // No secret, token or key went out: the AWS keys, SEEK's client secret, the JWT, the
    // browser token, the secret's id and any Redis key (they all start with the prefix).
    const exported = receiver.bodies.join('\n');
    for (const secret of [
      store.env.AWS_SECRET_ACCESS_KEY,
      store.env.AWS_ACCESS_KEY_ID,
      simulator.clientSecret,
      jwt,
      accessToken,
      SECRET_ID,
      'seek-gateway:',
    ])
      expect(exported).not.toContain(secret);
  });
});

describe('calls made by libraries: Azure Key Vault', () => {
  const SECRET_NAME = `tracing-kv-${Math.random().toString(36).slice(2)}`;
  let ca: TestCertificateAuthority;
  let vault: AzureKeyVaultStandIn;
  let simulator: SeekSimulator;
  let receiver: OtlpReceiver;
  let gateway: ReturnType<typeof spawnTracedGateway>;

  beforeAll(async () => {
    ca = createTestCertificateAuthority();
    vault = await startAzureKeyVaultStandIn(ca);
    simulator = await startSimulator({ clientId: uniqueClientId('tracing-azure') });
    vault.putSecret(SECRET_NAME, credentialsJson(simulator));
    receiver = await startOtlpReceiver();
    gateway = spawnTracedGateway(simulator, probeFile('azure'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      SEEK_CLIENT_ID: undefined,
      SEEK_CLIENT_SECRET: undefined,
      SEEK_CREDENTIALS_AZURE_VAULT_URL: vault.vaultUrl,
      SEEK_CREDENTIALS_AZURE_SECRET_NAME: SECRET_NAME,
      NODE_EXTRA_CA_CERTS: ca.caFile,
      ...vault.env,
    });
    await gateway.listening;
  });
  afterAll(async () => {
    gateway?.entry.kill('SIGTERM');
    await gateway?.entry.exited;
    await Promise.all([receiver?.close(), vault?.close(), simulator?.close()]);
    ca?.remove();
  });

  it('gives each request to the vault and to the identity a client span whose traceparent that host got', async () => {
    // The bearer challenge (401), then the read; one token grant at the authority.
    expect(vault.vaultRequests.map((request) => request.status)).toEqual([401, 200]);
    expect(vault.tokenRequests).toHaveLength(1);
    const reads = () => receiver.spans.filter((span) => span.name === 'Azure Key Vault getSecret');
    await receiver.waitFor(() => reads().length === 2, 'both vault requests');
    const byId = new Map(reads().map((span) => [span.spanId, span]));
    for (const request of vault.vaultRequests) {
      const span = byId.get(idsOf(request.traceparent).spanId ?? '');
      expect(span?.traceId).toBe(idsOf(request.traceparent).traceId);
      expect(span?.attributes).toEqual({
        'gateway.store': 'azure-key-vault',
        'gateway.store.operation': 'getSecret',
        'http.request.method': 'GET',
        'http.response.status_code': request.status,
        'server.address': '127.0.0.1',
      });
    }
    const grants = () =>
      receiver.spans.filter((span) => span.name === 'Azure Key Vault authenticate');
    await receiver.waitFor(
      () => grants().some((span) => span.attributes['http.request.method'] === 'POST'),
      'the token grant',
    );
    const grant = grants().find(
      (span) => span.spanId === idsOf(vault.tokenRequests[0]?.traceparent).spanId,
    );
    expect(grant?.attributes).toMatchObject({
      'gateway.store': 'azure-key-vault',
      'gateway.store.operation': 'authenticate',
      'http.response.status_code': 200,
    });

    // Neither the secret's name, the tenant, the identity's secret nor the Entra token went out.
    const bearer = vault.vaultRequests.find((request) => request.bearer)?.bearer;
    const exported = receiver.bodies.join('\n');
    for (const secret of [
      SECRET_NAME,
      vault.env.AZURE_TENANT_ID,
      vault.identitySecret,
      simulator.clientSecret,
      bearer,
    ])
      expect(exported).not.toContain(secret);
  });
});

describe('a collector that is down', () => {
  it('never holds a request: every one is answered, and the failed exports are counted', async () => {
    const simulator = await startSimulator({ clientId: uniqueClientId('tracing-down') });
    const gateway = spawnTracedGateway(simulator, probeFile('down'), {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${await freePort()}/v1/traces`,
    });
    try {
      const base = await gateway.listening;
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => post(base, { query: '{ version }' })),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      // The batch goes out (and fails) after the processor's delay: wait for the count (bounded).
      const deadline = Date.now() + 20_000;
      let metrics = '';
      while (!/gateway_trace_exports_total\{result="failed"\} [1-9]/.test(metrics)) {
        if (Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
        metrics = await (await fetch(`${base}/metrics`)).text();
      }
      expect(metrics).toMatch(/gateway_trace_exports_total\{result="failed"\} [1-9]/);
      // Still answering after the failed exports.
      expect((await post(base, { query: '{ version }' })).status).toBe(200);
    } finally {
      gateway.entry.kill('SIGTERM');
      expect((await gateway.entry.exited).code).toBe(0);
      await simulator.close();
    }
  });
});

describe('tracing configuration', () => {
  it('is off without an endpoint, or with OTEL_SDK_DISABLED=true', () => {
    expect(loadConfig({}).tracing.traces).toBeUndefined();
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_SDK_DISABLED: 'TRUE',
      }).tracing.traces,
    ).toBeUndefined();
  });

  it('appends /v1/traces to the general endpoint, takes the traces endpoint as it is', () => {
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing.traces,
    ).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'seek-gateway',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }).tracing.traces,
    ).toMatchObject({ url: 'http://traces:4318/custom', samplerRatio: 0.25 });
  });

  it('names each bad variable', () => {
    const problems = () =>
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
      });
    expect(problems).toThrow(ConfigError);
    expect(problems).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(problems).toThrow(/OTEL_TRACES_SAMPLER:/);
    expect(problems).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '0.5' })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG: is a ratio for traceidratio/,
    );
  });
});

describe('without an endpoint', () => {
  // @opentelemetry/api itself is loaded by prom-client and node-redis whatever the gateway does
  // (a no-op until an SDK registers); the probe watches every other OpenTelemetry module.
  it('loads no OpenTelemetry SDK module', async () => {
    const gateway = runEntry(
      'src/main.ts',
      [],
      { HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info' },
      { nodeArgs: ['--require', probeFile('off')] },
    );
    try {
      await gateway.waitFor(/gateway listening on http:\/\/localhost:(\d+)\//);
    } finally {
      gateway.kill('SIGTERM');
    }
    const exited = await gateway.exited;
    expect(exited.code).toBe(0);
    expect(exited.stdout).not.toContain('traceId');
    expect(modulesLoaded(exited.stderr)).toEqual([]);
  });
});
