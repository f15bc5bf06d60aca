import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import request from 'supertest';

import type { SeekSimulator } from '../src/seek/simulator';
import { freePorts, scrapeValue, serviceQuery, waitFor } from './support/cacheSupport';
import { startSimulator, testEnv, uniqueClientId } from './support/harness';

const REPO_ROOT = join(__dirname, '..');
const REPLICAS = 3;

interface Replica {
  url: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const startReplica = (simulator: SeekSimulator, port: number): Replica => {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...testEnv(simulator, {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '3000',
    }),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { url: `http://127.0.0.1:${port}`, child, output, exited };
};

/** SIGTERM, then SIGKILL if it is still there after 5 s. */
const stopReplica = async (replica: Replica) => {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return replica.exited;
  replica.child.kill('SIGTERM');
  const timer = setTimeout(() => replica.child.kill('SIGKILL'), 5_000);
  try {
    return await replica.exited;
  } finally {
    clearTimeout(timer);
  }
};

describe('three gateway processes on one Redis', () => {
  let simulator: SeekSimulator;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('multiproc') });
    const ports = await freePorts(REPLICAS);
    replicas = ports.map((port) => startReplica(simulator, port));
    try {
      await Promise.all(
        replicas.map((replica) =>
          waitFor(
            `${replica.url}/health`,
            async () => (await request(replica.url).get('/health')).status === 200,
            25_000,
            200,
          ),
        ),
      );
      // Every replica talks to Redis before the cold-cache burst.
      await Promise.all(
        replicas.map((replica) =>
          waitFor(
            `${replica.url} connected to redis`,
            async () =>
              scrapeValue(
                (await request(replica.url).get('/metrics')).text,
                'gateway_redis_up',
                {},
              ) === 1,
            5_000,
          ),
        ),
      );
    } catch (error) {
      for (const replica of replicas) console.error(replica.url, replica.output.join(''));
      throw error;
    }
  }, 40_000);

  afterAll(async () => {
    await Promise.all(replicas.map(stopReplica));
    await simulator?.close();
  }, 20_000);

  const burst = async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        serviceQuery((replicas[index % REPLICAS] as Replica).url),
      ),
    );
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(answers.filter((answer) => answer.body.errors)).toEqual([]);
  };

  it('fetches one partner token for three processes starting together and 60 concurrent requests, and one more after SEEK expires it', async () => {
    // Each process checks the credentials at start-up: one exchange, shared through Redis.
    expect(simulator.count('auth')).toBe(1);

    await burst();
    expect(simulator.count('auth')).toBe(1);

    simulator.expireTokens();
    simulator.clearRequests();
    await burst();
    expect(simulator.count('auth')).toBe(1);

    // All three are ready with the shared token, without another exchange.
    for (const replica of replicas) {
      const ready = await request(replica.url).get('/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ready', checks: { redis: 'ready' } });
    }
    expect(simulator.count('auth')).toBe(1);
  });

  it('exits with code 0 on SIGTERM', async () => {
    const results = await Promise.all(replicas.map(stopReplica));
    expect(results).toEqual(Array(REPLICAS).fill({ code: 0, signal: null }));
  }, 20_000);
});
