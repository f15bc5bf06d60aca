import request from 'supertest';

import type { SeekSimulator } from '../src/seek/simulator';
import { serviceQuery, sleepMs, waitFor } from './support/cacheSupport';
import { startGateway, startSimulator, uniqueClientId, type TestGateway } from './support/harness';
import {
  redisCli,
  startSentinelSet,
  stopAllRedisServers,
  type StartedSentinelSet,
} from './support/redisServers';

const SEEK_TIMEOUT_MS = 2_000;
/** Generous: a request never waits on Redis past its bound, whatever the failover does. */
const ANSWER_BOUND_MS = 2 * SEEK_TIMEOUT_MS;

interface Answer {
  status: number;
  ms: number;
}

describe('Redis through Sentinel (a master, one replica, one sentinel)', () => {
  let set: StartedSentinelSet;
  let simulator: SeekSimulator;
  const gateways: TestGateway[] = [];
  const start = async () => {
    const gw = await startGateway(simulator, {
      REDIS_URL: undefined,
      REDIS_SENTINELS: set.sentinels,
      REDIS_SENTINEL_MASTER: set.masterName,
      REDIS_COMMAND_TIMEOUT_MS: '200',
      SEEK_TIMEOUT_MS: String(SEEK_TIMEOUT_MS),
    });
    gateways.push(gw);
    return gw;
  };
  /** A write through this replica's store lands on the node now master. */
  const writesReachNewMaster = async (gw: TestGateway) => {
    const key = uniqueClientId('sentinel-probe');
    if (!(await gw.gateway.sharedStore.set(key, 'probe', 10_000))) return false;
    return (await redisCli('-p', String(set.replicaPort), 'EXISTS', key)).trim() === '1';
  };

  beforeAll(async () => {
    set = await startSentinelSet();
    simulator = await startSimulator({ clientId: uniqueClientId('sentinel') });
  });
  afterAll(async () => {
    for (const gw of gateways.splice(0)) await gw.stop();
    await simulator.close();
    await stopAllRedisServers();
  });

  it('the master killed: the replica is promoted and requests keep being served, none past the bound', async () => {
    const a = await start();
    const b = await start();
    for (const gw of [a, b])
      await waitFor('redis ready via sentinel', () => gw.gateway.sharedStore.state === 'ready');
    const cold = await Promise.all(
      [a, b].flatMap((gw) => Array.from({ length: 10 }, () => serviceQuery(gw.gateway.app))),
    );
    expect(cold.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(simulator.count('auth')).toBe(1);

    await set.killMaster();
    // A replica started cold while the master is gone: its Redis calls time out at the bound,
    // and it fetches the token itself.
    const c = await start();
    const during: Answer[] = [];
    const coldDuring = await Promise.all(
      Array.from({ length: 10 }, () => serviceQuery(c.gateway.app)),
    );
    during.push(...coldDuring);
    // Requests go on through the failover until every replica writes to the promoted replica.
    const deadline = Date.now() + 30_000;
    let promoted = false;
    let switched = false;
    while (!switched && Date.now() < deadline) {
      const batch = await Promise.all(
        [a, b, c].flatMap((gw) => Array.from({ length: 5 }, () => serviceQuery(gw.gateway.app))),
      );
      during.push(...batch);
      if (!promoted) promoted = (await set.currentMasterPort().catch(() => 0)) === set.replicaPort;
      if (promoted) {
        const reached = await Promise.all([a, b, c].map(writesReachNewMaster));
        switched = reached.every(Boolean);
      }
      if (!switched) await sleepMs(200);
    }
    expect(promoted).toBe(true);
    expect(switched).toBe(true);
    expect(during.length).toBeGreaterThanOrEqual(25);
    expect(during.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(during.filter((answer) => answer.ms >= ANSWER_BOUND_MS)).toEqual([]);
    // One exchange before the failover; at most one more, by the replica that started cold
    // while no master answered.
    expect(simulator.count('auth')).toBeLessThanOrEqual(2);
    for (const gw of [a, b, c]) {
      await waitFor('ready again', () => gw.gateway.sharedStore.state === 'ready');
      const body = (await request(gw.gateway.app).get('/ready')).body as {
        status: string;
        checks: { redis: string };
      };
      expect(body.status).toBe('ready');
      expect(body.checks.redis).toBe('ready');
    }
  });
});
