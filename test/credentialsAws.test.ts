// SEEK credentials in AWS Secrets Manager, against a stand-in that speaks the service's wire
// protocol on loopback (AWS JSON 1.1, SigV4 signatures verified; see
// support/awsSecretsManagerStandIn.ts). The gateway reaches it only through the SDK's own
// configuration: AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_REGION, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY. Covered: first read, rotation (after a 401, and by the periodic
// re-read), the store down at start-up (in process and as a real process: exit 1, one line) and
// later (the last good credentials keep serving, /ready degraded), malformed secrets, and no
// secret value in any log line, error or answer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';

import { createGateway } from '../src/app';
import { loadConfig } from '../src/config';
import { CredentialsError } from '../src/credentials';
import { createLogger } from '../src/observability/logger';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  startAwsSecretsManagerStandIn,
  type AwsSecretsManagerStandIn,
} from './support/awsSecretsManagerStandIn';
import {
  SERVICE_KEY,
  createLogCapture,
  freePort,
  startGateway,
  startSimulator,
  testEnv,
  uniqueClientId,
  type TestGateway,
} from './support/harness';
import { lastLine, runEntry, sdksLoaded, writeSdkProbe } from './support/spawnEntry';

const SECRET_ID = 'seek-gateway/test';
const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=AKIA[0-9A-F]+\/\d{8}\/ap-southeast-2\/secretsmanager\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/;

/** Variables the SDK would otherwise take from this machine (profiles, instance metadata). */
const SDK_ISOLATION = {
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const credentialsJson = (clientId: string, clientSecret: string) =>
  JSON.stringify({ client_id: clientId, client_secret: clientSecret });

const serviceQuery = (gw: TestGateway) =>
  request(gw.gateway.app)
    .post('/graphql')
    .set('authorization', `Bearer ${SERVICE_KEY}`)
    .send({ query: '{ self { partner { name } } }' });

/** Every secret value a test used: none may appear in a log line, an error or an answer. */
const secretsUsed = new Set<string>();
const allOutput: string[] = [];

describe('SEEK credentials in AWS Secrets Manager', () => {
  let store: AwsSecretsManagerStandIn;
  let simulator: SeekSimulator;
  let gw: TestGateway | undefined;
  const savedEnv: Record<string, string | undefined> = {};

  const storeEnv = { SEEK_CLIENT_ID: undefined, SEEK_CLIENT_SECRET: undefined };
  const gatewayOn = (overrides: Record<string, string | undefined> = {}) =>
    startGateway(simulator, {
      ...storeEnv,
      SEEK_CREDENTIALS_AWS_SECRET_ID: SECRET_ID,
      ...overrides,
    });

  beforeAll(async () => {
    store = await startAwsSecretsManagerStandIn();
    secretsUsed.add(store.env.AWS_SECRET_ACCESS_KEY!);
    // The SDK reads its configuration from process.env, as it would in production.
    for (const [name, value] of Object.entries({ ...store.env, ...SDK_ISOLATION })) {
      savedEnv[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(async () => {
    await store.close();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    const output = allOutput.join('\n');
    for (const secret of secretsUsed) expect(output).not.toContain(secret);
  });
  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('aws') });
    secretsUsed.add(simulator.clientSecret);
    store.putSecret(SECRET_ID, credentialsJson(simulator.clientId, simulator.clientSecret));
    store.fault(undefined);
    store.requests.length = 0;
  });
  afterEach(async () => {
    if (gw) allOutput.push(gw.logs.text());
    await gw?.stop();
    gw = undefined;
    await simulator.close();
  });

  it('reads the secret with a SigV4-signed GetSecretValue and serves with it', async () => {
    gw = await gatewayOn();
    const answer = await serviceQuery(gw);
    expect(answer.status).toBe(200);
    expect(answer.body.data.self.partner.name).toBeTruthy();
    expect(store.requests).toHaveLength(1);
    const [call] = store.requests;
    expect(call).toMatchObject({
      target: 'secretsmanager.GetSecretValue',
      secretId: SECRET_ID,
      signatureValid: true,
    });
    expect(call?.authorization).toMatch(SIGV4);
    const auth = simulator.requests.find((recorded) => recorded.route === 'auth');
    expect(auth?.body).toMatchObject({ client_id: simulator.clientId });
    expect(gw.logs.text()).toContain('SEEK credentials read');
    expect(gw.logs.text()).toContain(
      `AWS Secrets Manager (SEEK_CREDENTIALS_AWS_SECRET_ID ${SECRET_ID})`,
    );
    // By ARN as well as by name.
    await gw.stop();
    allOutput.push(gw.logs.text());
    gw = await gatewayOn({ SEEK_CREDENTIALS_AWS_SECRET_ID: store.arnOf(SECRET_ID) });
    expect((await serviceQuery(gw)).status).toBe(200);
  });

  it('picks up a secret rotated in the store after auth.seek.com rejects the old one: no restart, no failed request', async () => {
    gw = await gatewayOn();
    expect((await serviceQuery(gw)).status).toBe(200);
    const rotated = `rotated-aws-secret-${Date.now()}`;
    secretsUsed.add(rotated);
    store.putSecret(SECRET_ID, credentialsJson(simulator.clientId, rotated));
    simulator.setClientSecret(rotated);
    simulator.expireTokens();
    simulator.clearRequests();

    const answers = await Promise.all(Array.from({ length: 10 }, () => serviceQuery(gw!)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    const sent = simulator.requests
      .filter((recorded) => recorded.route === 'auth')
      .map((recorded) => (recorded.body as { client_secret?: string }).client_secret);
    expect(sent).toEqual([expect.not.stringMatching(rotated), rotated]);
    expect(store.count()).toBe(2);
    for (const answer of answers) allOutput.push(answer.text);
  });

  it('picks up a secret rotated in the store within SEEK_CREDENTIALS_REFRESH_SECONDS, before any refusal', async () => {
    gw = await gatewayOn({ SEEK_CREDENTIALS_REFRESH_SECONDS: '1' });
    expect((await serviceQuery(gw)).status).toBe(200);
    const rotated = `scheduled-aws-secret-${Date.now()}`;
    secretsUsed.add(rotated);
    store.putSecret(SECRET_ID, credentialsJson(simulator.clientId, rotated));
    const deadline = Date.now() + 5_000;
    while (store.count() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(store.count()).toBeGreaterThanOrEqual(2);
    // Let the re-read finish, then retire the old secret at SEEK.
    await gw.gateway.credentials.refresh('scheduled');
    simulator.setClientSecret(rotated);
    simulator.expireTokens();
    simulator.clearRequests();

    expect((await serviceQuery(gw)).status).toBe(200);
    const sent = simulator.requests
      .filter((recorded) => recorded.route === 'auth')
      .map((recorded) => (recorded.body as { client_secret?: string }).client_secret);
    expect(sent).toEqual([rotated]);
    expect(gw.logs.text()).toContain('SEEK credentials changed in their source');
  });

  it('keeps serving on the last good credentials while the store is down or hanging; /ready 200 degraded', async () => {
    gw = await gatewayOn({ SEEK_CREDENTIALS_TIMEOUT_MS: '500' });
    expect((await serviceQuery(gw)).status).toBe(200);

    store.fault('unavailable');
    await gw.gateway.credentials.refresh('scheduled');
    let ready = await request(gw.gateway.app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'degraded', checks: { credentials: 'degraded' } });
    allOutput.push(ready.text);
    // Even a new partner token: exchanged with the last good credentials.
    simulator.expireTokens();
    expect((await serviceQuery(gw)).status).toBe(200);
    const warning = gw.logs.lines.find((line) => line.includes('still using the last good ones'));
    expect(warning).toContain(
      'Secrets Manager could not be reached or failed (InternalServiceError)',
    );

    store.fault('hang');
    const started = performance.now();
    const refresh = gw.gateway.credentials.refresh('scheduled');
    const during = await serviceQuery(gw);
    expect(during.status).toBe(200);
    await refresh;
    expect(performance.now() - started).toBeLessThan(500 + 1_000);
    expect(gw.gateway.credentials.health()).toMatchObject({
      state: 'degraded',
      problem: expect.stringContaining('no answer within SEEK_CREDENTIALS_TIMEOUT_MS (500 ms)'),
    });

    store.fault(undefined);
    await gw.gateway.credentials.refresh('scheduled');
    ready = await request(gw.gateway.app).get('/ready');
    expect(ready.body).toMatchObject({ status: 'ready', checks: { credentials: 'ok' } });
  });

  it('keeps the last good credentials when the secret is rewritten with malformed JSON, naming the field', async () => {
    gw = await gatewayOn();
    store.putSecret(SECRET_ID, JSON.stringify({ client_id: simulator.clientId }));
    await gw.gateway.credentials.refresh('scheduled');
    expect(gw.gateway.credentials.health()).toMatchObject({
      state: 'degraded',
      problem: `the AWS Secrets Manager secret ${SECRET_ID} (SEEK_CREDENTIALS_AWS_SECRET_ID): "client_secret" is missing; expected {"client_id": "…", "client_secret": "…"}`,
    });
    expect((await serviceQuery(gw)).status).toBe(200);
  });

  describe('refuses to start, naming what to fix and no value', () => {
    const startError = async (env: Record<string, string | undefined>) => {
      const logs = createLogCapture();
      const config = loadConfig(
        testEnv(simulator, { ...storeEnv, SEEK_CREDENTIALS_AWS_SECRET_ID: SECRET_ID, ...env }),
      );
      try {
        const gateway = await createGateway({
          config,
          logger: createLogger({ level: 'debug', destination: logs.stream }),
          schemaAttempts: 1,
        });
        await gateway.stop();
      } catch (error) {
        allOutput.push(logs.text(), String((error as Error).message));
        expect(error).toBeInstanceOf(CredentialsError);
        return (error as Error).message;
      }
      throw new Error('the gateway started');
    };
    const where = `the AWS Secrets Manager secret ${SECRET_ID} (SEEK_CREDENTIALS_AWS_SECRET_ID)`;

    it.each<[label: string, prepare: () => void, message: string]>([
      [
        'the secret does not exist',
        () => store.deleteSecret(SECRET_ID),
        `${where}: no such secret: check SEEK_CREDENTIALS_AWS_SECRET_ID and AWS_REGION`,
      ],
      [
        'access is denied',
        () => store.fault('access-denied'),
        `${where}: access denied: the gateway's AWS identity needs secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its key if it is a customer managed key)`,
      ],
      [
        'the secret is not JSON',
        () => store.putSecret(SECRET_ID, `client_secret=${'leaky-value-1f9d'}`),
        `${where}: not JSON; expected {"client_id": "…", "client_secret": "…"}`,
      ],
      [
        'client_id is not a string',
        () =>
          store.putSecret(SECRET_ID, '{"client_id": 4711, "client_secret": "leaky-value-1f9d"}'),
        `${where}: "client_id" must be a string; expected {"client_id": "…", "client_secret": "…"}`,
      ],
      [
        'the secret is binary',
        () => store.putBinarySecret(SECRET_ID, Buffer.from('leaky-value-1f9d')),
        `${where}: has no SecretString (a binary secret?); store the JSON as the secret's string value`,
      ],
    ])('when %s', async (_label, prepare, message) => {
      secretsUsed.add('leaky-value-1f9d');
      prepare();
      expect(await startError({})).toBe(message);
    });

    it('when the AWS credentials are wrong (the signature does not verify)', async () => {
      process.env.AWS_SECRET_ACCESS_KEY = 'not-the-right-key-0a8e';
      try {
        expect(await startError({})).toBe(
          `${where}: AWS refused the gateway's AWS credentials (InvalidSignatureException): check the credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, the task or instance role)`,
        );
      } finally {
        process.env.AWS_SECRET_ACCESS_KEY = store.env.AWS_SECRET_ACCESS_KEY;
      }
      expect(store.requests.at(-1)?.signatureValid).toBe(false);
    });
  });

  describe('the real process', () => {
    const processEnv = async (overrides: Record<string, string> = {}) => ({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      SEEK_API_URL: simulator.graphqlUrl,
      SEEK_AUTH_URL: simulator.authUrl,
      SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
      SEEK_AUDIENCE: simulator.audience,
      SEEK_TIMEOUT_MS: '3000',
      SEEK_AUTH_TIMEOUT_MS: '3000',
      SEEK_CREDENTIALS_AWS_SECRET_ID: SECRET_ID,
      GATEWAY_API_KEYS: SERVICE_KEY,
      ...store.env,
      ...SDK_ISOLATION,
      ...overrides,
    });

    it('starts in production on the secret, ready, with no secret in its output', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'aws-probe-'));
      const gateway = runEntry('src/main.ts', [], await processEnv(), {
        nodeArgs: ['--require', writeSdkProbe(join(directory, 'probe.js'))],
      });
      try {
        const [, port] = await gateway.waitFor(/gateway listening on http:\/\/localhost:(\d+)\//);
        const ready = await fetch(`http://127.0.0.1:${port}/ready`);
        expect(ready.status).toBe(200);
        expect(store.count()).toBe(1);
      } finally {
        gateway.kill('SIGTERM');
      }
      const exited = await gateway.exited;
      await rm(directory, { recursive: true, force: true });
      expect(exited.code).toBe(0);
      expect(exited.stdout).toContain('"msg":"SEEK credentials read"');
      // Loaded at the first read (the probe sees it), and only the AWS SDK.
      const sdks = sdksLoaded(exited.stderr);
      expect(sdks).toContain('@aws-sdk/client-secrets-manager');
      expect(sdks.filter((name) => name.startsWith('@azure/'))).toEqual([]);
      allOutput.push(exited.stdout, exited.stderr);
    });

    it('exits 1 with one line naming SEEK_CREDENTIALS_AWS_SECRET_ID when the store is down at start-up', async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const result = await runEntry(
        'src/main.ts',
        [],
        await processEnv({ AWS_ENDPOINT_URL_SECRETS_MANAGER: closed }),
      ).exited;
      expect(result.code).toBe(1);
      expect(lastLine(result.stderr)).toBe(
        `gateway failed to start: cannot read the SEEK credentials: the AWS Secrets Manager secret ${SECRET_ID} (SEEK_CREDENTIALS_AWS_SECRET_ID): Secrets Manager could not be reached or failed (ECONNREFUSED)`,
      );
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(simulator.count('auth')).toBe(0);
      allOutput.push(result.stdout, result.stderr);
    });

    it('exits 1 within SEEK_CREDENTIALS_TIMEOUT_MS when the store hangs at start-up', async () => {
      store.fault('hang');
      const started = performance.now();
      const result = await runEntry(
        'src/main.ts',
        [],
        await processEnv({ SEEK_CREDENTIALS_TIMEOUT_MS: '1000' }),
      ).exited;
      expect(result.code).toBe(1);
      expect(lastLine(result.stderr)).toBe(
        `gateway failed to start: cannot read the SEEK credentials: AWS Secrets Manager (SEEK_CREDENTIALS_AWS_SECRET_ID ${SECRET_ID}): no answer within SEEK_CREDENTIALS_TIMEOUT_MS (1000 ms)`,
      );
      // tsx start-up included; the bound itself is one second.
      expect(performance.now() - started).toBeLessThan(15_000);
      allOutput.push(result.stdout, result.stderr);
    });

    it('exits 1 naming the field when the secret JSON is malformed, printing no value', async () => {
      const leaked = 'leaky-process-value-77c2';
      secretsUsed.add(leaked);
      store.putSecret(SECRET_ID, JSON.stringify({ client_id: '', client_secret: leaked }));
      const result = await runEntry('src/main.ts', [], await processEnv()).exited;
      expect(result.code).toBe(1);
      expect(lastLine(result.stderr)).toBe(
        `gateway failed to start: cannot read the SEEK credentials: the AWS Secrets Manager secret ${SECRET_ID} (SEEK_CREDENTIALS_AWS_SECRET_ID): "client_id" is empty; expected {"client_id": "…", "client_secret": "…"}`,
      );
      allOutput.push(result.stdout, result.stderr);
    });
  });
});
