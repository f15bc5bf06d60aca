import request from 'supertest';
import { createClient } from 'redis';

import { cacheKeyPrefix } from '../src/app';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  gatewayCipher,
  freePort,
  listenGateway,
  metricValue,
  serviceQuery,
  sleepMs,
  startBlackHole,
  startRedisServer,
  waitFor,
  within,
  type RedisServer,
} from './support/cacheSupport';
import {
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';

const COMMAND_TIMEOUT_MS = 50;
/** Redis command bound + one token exchange + generous slack for a loaded 2-core machine. */
const ANSWER_BOUND_MS = COMMAND_TIMEOUT_MS + 1_000;

interface ReadyBody {
  status: string;
  checks: { schema: string; partnerToken: string; redis: string };
}
const ready = async (gw: TestGateway) => {
  const response = await request(gw.gateway.app).get('/ready');
  return { status: response.status, body: response.body as ReadyBody };
};

/** GET on a Redis of our own, with no reconnecting (the server comes and goes in these tests). */
const readKey = async (url: string, key: string) => {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.get(key);
  } finally {
    client.destroy();
  }
};

const activeHandles = () =>
  (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;

describe('token cache when Redis fails', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('redisfault') });
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await simulator.close();
  });

  it('keeps answering through a Redis kill and restart, reports degraded, and writes the token back after', async () => {
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.stop());
    gw = await startGateway(simulator, {
      REDIS_URL: redis.url,
      REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    });
    const { app, sharedStore, metrics } = gw.gateway;
    const listening = await listenGateway(app);
    cleanups.push(() => listening.close());
    const key = `${cacheKeyPrefix(gw.config)}:partner:current`;
    await waitFor('redis ready', () => sharedStore.state === 'ready');
    expect((await serviceQuery(app)).status).toBe(200);
    expect(await readKey(redis.url, key)).toEqual(expect.any(String));
    expect((await ready(gw)).body.checks.redis).toBe('ready');

    // Steady traffic: 5 requests every 100 ms until told to stop (60 ticks at most).
    const answers: Array<ReturnType<typeof serviceQuery>> = [];
    let trafficOn = true;
    const traffic = (async () => {
      for (let tick = 0; trafficOn && tick < 60; tick += 1) {
        for (let i = 0; i < 5; i += 1) answers.push(listening.query());
        await sleepMs(100);
      }
    })();

    await sleepMs(500);
    await redis.kill();
    const degraded = await waitFor(
      '/ready to report redis degraded',
      async () => {
        const probe = await ready(gw as TestGateway);
        return probe.body.checks.redis === 'degraded' && probe;
      },
      3_000,
    );
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');

    // SEEK revokes the token while Redis is down: one fresh token, fetched without Redis.
    simulator.clearRequests();
    simulator.expireTokens();
    await sleepMs(600);
    expect(simulator.count('auth')).toBe(1);

    await redis.restart();
    const recovered = await waitFor(
      '/ready to report redis ready again',
      async () => {
        const probe = await ready(gw as TestGateway);
        return probe.body.checks.redis === 'ready' && probe;
      },
      5_000,
    );
    expect(recovered.body.status).toBe('ready');
    // Redis came back empty; the gateway puts its token back for the other replicas.
    const sealed = await waitFor(
      'the partner token written back',
      () => readKey(redis.url, key),
      5_000,
    );
    await sleepMs(300);
    trafficOn = false;
    await traffic;
    const settled = await Promise.all(answers);

    expect(settled.length).toBeGreaterThanOrEqual(75);
    expect(settled.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(settled.filter((answer) => answer.body.errors)).toEqual([]);
    expect(Math.max(...settled.map((answer) => answer.ms))).toBeLessThan(ANSWER_BOUND_MS);
    expect(simulator.count('auth')).toBe(1);

    const current = (await gw.gateway.partnerTokens.get()).accessToken;
    const calls = graphqlCalls(simulator);
    expect(calls.at(-1)?.headers.authorization).toBe(`Bearer ${current}`);
    const cipher = gatewayCipher(simulator);
    const opened = cipher.open(JSON.parse(sealed) as string, key);
    expect(JSON.parse(opened as string)).toMatchObject({ accessToken: current });
    expect(await metricValue(metrics, 'gateway_redis_up', {})).toBe(1);
  });

  it('neither hangs nor slows down on a Redis that accepts connections and never answers', async () => {
    const blackHole = await startBlackHole();
    cleanups.push(() => blackHole.close());
    gw = await within(
      10_000,
      'gateway start-up',
      startGateway(simulator, {
        REDIS_URL: blackHole.url,
        REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      }),
    );
    const { app } = gw.gateway;
    const answers = await Promise.all(Array.from({ length: 20 }, () => serviceQuery(app)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThan(ANSWER_BOUND_MS);
    expect(simulator.count('auth')).toBe(1);

    // The gateway did reach it: it is stuck in the handshake, not refused.
    expect(blackHole.connections()).toBeGreaterThanOrEqual(1);
    const probe = await within(2_000, '/ready', ready(gw));
    expect(probe.status).toBe(200);
    expect(probe.body).toMatchObject({ status: 'degraded', checks: { redis: 'degraded' } });

    const stopping = gw;
    gw = undefined;
    await within(3_000, 'gateway stop', stopping.stop());
  });

  it('answers 200 with Redis refused, without growing handles or flooding the log', async () => {
    const port = await freePort();
    gw = await startGateway(simulator, {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    });
    const { app } = gw.gateway;
    const batch = async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => serviceQuery(app)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThan(ANSWER_BOUND_MS);
    };
    await batch();
    const before = activeHandles();
    for (let round = 0; round < 10; round += 1) await batch();
    // Sockets of finished requests close asynchronously; what must not happen is lasting growth.
    await waitFor('handles to settle', () => activeHandles() - before <= 5, 3_000).catch(
      () => undefined,
    );
    expect(activeHandles() - before).toBeLessThanOrEqual(5);
    expect(simulator.count('auth')).toBe(1);
    expect((await ready(gw)).body).toMatchObject({
      status: 'degraded',
      checks: { redis: 'degraded' },
    });
    const warnings = gw.logs.lines.filter((line) => line.includes('redis unavailable'));
    expect(warnings.length).toBeLessThanOrEqual(1);
  });
});
