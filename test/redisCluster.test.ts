import request from 'supertest';

import { cacheKeyPrefix } from '../src/app';
import type { SeekSimulator } from '../src/seek/simulator';
import { hashTagOf, sameSlotKey } from '../src/tokens/cache/hashSlot';
import { serviceQuery, waitFor, within } from './support/cacheSupport';
import { startGateway, startSimulator, uniqueClientId, type TestGateway } from './support/harness';
import {
  redisCli,
  startRedisCluster,
  stopAllRedisServers,
  type StartedCluster,
} from './support/redisServers';

const SEEK_TIMEOUT_MS = 2_000;

const keySlot = async (port: number, key: string) =>
  Number((await redisCli('-p', String(port), 'CLUSTER', 'KEYSLOT', key)).trim());

describe('Redis Cluster (three masters)', () => {
  let cluster: StartedCluster;
  let simulator: SeekSimulator;
  const gateways: TestGateway[] = [];
  const start = async () => {
    const gw = await startGateway(simulator, {
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: cluster.nodes,
      REDIS_COMMAND_TIMEOUT_MS: '200',
      SEEK_TIMEOUT_MS: String(SEEK_TIMEOUT_MS),
    });
    gateways.push(gw);
    return gw;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('cluster') });
  });
  afterEach(async () => {
    for (const gw of gateways.splice(0)) await gw.stop();
    await simulator.close();
  });
  afterAll(async () => {
    await stopAllRedisServers();
  });

  it('three replicas, cold, 60 concurrent requests: exactly one token exchange', async () => {
    const replicas = [await start(), await start(), await start()];
    for (const gw of replicas)
      await waitFor('the cluster ready', () => gw.gateway.sharedStore.state === 'ready');
    const answers = await Promise.all(
      replicas.flatMap((gw) => Array.from({ length: 20 }, () => serviceQuery(gw.gateway.app))),
    );
    expect(answers).toHaveLength(60);
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(answers.filter((answer) => answer.body.errors)).toEqual([]);
    expect(simulator.count('auth')).toBe(1);
    const fetches = replicas.reduce((sum, gw) => sum + gw.gateway.partnerCache.stats.fetches, 0);
    expect(fetches).toBe(1);
    // The token is in the cluster, on the node that owns its slot (redis-cli -c follows MOVED).
    const key = `${cacheKeyPrefix(replicas[0]!.config)}:partner:current`;
    const port = String(cluster.ports[0]);
    expect((await redisCli('-c', '-p', port, 'EXISTS', key)).trim()).toBe('1');
    for (const gw of replicas) {
      const body = (await request(gw.gateway.app).get('/ready')).body as {
        checks: { redis: string };
      };
      expect(body.checks.redis).toBe('ready');
    }
  });

  it('a lock lives in the hash slot of the value it guards (lock and token keys, browser and partner)', async () => {
    const gw = await start();
    const prefix = cacheKeyPrefix(gw.config);
    const port = cluster.ports[0]!;
    const values = [`${prefix}:partner:current`, `${prefix}:browser:${'ab'.repeat(32)}`, 'a{b}c'];
    for (const value of values) {
      const lock = sameSlotKey(value, ':lock');
      expect(lock).not.toBe(value);
      expect(await keySlot(port, lock)).toBe(await keySlot(port, value));
    }
    expect(hashTagOf('a{b}c')).toBe('b');
    expect(hashTagOf('x{}y')).toBe('x{}y');
    expect(hashTagOf('plain')).toBe('plain');
  });

  it('every master killed: every request still answered, /ready degraded, within the bound', async () => {
    const gw = await start();
    await waitFor('the cluster ready', () => gw.gateway.sharedStore.state === 'ready');
    expect((await serviceQuery(gw.gateway.app)).status).toBe(200);
    // Every master gone: the token keeps coming from memory, and no request waits on Redis
    // past its bound.
    await cluster.stop();
    const answers = await within(
      2 * SEEK_TIMEOUT_MS,
      '20 requests with the cluster gone',
      Promise.all(Array.from({ length: 20 }, () => serviceQuery(gw.gateway.app))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    await waitFor(
      'redis degraded',
      () => gw.gateway.sharedStore.state === 'degraded' && gw.gateway.sharedStore.reason,
    );
    const body = (await request(gw.gateway.app).get('/ready')).body as {
      status: string;
      checks: { redis: string; redisReason?: string };
    };
    expect(body.status).toBe('degraded');
    expect(body.checks.redis).toBe('degraded');
    expect(body.checks.redisReason).toEqual(expect.any(String));
  });
});
