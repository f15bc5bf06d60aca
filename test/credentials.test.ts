// Credential sources that live on this machine (the environment, a secret file, a JSON
// credentials file with its file-mode rule), the provider that reads them (bounded, re-read on
// rotation, last good credentials kept when a read fails), and a gateway on a credentials file:
// rotation with no restart and no failed request, /ready degraded while the file is unreadable.
// The stores (AWS Secrets Manager, Azure Key Vault) have suites of their own.
import { chmod, chown, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';

import { loadConfig } from '../src/config';
import {
  createCredentialProvider,
  createCredentialSource,
  CredentialsError,
  type CredentialSource,
} from '../src/credentials';
import { fileModeProblem } from '../src/credentials/fileMode';
import { createLogger } from '../src/observability/logger';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  SERVICE_KEY,
  createLogCapture,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';
import { runEntry, sdksLoaded, writeSdkProbe } from './support/spawnEntry';

const SECRET_IN_FILE = 'file-secret-8c1e5d0a-never-printed';
const OTHER_GROUP = 4242;

const sourceFor = (env: Record<string, string>, production = false) => {
  const { source } = loadConfig(env).credentials;
  if (!source) throw new Error('no source configured');
  return createCredentialSource(source, { production });
};

const readOnce = (source: CredentialSource) => source.read(new AbortController().signal);

/** What a read rejects with, as a CredentialsError. */
const failureOf = async (source: CredentialSource): Promise<CredentialsError> => {
  try {
    await readOnce(source);
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialsError);
    return error as CredentialsError;
  }
  throw new Error('the read succeeded');
};

const serviceQuery = (gw: TestGateway) =>
  request(gw.gateway.app)
    .post('/graphql')
    .set('authorization', `Bearer ${SERVICE_KEY}`)
    .send({ query: '{ self { partner { name } } }' });

describe('credential sources on this machine', () => {
  let directory: string;
  const file = (name: string) => join(directory, name);

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'credentials-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads SEEK_CLIENT_ID + SEEK_CLIENT_SECRET from the environment, never re-reading it', async () => {
    const source = sourceFor({ SEEK_CLIENT_ID: 'id-1', SEEK_CLIENT_SECRET: SECRET_IN_FILE });
    expect(source.kind).toBe('environment');
    expect(source.rereadable).toBe(false);
    expect(await readOnce(source)).toEqual({ clientId: 'id-1', clientSecret: SECRET_IN_FILE });
    expect(await source.storage()).toMatchObject({ secure: false });
  });

  it('reads SEEK_CLIENT_SECRET_FILE trimmed, and names the variable when it is missing or empty', async () => {
    await writeFile(file('secret'), `  ${SECRET_IN_FILE}\n`, { mode: 0o600 });
    const source = sourceFor({ SEEK_CLIENT_ID: 'id-2', SEEK_CLIENT_SECRET_FILE: file('secret') });
    expect(await readOnce(source)).toEqual({ clientId: 'id-2', clientSecret: SECRET_IN_FILE });
    expect(await source.storage()).toMatchObject({ secure: true });

    await writeFile(file('empty'), '\n');
    expect(
      (await failureOf(sourceFor({ SEEK_CLIENT_ID: 'id', SEEK_CLIENT_SECRET_FILE: file('empty') })))
        .message,
    ).toBe(`SEEK_CLIENT_SECRET_FILE: ${file('empty')} is empty`);
    expect(
      (await failureOf(sourceFor({ SEEK_CLIENT_ID: 'id', SEEK_CLIENT_SECRET_FILE: file('none') })))
        .message,
    ).toBe(`SEEK_CLIENT_SECRET_FILE: ${file('none')} cannot be read (ENOENT)`);
  });

  it('reads the JSON of SEEK_CREDENTIALS_FILE', async () => {
    await writeFile(
      file('credentials.json'),
      JSON.stringify({ client_id: ' id-3 ', client_secret: SECRET_IN_FILE, note: 'playground' }),
      { mode: 0o600 },
    );
    const source = sourceFor({ SEEK_CREDENTIALS_FILE: file('credentials.json') }, true);
    expect(source.kind).toBe('credentials-file');
    expect(await readOnce(source)).toEqual({ clientId: 'id-3', clientSecret: SECRET_IN_FILE });
  });

  it.each<[label: string, content: string, problem: string]>([
    ['not JSON', `{"client_id": "id", "client_secret": "${SECRET_IN_FILE}"`, 'not JSON'],
    ['an array', `["${SECRET_IN_FILE}"]`, 'not a JSON object'],
    ['without client_secret', '{"client_id": "id"}', '"client_secret" is missing'],
    [
      'with a number for client_id',
      `{"client_id": 12345, "client_secret": "${SECRET_IN_FILE}"}`,
      '"client_id" must be a string',
    ],
    [
      'with an empty client_secret',
      '{"client_id": "id", "client_secret": "  "}',
      '"client_secret" is empty',
    ],
    [
      'with neither field',
      `{"clientId": "id", "secret": "${SECRET_IN_FILE}"}`,
      '"client_id" is missing, "client_secret" is missing',
    ],
  ])(
    'refuses a credentials file %s, naming the field and never the value',
    async (_label, content, problem) => {
      await writeFile(file('bad.json'), content, { mode: 0o600 });
      const error = await failureOf(sourceFor({ SEEK_CREDENTIALS_FILE: file('bad.json') }));
      expect(error.message).toBe(
        `SEEK_CREDENTIALS_FILE (${file('bad.json')}): ${problem}; expected {"client_id": "…", "client_secret": "…"}`,
      );
      expect(error.message).not.toContain(SECRET_IN_FILE);
      expect(error.message).not.toContain('12345');
    },
  );

  it('refuses, in production only, a credentials file readable by every user or by a foreign group', async () => {
    const path = file('mode.json');
    await writeFile(path, JSON.stringify({ client_id: 'id', client_secret: SECRET_IN_FILE }));
    const env = { SEEK_CREDENTIALS_FILE: path };

    await chmod(path, 0o644);
    const worldReadable = await failureOf(sourceFor(env, true));
    expect(worldReadable.message).toMatch(
      /^SEEK_CREDENTIALS_FILE: .*mode\.json is readable by every user \(mode 0644\), which production refuses: chmod 0400/,
    );
    // Outside production the mode is only reported (doctor), never refused.
    expect(await readOnce(sourceFor(env, false))).toMatchObject({ clientId: 'id' });
    expect(await sourceFor(env).storage()).toMatchObject({ secure: false });

    await chmod(path, 0o640);
    await chown(path, 0, OTHER_GROUP);
    expect((await failureOf(sourceFor(env, true))).message).toContain(
      `readable by group ${OTHER_GROUP}, not one of this process's groups (mode 0640)`,
    );

    // A Kubernetes Secret at 0440 whose group is the pod's fsGroup (one of the process's groups).
    await chmod(path, 0o440);
    await chown(path, 0, process.getgid!());
    expect(await readOnce(sourceFor(env, true))).toMatchObject({ clientId: 'id' });
    await chmod(path, 0o400);
    expect(await readOnce(sourceFor(env, true))).toMatchObject({ clientId: 'id' });
    expect(await sourceFor(env, true).storage()).toMatchObject({ secure: true });
  });

  it('applies the group rule to supplementary groups (fsGroup) as well as the primary one', () => {
    const groups = new Set([1000, 2000]);
    expect(fileModeProblem({ mode: 0o100440, gid: 2000 }, groups)).toBeUndefined();
    expect(fileModeProblem({ mode: 0o100440, gid: 3000 }, groups)).toMatch(/group 3000/);
    expect(fileModeProblem({ mode: 0o100404, gid: 2000 }, groups)).toMatch(/every user/);
    expect(fileModeProblem({ mode: 0o100600, gid: 3000 }, groups)).toBeUndefined();
  });
});

describe('credential provider', () => {
  const fakeSource = (overrides: Partial<CredentialSource>): CredentialSource => ({
    kind: 'aws-secrets-manager',
    description: 'a test store (SEEK_CREDENTIALS_AWS_SECRET_ID test)',
    whatToCheck: 'the test store',
    rereadable: true,
    read: async () => ({ clientId: 'id', clientSecret: SECRET_IN_FILE }),
    storage: async () => ({ secure: true, detail: 'test' }),
    close: () => undefined,
    ...overrides,
  });

  it('bounds a read by SEEK_CREDENTIALS_TIMEOUT_MS: a store that never answers fails the start, aborted', async () => {
    let aborted = false;
    const logs = createLogCapture();
    const provider = createCredentialProvider({
      source: fakeSource({
        read: (signal) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            });
          }),
      }),
      refreshSeconds: 300,
      timeoutMs: 200,
      logger: createLogger({ level: 'debug', destination: logs.stream }),
    });
    const started = performance.now();
    await expect(provider.start()).rejects.toThrow(
      'a test store (SEEK_CREDENTIALS_AWS_SECRET_ID test): no answer within SEEK_CREDENTIALS_TIMEOUT_MS (200 ms)',
    );
    expect(performance.now() - started).toBeLessThan(200 + 500);
    expect(aborted).toBe(true);
    provider.close();
  });

  it('keeps the last good credentials when a re-read fails, says so once per failed read, and recovers', async () => {
    const logs = createLogCapture();
    let answer: () => Promise<{ clientId: string; clientSecret: string }> = async () => ({
      clientId: 'id',
      clientSecret: SECRET_IN_FILE,
    });
    const provider = createCredentialProvider({
      source: fakeSource({ read: () => answer() }),
      refreshSeconds: 300,
      timeoutMs: 1_000,
      logger: createLogger({ level: 'debug', destination: logs.stream }),
    });
    await provider.start();
    expect(provider.health()).toMatchObject({ state: 'ok' });

    answer = async () => {
      throw new CredentialsError('a test store: could not be reached (ECONNREFUSED)');
    };
    await provider.refresh('scheduled');
    expect(provider.current()).toEqual({ clientId: 'id', clientSecret: SECRET_IN_FILE });
    expect(provider.health()).toMatchObject({
      state: 'degraded',
      problem: 'a test store: could not be reached (ECONNREFUSED)',
    });
    expect(logs.text()).toContain(
      'could not re-read the SEEK credentials; still using the last good ones',
    );

    const rotated = 'rotated-provider-secret-0b7d';
    answer = async () => ({ clientId: 'id', clientSecret: rotated });
    await provider.refresh('scheduled');
    expect(provider.current().clientSecret).toBe(rotated);
    expect(provider.health().state).toBe('ok');
    expect(logs.text()).toContain('SEEK credentials source answers again');
    expect(logs.text()).toContain('SEEK credentials changed in their source');
    expect(logs.text()).not.toContain(SECRET_IN_FILE);
    expect(logs.text()).not.toContain(rotated);
    provider.close();
  });

  it('re-reads every SEEK_CREDENTIALS_REFRESH_SECONDS, and at most once a second after rejections', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      let reads = 0;
      const provider = createCredentialProvider({
        source: fakeSource({
          read: async () => {
            reads += 1;
            return { clientId: 'id', clientSecret: `secret-${reads}` };
          },
        }),
        refreshSeconds: 60,
        timeoutMs: 1_000,
        logger: createLogger({ level: 'silent' }),
        clock: { now: () => Date.now() },
      });
      await provider.start();
      expect(reads).toBe(1);
      await jest.advanceTimersByTimeAsync(59_000);
      expect(reads).toBe(1);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(reads).toBe(2);
      expect(provider.current().clientSecret).toBe('secret-2');

      await provider.refresh('rejected');
      await provider.refresh('rejected');
      expect(reads).toBe(3);
      await jest.advanceTimersByTimeAsync(1_000);
      await provider.refresh('rejected');
      expect(reads).toBe(4);
      provider.close();
      await jest.advanceTimersByTimeAsync(120_000);
      expect(reads).toBe(4);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("the stores' SDKs are loaded lazily", () => {
  it('are not loaded by a gateway started without a store', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sdk-probe-'));
    const probe = writeSdkProbe(join(directory, 'probe.js'));
    const simulator = await startSimulator({ clientId: uniqueClientId('lazy-sdk') });
    const gateway = runEntry(
      'src/main.ts',
      [],
      {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        SEEK_API_URL: simulator.graphqlUrl,
        SEEK_AUTH_URL: simulator.authUrl,
        SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
        SEEK_AUDIENCE: simulator.audience,
        SEEK_CLIENT_ID: simulator.clientId,
        SEEK_CLIENT_SECRET: simulator.clientSecret,
        GATEWAY_API_KEYS: SERVICE_KEY,
      },
      { nodeArgs: ['--require', probe] },
    );
    try {
      await gateway.waitFor(/gateway listening on/);
    } finally {
      gateway.kill('SIGTERM');
    }
    const exited = await gateway.exited;
    await simulator.close();
    await rm(directory, { recursive: true, force: true });
    expect(exited.code).toBe(0);
    expect(sdksLoaded(exited.stderr)).toEqual([]);
  });
});

describe('a gateway on SEEK_CREDENTIALS_FILE', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway | undefined;
  let directory: string;
  let path: string;

  const writeCredentials = (clientSecret: string) =>
    writeFile(
      path,
      JSON.stringify({ client_id: simulator.clientId, client_secret: clientSecret }),
      {
        mode: 0o600,
      },
    );

  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('credentials-file') });
    directory = await mkdtemp(join(tmpdir(), 'credentials-gateway-'));
    path = join(directory, 'seek.json');
    await writeCredentials(simulator.clientSecret);
    gw = await startGateway(simulator, {
      SEEK_CLIENT_ID: undefined,
      SEEK_CLIENT_SECRET: undefined,
      SEEK_CREDENTIALS_FILE: path,
    });
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    await simulator.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('serves with the file, picks up a rotated secret with no restart and no failed request', async () => {
    expect((await serviceQuery(gw!)).status).toBe(200);
    const rotated = `rotated-file-secret-${Date.now()}`;
    await writeCredentials(rotated);
    simulator.setClientSecret(rotated);
    simulator.expireTokens();
    simulator.clearRequests();

    const answers = await Promise.all(Array.from({ length: 8 }, () => serviceQuery(gw!)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    // One refusal of the old secret, one exchange with the re-read one: shared by all eight.
    const sent = simulator.requests
      .filter((recorded) => recorded.route === 'auth')
      .map((recorded) => (recorded.body as { client_secret?: string }).client_secret);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(rotated);
    expect(gw!.logs.text()).not.toContain(rotated);
  });

  it('keeps serving on the last good credentials while the file is gone; /ready says degraded, 200', async () => {
    expect((await serviceQuery(gw!)).status).toBe(200);
    await unlink(path);
    await gw!.gateway.credentials.refresh('scheduled');

    const ready = await request(gw!.gateway.app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'degraded', checks: { credentials: 'degraded' } });
    // A new partner token is needed: it is exchanged with the last good credentials.
    simulator.expireTokens();
    expect((await serviceQuery(gw!)).status).toBe(200);
    const warning = gw!.logs.lines.find((line) => line.includes('still using the last good ones'));
    expect(warning).toContain(`SEEK_CREDENTIALS_FILE: ${path} cannot be read (ENOENT)`);

    await writeCredentials(simulator.clientSecret);
    await gw!.gateway.credentials.refresh('scheduled');
    const recovered = await request(gw!.gateway.app).get('/ready');
    expect(recovered.body).toMatchObject({ status: 'ready', checks: { credentials: 'ok' } });
    expect(gw!.logs.text()).not.toContain(simulator.clientSecret);
  });
});
