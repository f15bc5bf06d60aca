// `npm run doctor` as an operator runs it: scripts/doctor.ts as a real process (tsx), against the
// embedded default and against configured environments that pass and that fail. Asserted: the
// rows (one per Phase 1 exit criterion and per dependency), their status and hints, the exit
// code (skipped rows fail only with --strict), and that no secret is printed.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SeekSimulator } from '../src/seek/simulator';
import { startAwsSecretsManagerStandIn } from './support/awsSecretsManagerStandIn';
import { FAKE_LTD, REDIS_URL, freePort, startSimulator, uniqueClientId } from './support/harness';
import { runEntry, type Exited } from './support/spawnEntry';

interface Row {
  id: string;
  title: string;
  criterion: string | null;
  status: 'pass' | 'fail' | 'skipped';
  detail: string;
  hint?: string;
}
interface Report {
  mode: string;
  strict: boolean;
  ok: boolean;
  summary: { passed: number; failed: number; skipped: number };
  rows: Row[];
}

const ROW_IDS = [
  'credentials-found',
  'credentials-stored',
  'credentials-retrievable',
  'partner-token',
  'browser-token',
  'redis',
  'clock',
];
const ENCRYPTION_KEY = 'cd'.repeat(32);

const doctor = (env: Record<string, string>, ...args: string[]) =>
  runEntry('scripts/doctor.ts', args, env, { guardMs: 40_000 }).exited;

const reportOf = (result: Exited): Report => JSON.parse(result.stdout) as Report;
const statuses = (report: Report) =>
  Object.fromEntries(report.rows.map((row) => [row.id, row.status]));
const row = (report: Report, id: string) => {
  const found = report.rows.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no row ${id}`);
  return found;
};

const expectNoSecret = (result: Exited, secrets: string[]) => {
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
};

describe('npm run doctor on the embedded default', () => {
  it('passes with nothing configured: simulator credentials, a partner token in memory, the clock; the rest skipped', async () => {
    const result = await doctor({});
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'seek-gateway doctor: SEEK Phase 1 against the embedded default (built-in SEEK simulator)',
    );
    expect(result.stdout).toMatch(/ {2}PASS {2}Credentials found {2,}none configured/);
    expect(result.stdout).toMatch(/ {2}SKIP {2}Credentials stored securely {2,}/);
    expect(result.stdout).toMatch(
      /PASS {2}Partner token obtained and cached {2,}from 127\.0\.0\.1:\d+; cached in memory, valid for \d+ s/,
    );
    expect(result.stdout).toContain(
      `DOCTOR_HIRER_ID is not set: set it to a hirer your credentials may act for (e.g. ${FAKE_LTD})`,
    );
    expect(lines.at(-1)).toBe('4 passed, 0 failed, 3 skipped');
    // The embedded default's banner (a development service key) is not printed by doctor.
    expect(result.stdout).not.toContain('Service key');
  });

  it('fails --strict on the skipped rows', async () => {
    const result = await doctor({}, '--strict', '--json');
    expect(result.code).toBe(1);
    expect(reportOf(result)).toMatchObject({ strict: true, ok: false, summary: { failed: 0 } });
  });

  it('checks the browser token and self for DOCTOR_HIRER_ID and Redis when set, as JSON', async () => {
    const result = await doctor({ DOCTOR_HIRER_ID: FAKE_LTD, REDIS_URL }, '--json');
    expect(result.code).toBe(0);
    const report = reportOf(result);
    expect(report.mode).toBe('embedded-default');
    expect(report.rows.map((candidate) => candidate.id)).toEqual(ROW_IDS);
    expect(statuses(report)).toEqual({
      'credentials-found': 'pass',
      'credentials-stored': 'skipped',
      'credentials-retrievable': 'pass',
      'partner-token': 'pass',
      'browser-token': 'pass',
      redis: 'pass',
      clock: 'pass',
    });
    expect(row(report, 'partner-token').detail).toContain('cached in memory and Redis (encrypted)');
    expect(row(report, 'browser-token').detail).toBe(
      `browser token for ${FAKE_LTD} (scope query:organizations, expires in ${
        /expires in (\d+) s/.exec(row(report, 'browser-token').detail)?.[1]
      } s); self answered with hirer "Fake Ltd"`,
    );
    expect(report.rows.map((candidate) => candidate.criterion)).toEqual([
      'Credentials received',
      'Credentials stored securely',
      'Credentials ready for consumption',
      'Partner token obtained',
      'Browser token obtained',
      null,
      null,
    ]);
  });
});

describe('npm run doctor on a configured environment', () => {
  let simulator: SeekSimulator;
  let directory: string;
  let skewed: Server | undefined;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'doctor-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  afterEach(async () => {
    await simulator?.close();
    await new Promise((resolve) => (skewed ? skewed.close(resolve) : resolve(undefined)));
    skewed = undefined;
  });

  const seekEnv = (sim: SeekSimulator) => ({
    SEEK_API_URL: sim.graphqlUrl,
    SEEK_AUTH_URL: sim.authUrl,
    SEEK_BROWSER_TOKEN_URL: sim.browserTokenUrl,
    SEEK_AUDIENCE: sim.audience,
    SEEK_TIMEOUT_MS: '3000',
    SEEK_AUTH_TIMEOUT_MS: '3000',
    GATEWAY_API_KEYS: 'doctor-test-service-key-0123456789',
  });

  it('passes every row, --strict included, in production with a credentials file, Redis and a hirer', async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('doctor') });
    const file = join(directory, 'seek.json');
    await writeFile(
      file,
      JSON.stringify({ client_id: simulator.clientId, client_secret: simulator.clientSecret }),
    );
    await chmod(file, 0o600);
    const result = await doctor(
      {
        NODE_ENV: 'production',
        ...seekEnv(simulator),
        SEEK_CREDENTIALS_FILE: file,
        REDIS_URL,
        TOKEN_ENCRYPTION_KEY: ENCRYPTION_KEY,
        DOCTOR_HIRER_ID: FAKE_LTD,
      },
      '--strict',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`PASS  Credentials found`);
    expect(result.stdout).toContain(`from a credentials file (SEEK_CREDENTIALS_FILE ${file})`);
    expect(result.stdout).toMatch(
      new RegExp(`PASS {2}Credentials stored securely {2,}file ${file}, mode 0600`),
    );
    expect(result.stdout).toContain('re-read every 300 s and after a refusal');
    expect(result.stdout.trim().split('\n').at(-1)).toBe(
      '7 passed, 0 failed, 0 skipped (--strict: skipped rows fail)',
    );
    expectNoSecret(result, [simulator.clientSecret, ENCRYPTION_KEY]);
  });

  it('fails with a hint per row: secret in the environment, credentials refused, Redis down, clock off', async () => {
    simulator = await startSimulator({
      clientId: uniqueClientId('doctor-fail'),
      audience: 'https://test.graphql.seek.com',
    });
    // A SEEK_API_URL whose Date header is an hour behind this machine.
    skewed = createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        date: new Date(Date.now() - 3_600_000).toUTCString(),
      });
      res.end('{"data":{"__typename":"Query"}}');
    });
    await new Promise<void>((resolve) => skewed!.listen(0, '127.0.0.1', resolve));
    const wrongSecret = 'not-the-playground-secret-3a9f';
    const result = await doctor(
      {
        ...seekEnv(simulator),
        SEEK_API_URL: `http://127.0.0.1:${(skewed.address() as AddressInfo).port}/graphql`,
        SEEK_CLIENT_ID: simulator.clientId,
        SEEK_CLIENT_SECRET: wrongSecret,
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        DOCTOR_HIRER_ID: FAKE_LTD,
      },
      '--json',
    );
    expect(result.code).toBe(1);
    const report = reportOf(result);
    expect(statuses(report)).toEqual({
      'credentials-found': 'pass',
      'credentials-stored': 'fail',
      'credentials-retrievable': 'pass',
      'partner-token': 'fail',
      'browser-token': 'skipped',
      redis: 'fail',
      clock: 'fail',
    });
    expect(row(report, 'credentials-found').detail).toBe(
      'from the environment (SEEK_CLIENT_ID, SEEK_CLIENT_SECRET)',
    );
    expect(row(report, 'credentials-stored').hint).toMatch(
      /^keep the credentials in AWS Secrets Manager/,
    );
    const { host } = new URL(simulator.authUrl);
    expect(row(report, 'partner-token').hint).toBe(
      `${host} rejected the client credentials: check SEEK_CLIENT_ID and SEEK_CLIENT_SECRET for the Playground audience (SEEK_AUDIENCE https://test.graphql.seek.com takes Playground credentials)`,
    );
    expect(row(report, 'redis').hint).toBe(
      'check REDIS_URL, and that Redis runs and accepts connections from here',
    );
    expect(row(report, 'clock').detail).toMatch(/^36\d\d s ahead of SEEK's Date header$/);
    expect(row(report, 'clock').hint).toMatch(/^synchronise this machine's clock \(NTP\)/);
    for (const candidate of report.rows) {
      if (candidate.status === 'fail') expect(candidate.hint).toMatch(/^\S.*[^\n]$/);
    }
    expectNoSecret(result, [wrongSecret, simulator.clientSecret]);
  });

  it('fails "retrievable" naming the store when AWS Secrets Manager is down, and skips the token rows', async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('doctor-aws') });
    const store = await startAwsSecretsManagerStandIn();
    const endpoint = store.endpoint;
    await store.close(); // nothing answers there now
    const result = await doctor(
      {
        ...seekEnv(simulator),
        ...store.env,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
        AWS_CONFIG_FILE: '/nonexistent/aws-config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        SEEK_CREDENTIALS_AWS_SECRET_ID: 'seek-gateway/doctor',
      },
      '--json',
    );
    expect(result.code).toBe(1);
    const report = reportOf(result);
    expect(statuses(report)).toMatchObject({
      'credentials-found': 'pass',
      'credentials-stored': 'pass',
      'credentials-retrievable': 'fail',
      'partner-token': 'skipped',
      'browser-token': 'skipped',
    });
    expect(row(report, 'credentials-stored').detail).toBe(
      'AWS Secrets Manager secret seek-gateway/doctor (encrypted at rest with KMS)',
    );
    expect(row(report, 'credentials-retrievable')).toMatchObject({
      detail:
        'the AWS Secrets Manager secret seek-gateway/doctor (SEEK_CREDENTIALS_AWS_SECRET_ID): Secrets Manager could not be reached or failed (ECONNREFUSED)',
      hint: "the gateway's AWS identity needs secretsmanager:GetSecretValue on this one secret; check AWS_REGION and the credential chain",
    });
    expectNoSecret(result, [store.env.AWS_SECRET_ACCESS_KEY!]);
  });

  it('fails "stored securely" and "retrievable" for a world-readable credentials file in production', async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('doctor-mode') });
    const file = join(directory, 'readable.json');
    await writeFile(
      file,
      JSON.stringify({ client_id: simulator.clientId, client_secret: simulator.clientSecret }),
    );
    await chmod(file, 0o644);
    const result = await doctor(
      { NODE_ENV: 'production', ...seekEnv(simulator), SEEK_CREDENTIALS_FILE: file },
      '--json',
    );
    expect(result.code).toBe(1);
    const report = reportOf(result);
    expect(row(report, 'credentials-stored')).toMatchObject({
      status: 'fail',
      detail: `${file} is readable by every user (mode 0644)`,
    });
    expect(row(report, 'credentials-stored').hint).toMatch(/^chmod 0400/);
    expect(row(report, 'credentials-retrievable').status).toBe('fail');
    expectNoSecret(result, [simulator.clientSecret]);
  });

  it('reports an invalid configuration in the first row and exits 1', async () => {
    const result = await doctor({
      SEEK_CLIENT_ID: 'id',
      SEEK_CLIENT_SECRET: 'secret-in-two-places-91c4',
      SEEK_CREDENTIALS_FILE: '/etc/seek.json',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL  Credentials found                     invalid configuration: SEEK_CLIENT_SECRET and SEEK_CREDENTIALS_FILE: more than one source of SEEK credentials; set only one of them',
    );
    expectNoSecret(result, ['secret-in-two-places-91c4']);
  });
});
