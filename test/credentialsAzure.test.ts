// SEEK credentials in Azure Key Vault, against stand-ins for the vault and for the Entra token
// endpoint that speak their wire protocols over HTTPS on loopback, with a CA made here (see
// support/azureKeyVaultStandIn.ts, support/tls.ts). DefaultAzureCredential authenticates as a
// client-secret app (EnvironmentCredential: AZURE_TENANT_ID, AZURE_CLIENT_ID,
// AZURE_CLIENT_SECRET) at AZURE_AUTHORITY_HOST; the vault answers the SDK's first request with
// the bearer challenge. In this process the CA is handed to the SDK's TLS options; the real
// process trusts it through NODE_EXTRA_CA_CERTS.
import request from 'supertest';

import { createGateway } from '../src/app';
import { loadConfig } from '../src/config';
import { createAzureKeyVaultSource, CredentialsError } from '../src/credentials';
import { createLogger } from '../src/observability/logger';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  startAzureKeyVaultStandIn,
  type AzureKeyVaultStandIn,
} from './support/azureKeyVaultStandIn';
import {
  SERVICE_KEY,
  createLogCapture,
  startSimulator,
  testEnv,
  uniqueClientId,
  type TestGateway,
} from './support/harness';
import { lastLine, runEntry } from './support/spawnEntry';
import { createTestCertificateAuthority, type TestCertificateAuthority } from './support/tls';

const SECRET_NAME = 'seek-gateway-test';

const credentialsJson = (clientId: string, clientSecret: string) =>
  JSON.stringify({ client_id: clientId, client_secret: clientSecret });

const secretsUsed = new Set<string>();
const allOutput: string[] = [];

describe('SEEK credentials in Azure Key Vault', () => {
  let ca: TestCertificateAuthority;
  let vault: AzureKeyVaultStandIn;
  let simulator: SeekSimulator;
  let gw: TestGateway | undefined;
  const savedEnv: Record<string, string | undefined> = {};

  const gatewayEnv = (overrides: Record<string, string | undefined> = {}) =>
    testEnv(simulator, {
      SEEK_CLIENT_ID: undefined,
      SEEK_CLIENT_SECRET: undefined,
      SEEK_CREDENTIALS_AZURE_VAULT_URL: vault.vaultUrl,
      SEEK_CREDENTIALS_AZURE_SECRET_NAME: SECRET_NAME,
      AZURE_AUTHORITY_HOST: vault.authorityHost,
      ...overrides,
    });

  /** A gateway whose Key Vault source trusts the test CA (in this process, through the SDK). */
  const gatewayOn = async (overrides: Record<string, string | undefined> = {}) => {
    const config = loadConfig(gatewayEnv(overrides));
    const source = config.credentials.source;
    if (source?.kind !== 'azure-key-vault') throw new Error('not a Key Vault configuration');
    const logs = createLogCapture();
    const gateway = await createGateway({
      config,
      logger: createLogger({ level: 'debug', destination: logs.stream }),
      schemaAttempts: 2,
      credentialSource: createAzureKeyVaultSource(source, { tlsCa: ca.caPem }),
    });
    return { gateway, config, logs, stop: () => gateway.stop() };
  };

  const serviceQuery = (test: TestGateway) =>
    request(test.gateway.app)
      .post('/graphql')
      .set('authorization', `Bearer ${SERVICE_KEY}`)
      .send({ query: '{ self { partner { name } } }' });

  beforeAll(async () => {
    ca = createTestCertificateAuthority();
    vault = await startAzureKeyVaultStandIn(ca);
    secretsUsed.add(vault.identitySecret);
    // DefaultAzureCredential reads its configuration from process.env, as in production.
    for (const [name, value] of Object.entries(vault.env)) {
      savedEnv[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(async () => {
    await vault.close();
    ca.remove();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    const output = allOutput.join('\n');
    for (const secret of secretsUsed) expect(output).not.toContain(secret);
  });
  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('azure') });
    secretsUsed.add(simulator.clientSecret);
    vault.putSecret(SECRET_NAME, credentialsJson(simulator.clientId, simulator.clientSecret));
    vault.fault(undefined);
    vault.vaultRequests.length = 0;
    vault.tokenRequests.length = 0;
  });
  afterEach(async () => {
    if (gw) allOutput.push(gw.logs.text());
    await gw?.stop();
    gw = undefined;
    await simulator.close();
  });

  it('answers the bearer challenge, reads the secret over HTTPS and serves with it', async () => {
    gw = await gatewayOn();
    expect((await serviceQuery(gw)).status).toBe(200);
    // The SDK's first request carries no token; the challenge names the authority and resource.
    expect(vault.vaultRequests.map(({ bearer, status }) => [bearer === undefined, status])).toEqual(
      [
        [true, 401],
        [false, 200],
      ],
    );
    expect(vault.vaultRequests[1]?.path).toBe(`/secrets/${SECRET_NAME}/`);
    expect(vault.tokenRequests).toEqual([
      {
        clientId: vault.env.AZURE_CLIENT_ID,
        scope: 'https://vault.azure.net/.default',
        status: 200,
      },
    ]);
    const auth = simulator.requests.find((recorded) => recorded.route === 'auth');
    expect(auth?.body).toMatchObject({ client_id: simulator.clientId });
  });

  it('picks up a new secret version after auth.seek.com rejects the old one, reusing its Entra token', async () => {
    gw = await gatewayOn();
    expect((await serviceQuery(gw)).status).toBe(200);
    const rotated = `rotated-azure-secret-${Date.now()}`;
    secretsUsed.add(rotated);
    vault.putSecret(SECRET_NAME, credentialsJson(simulator.clientId, rotated));
    simulator.setClientSecret(rotated);
    simulator.expireTokens();
    simulator.clearRequests();

    const answers = await Promise.all(Array.from({ length: 6 }, () => serviceQuery(gw!)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
    const sent = simulator.requests
      .filter((recorded) => recorded.route === 'auth')
      .map((recorded) => (recorded.body as { client_secret?: string }).client_secret);
    expect(sent).toEqual([expect.not.stringMatching(rotated), rotated]);
    expect(vault.secretReads()).toBe(2);
    // One Entra token served both reads: no challenge the second time.
    expect(vault.tokenRequests).toHaveLength(1);
    for (const answer of answers) allOutput.push(answer.text);
  });

  it('keeps serving on the last good credentials while the vault fails; /ready 200 degraded; then recovers', async () => {
    gw = await gatewayOn({ SEEK_CREDENTIALS_TIMEOUT_MS: '3000' });
    expect((await serviceQuery(gw)).status).toBe(200);
    vault.fault('unavailable');
    await gw.gateway.credentials.refresh('scheduled');
    const ready = await request(gw.gateway.app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'degraded', checks: { credentials: 'degraded' } });
    simulator.expireTokens();
    expect((await serviceQuery(gw)).status).toBe(200);
    expect(gw.gateway.credentials.health().problem).toBe(
      `the Key Vault secret ${SECRET_NAME} in ${new URL(vault.vaultUrl).host} (SEEK_CREDENTIALS_AZURE_VAULT_URL, SEEK_CREDENTIALS_AZURE_SECRET_NAME): Key Vault could not be reached or failed (HTTP 503)`,
    );
    vault.fault('forbidden');
    await gw.gateway.credentials.refresh('scheduled');
    expect(gw.gateway.credentials.health().problem).toContain(
      'access denied (Forbidden): the gateway\'s identity needs the "Key Vault Secrets User" role on this secret, or an access policy with get on secrets',
    );
    vault.fault(undefined);
    await gw.gateway.credentials.refresh('scheduled');
    expect(gw.gateway.credentials.health().state).toBe('ok');
    expect(gw.logs.text()).toContain('SEEK credentials source answers again');
  });

  it('refuses to start on malformed secret JSON, naming the field and no value', async () => {
    const leaked = 'leaky-azure-value-4c0b';
    secretsUsed.add(leaked);
    vault.putSecret(SECRET_NAME, JSON.stringify({ client_secret: leaked }));
    const attempt = gatewayOn();
    await expect(attempt).rejects.toBeInstanceOf(CredentialsError);
    const message = await attempt.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message).toBe(
      `the Key Vault secret ${SECRET_NAME} in ${new URL(vault.vaultUrl).host} (SEEK_CREDENTIALS_AZURE_VAULT_URL, SEEK_CREDENTIALS_AZURE_SECRET_NAME): "client_id" is missing; expected {"client_id": "…", "client_secret": "…"}`,
    );
    allOutput.push(message);
  });

  describe('the real process (the CA trusted through NODE_EXTRA_CA_CERTS)', () => {
    const processEnv = (overrides: Record<string, string> = {}) => ({
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
      SEEK_CREDENTIALS_AZURE_VAULT_URL: vault.vaultUrl,
      SEEK_CREDENTIALS_AZURE_SECRET_NAME: SECRET_NAME,
      GATEWAY_API_KEYS: SERVICE_KEY,
      NODE_EXTRA_CA_CERTS: ca.caFile,
      ...vault.env,
      ...overrides,
    });

    it('starts in production on the vault secret, ready', async () => {
      const gateway = runEntry('src/main.ts', [], processEnv());
      try {
        const [, port] = await gateway.waitFor(/gateway listening on http:\/\/localhost:(\d+)\//);
        const ready = await fetch(`http://127.0.0.1:${port}/ready`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ checks: { credentials: 'ok' } });
        expect(vault.secretReads()).toBe(1);
      } finally {
        gateway.kill('SIGTERM');
      }
      const exited = await gateway.exited;
      expect(exited.code).toBe(0);
      allOutput.push(exited.stdout, exited.stderr);
    });

    it('exits 1 with one line when the identity cannot get a token at start-up', async () => {
      const result = await runEntry(
        'src/main.ts',
        [],
        processEnv({ AZURE_CLIENT_SECRET: 'wrong-entra-secret-5d2e' }),
      ).exited;
      secretsUsed.add('wrong-entra-secret-5d2e');
      expect(result.code).toBe(1);
      expect(lastLine(result.stderr)).toBe(
        `gateway failed to start: cannot read the SEEK credentials: the Key Vault secret ${SECRET_NAME} in ${new URL(vault.vaultUrl).host} (SEEK_CREDENTIALS_AZURE_VAULT_URL, SEEK_CREDENTIALS_AZURE_SECRET_NAME): DefaultAzureCredential obtained no token (AuthenticationError): give the gateway a managed identity or workload identity, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET`,
      );
      expect(simulator.count('auth')).toBe(0);
      allOutput.push(result.stdout, result.stderr);
    });

    it('exits 1 naming the vault when it is down at start-up', async () => {
      vault.fault('unavailable');
      // Room for the SDK's own two retries: the message must be the vault's answer, not the bound.
      const result = await runEntry(
        'src/main.ts',
        [],
        processEnv({ SEEK_CREDENTIALS_TIMEOUT_MS: '15000' }),
      ).exited;
      expect(result.code).toBe(1);
      expect(lastLine(result.stderr)).toMatch(
        /^gateway failed to start: cannot read the SEEK credentials: the Key Vault secret .*: Key Vault could not be reached or failed \(HTTP 503\)$/,
      );
      allOutput.push(result.stdout, result.stderr);
    });
  });
});
