// Helpers for the token-cache suites: real redis-server processes, a TCP "Redis" that never
// answers, free ports, a movable clock and small request/metrics helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';

import { createClient } from 'redis';
import request from 'supertest';
import { Pool } from 'undici';

import type { Clock } from '../../src/clock';
import type { Metrics } from '../../src/observability/metrics';
import type { SeekSimulator } from '../../src/seek/simulator';
import { createTokenCipher, resolveEncryptionKey } from '../../src/tokens/cache/encryption';
import { SERVICE_KEY, freePort } from './harness';

export const SERVICE_AUTH = `Bearer ${SERVICE_KEY}`;

/** A clock the test moves forward (or sets skewed) without sleeping. */
export const movableClock = (offsetMs = 0): Clock & { offsetMs: number } => {
  const clock = { offsetMs, now: () => Date.now() + clock.offsetMs };
  return clock;
};

export { freePort };

/** `count` distinct free ports (all held open at once while choosing, so none repeats). */
export const freePorts = async (count: number) => {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  return ports;
};

export const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it returns a truthy value or `timeoutMs` passes. */
export const waitFor = async <T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 5_000,
  everyMs = 50,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`,
      );
    await sleepMs(everyMs);
  }
};

/** Resolves with `promise`, or rejects when it takes longer than `ms`. */
export const within = async <T>(ms: number, what: string, promise: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

/** POST /graphql as a service, with how long the answer took. */
export const serviceQuery = async (
  target: RequestListener | string,
  query = '{ version }',
): Promise<{ status: number; body: GraphqlBody; ms: number }> => {
  const started = performance.now();
  const response = await request(target)
    .post('/graphql')
    .set('authorization', SERVICE_AUTH)
    .send({ query });
  return {
    status: response.status,
    body: response.body as GraphqlBody,
    ms: performance.now() - started,
  };
};

/**
 * The app listening on a port of its own, with one keep-alive connection pool to it: steady
 * traffic without a throwaway server per request (supertest's way with an app).
 */
export const listenGateway = async (app: RequestListener) => {
  const server = createHttpServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const pool = new Pool(url, { connections: 20 });
  return {
    url,
    async query(query = '{ version }'): Promise<{ status: number; body: GraphqlBody; ms: number }> {
      const started = performance.now();
      const response = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { authorization: SERVICE_AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const body = (await response.body.json()) as GraphqlBody;
      return { status: response.statusCode, body, ms: performance.now() - started };
    },
    async close() {
      await pool.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown> }>;
}

/** The value of one sample of a metric, 0 when it has not been touched. */
export const metricValue = async (
  metrics: Metrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> => {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const sample = values.find((value) =>
    Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  return sample?.value ?? 0;
};

/** Reads one sample from a Prometheus text exposition (what /metrics served). */
export const scrapeValue = (text: string, name: string, labels: Record<string, string>) => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
};

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL: Redis gone without a goodbye; resolves once the process exited. */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port (after kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const pingUntilUp = async (url: string, timeoutMs: number) => {
  await waitFor(
    `redis-server at ${url}`,
    async () => {
      const client = createClient({
        url,
        socket: { reconnectStrategy: false, connectTimeout: 500 },
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.destroy();
      }
    },
    timeoutMs,
    50,
  );
};

/** A redis-server of the test's own, on a free port, with no persistence. */
export const startRedisServer = async (port?: number): Promise<RedisServer> => {
  const chosen = port ?? (await freePort());
  const url = `redis://127.0.0.1:${chosen}`;
  let child: ChildProcess | undefined;

  const launch = async () => {
    const started = spawn(
      'redis-server',
      ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child = started;
    await pingUntilUp(url, 5_000);
  };
  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    await exited;
  };

  await launch();
  return {
    port: chosen,
    url,
    kill: () => end('SIGKILL'),
    restart: launch,
    stop: () => end('SIGKILL'),
  };
};

/** A TCP server that accepts connections and never answers: a hung Redis. */
export const startBlackHole = async (): Promise<{
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}> => {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

/**
 * The cipher a gateway with the simulator's credentials and no TOKEN_ENCRYPTION_KEY seals its
 * Redis values with (the key it derives from the client secret).
 */
export const gatewayCipher = (simulator: SeekSimulator) =>
  createTokenCipher(
    resolveEncryptionKey({
      encryptionKey: undefined,
      clientSecret: simulator.clientSecret,
      clientId: simulator.clientId,
    }),
  );
