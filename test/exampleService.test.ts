// The example backend service (examples/service/), run as its README says, against a gateway on
// the SEEK simulator: its query and its browserToken request, and how it handles the gateway's
// error codes (retry SEEK's outages with backoff, honour Retry-After, never retry
// UNAUTHENTICATED or FORBIDDEN). Its client's policy is also checked alone, with a fake fetch.
import { spawn } from 'node:child_process';

import request from 'supertest';

import { createGatewayClient, GatewayRequestError } from '../examples/service/src/gatewayClient';
import { BrowserTokenForUser, ServiceStatus } from '../examples/service/src/operations';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  FAKE_LTD,
  SERVICE_KEY,
  graphqlCalls,
  serveGateway,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';
import { browserTokenRequests } from './support/callers';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run example:service` (tsx on its entry), with exactly these variables. */
const runService = (env: Record<string, string>) =>
  new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/service/src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', RETRY_BASE_MS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });

const lines = (text: string) => text.trim().split('\n');

describe('examples/service against a gateway on the simulator', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;
  let served: Awaited<ReturnType<typeof serveGateway>>;
  let env: Record<string, string>;

  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('example-service') });
    gw = await startGateway(simulator);
    served = await serveGateway(gw);
    env = { SERVICE_KEY, GATEWAY_URL: served.url, USER_ID: 'user-317665' };
    simulator.clearRequests();
  });
  afterEach(async () => {
    await served.close();
    await gw.stop();
    await simulator.close();
  });

  it('runs its query with the partner token, gets a browser token for its user and downloads a résumé', async () => {
    const run = await runService(env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      `gateway: ${served.url}`,
      'version: simulator-1.0.0, partner: Simulated Partner',
      expect.stringMatching(
        new RegExp(
          `^browser token: hirer ${FAKE_LTD}, scope query:organizations, user user-317665, expires in \\d+ s$`,
        ),
      ),
      expect.stringMatching(
        /^résumé of Jordan Example: Jordan Example resume\.pdf, application\/pdf, \d+ bytes$/,
      ),
    ]);
    expect(graphqlCalls(simulator)).toHaveLength(2);
    // The file came from SEEK with the partner token, once.
    const downloads = simulator.requests.filter((recorded) => recorded.route === 'attachment');
    expect(downloads).toHaveLength(1);
    expect(downloads[0]?.headers.authorization).not.toContain(SERVICE_KEY);
    const exchanges = browserTokenRequests(simulator);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]?.body).toEqual({
      hirerId: FAKE_LTD,
      scope: 'query:organizations',
      userId: 'user-317665',
    });

    // The token went nowhere near the output (the same one is now in the gateway's cache).
    const cached = await request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', `Bearer ${SERVICE_KEY}`)
      .send({
        query: BrowserTokenForUser.toString(),
        variables: { hirerId: FAKE_LTD, scope: 'query:organizations', userId: 'user-317665' },
      });
    const accessToken = cached.body.data.browserToken.accessToken as string;
    expect(run.stdout).not.toContain(accessToken);
    expect(browserTokenRequests(simulator)).toHaveLength(1);
  });

  it('retries SEEK_UNAVAILABLE with backoff: SEEK failing 503 twice costs one retry of the service', async () => {
    // The gateway retries a query once itself: two 503s make one SEEK_UNAVAILABLE for the service.
    simulator.fault('graphql', { kind: 'status', status: 503 }, 2);
    const run = await runService(env);
    expect(run.code).toBe(0);
    const output = lines(run.stdout);
    expect(output[1]).toMatch(
      /^retrying ServiceStatus after SEEK_UNAVAILABLE \(attempt 2, waiting \d+ ms\)$/,
    );
    expect(output[2]).toMatch(/^version: .*, partner: Simulated Partner$/);
    expect(output).toHaveLength(5);
    expect(graphqlCalls(simulator)).toHaveLength(4);
  });

  it('gives up after its bounded attempts when SEEK stays down, with the request id to look up', async () => {
    simulator.fault('graphql', { kind: 'status', status: 503 }, Infinity);
    const run = await runService(env);
    expect(run.code).toBe(1);
    const output = lines(run.stdout);
    expect(
      output.filter((line) => line.startsWith('retrying ServiceStatus after SEEK_UNAVAILABLE')),
    ).toHaveLength(2);
    expect(run.stdout).toMatch(/failed: ServiceStatus: SEEK_UNAVAILABLE: /);
    expect(run.stdout).toMatch(/gave up after 3 attempts; request id [0-9a-f-]{36}/);
    // Three service attempts, each one call and one gateway retry.
    expect(graphqlCalls(simulator)).toHaveLength(6);
    expect(browserTokenRequests(simulator)).toHaveLength(0);
  });

  it('reports FORBIDDEN (a hirer SEEK refuses) without retrying', async () => {
    const run = await runService({
      ...env,
      HIRER_ID: 'seekAnzPublicTest:organization:seek:noRelation',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/failed: BrowserTokenForUser: FORBIDDEN: /);
    expect(run.stdout).toMatch(/not retried \(1 attempt\); request id [0-9a-f-]{36}/);
    expect(run.stdout).not.toMatch(/retrying/);
    expect(browserTokenRequests(simulator)).toHaveLength(1);
  });

  it('reports UNAUTHENTICATED (a service key the gateway does not know) without retrying', async () => {
    const run = await runService({ ...env, SERVICE_KEY: 'not-the-service-key-0123456789' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/failed: ServiceStatus: UNAUTHENTICATED: /);
    expect(run.stdout).toMatch(/not retried \(1 attempt\)/);
    expect(run.stdout).toMatch(/check SERVICE_KEY against GATEWAY_API_KEYS/);
    expect(run.stdout).not.toMatch(/retrying/);
    // Not a key: the gateway took it for a browser token and let SEEK judge it, once.
    expect(graphqlCalls(simulator)).toHaveLength(1);
  });

  it('refuses to start without SERVICE_KEY, saying where one comes from', async () => {
    const run = await runService({ GATEWAY_URL: served.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/set SERVICE_KEY: a key listed in the gateway's GATEWAY_API_KEYS/);
    expect(simulator.requests).toHaveLength(0);
  });
});

describe("the example service's client policy (fake fetch)", () => {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-1', ...headers },
    });
  const failure = (code: string) => ({
    data: null,
    errors: [{ message: code, extensions: { code, requestId: 'req-1' } }],
  });
  const STATUS = { data: { version: '1.0.0', self: { partner: { name: 'P' } } } };

  const clientWith = (answers: Response[], maxRetryAfterSeconds?: number) => {
    const waits: number[] = [];
    let calls = 0;
    const client = createGatewayClient({
      url: 'http://gateway.invalid/graphql',
      serviceKey: 'key',
      maxRetryAfterSeconds,
      sleep: async (ms) => {
        waits.push(ms);
      },
      fetch: async () => {
        calls += 1;
        const next = answers.shift();
        if (!next) throw new Error('no more answers');
        return next;
      },
    });
    return { client, waits, calls: () => calls };
  };

  const rejection = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof GatewayRequestError) return error;
    }
    throw new Error('expected a GatewayRequestError');
  };

  it('honours Retry-After on RATE_LIMITED (waits that many seconds, then asks again)', async () => {
    const { client, waits, calls } = clientWith([
      answer(429, failure('RATE_LIMITED'), { 'retry-after': '7' }),
      answer(200, STATUS),
    ]);
    const result = await client.request(ServiceStatus, {});
    expect(result.data.self.partner.name).toBe('P');
    expect(waits).toEqual([7_000]);
    expect(calls()).toBe(2);
  });

  it('does not wait out a Retry-After longer than it accepts', async () => {
    const { client, waits, calls } = clientWith(
      [answer(429, failure('RATE_LIMITED'), { 'retry-after': '120' })],
      60,
    );
    const error = await rejection(client.request(ServiceStatus, {}));
    expect(error.details).toMatchObject({ code: 'RATE_LIMITED', attempts: 1, retryable: true });
    expect(waits).toEqual([]);
    expect(calls()).toBe(1);
  });

  it('retries SEEK_TIMEOUT at most three times in all, with growing waits', async () => {
    const { client, waits, calls } = clientWith([
      answer(504, failure('SEEK_TIMEOUT')),
      answer(504, failure('SEEK_TIMEOUT')),
      answer(504, failure('SEEK_TIMEOUT')),
    ]);
    const error = await rejection(client.request(ServiceStatus, {}));
    expect(error.details).toMatchObject({
      code: 'SEEK_TIMEOUT',
      status: 504,
      attempts: 3,
      retryable: true,
      requestId: 'req-1',
    });
    expect(calls()).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it('never repeats a mutation it was not told is safe to repeat', async () => {
    const { client, calls } = clientWith([answer(504, failure('SEEK_TIMEOUT'))]);
    const error = await rejection(
      client.request(BrowserTokenForUser, { hirerId: 'h', scope: 'query:x', userId: 'u' }),
    );
    expect(error.details).toMatchObject({ code: 'SEEK_TIMEOUT', attempts: 1 });
    expect(calls()).toBe(1);
  });

  it.each([
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN', 403],
    ['BAD_USER_INPUT', 400],
  ])('does not retry %s', async (code, status) => {
    const { client, calls } = clientWith([answer(status, failure(code))]);
    const error = await rejection(client.request(ServiceStatus, {}));
    expect(error.details).toMatchObject({ code, status, attempts: 1, retryable: false });
    expect(calls()).toBe(1);
  });

  it('returns a partial result (data beside errors) rather than failing it', async () => {
    const { client } = clientWith([
      answer(200, { ...STATUS, errors: [{ message: 'part failed', path: ['self'] }] }),
    ]);
    const result = await client.request(ServiceStatus, {});
    expect(result.data.version).toBe('1.0.0');
    expect(result.errors).toHaveLength(1);
  });
});
