import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { createClient } from 'redis';

import { createGateway, type Gateway, type GatewayDeps } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { mintUserJwt } from '../../src/dev/devCredentials';
import { createLogger } from '../../src/observability/logger';
import {
  startSeekSimulator,
  type SeekSimulator,
  type SeekSimulatorOptions,
} from '../../src/seek/simulator';
import { TEST_RUN_VARIABLE } from '../setup/testRun';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SERVICE_KEY = 'test-service-key-0123456789abcdef';
export const JWT_ISSUER = 'https://app.example.test/';
export const JWT_AUDIENCE = 'seek-gateway-tests';
export const JWT_SECRET = 'test-jwt-secret-that-is-at-least-32-bytes-long';
export const FAKE_LTD = 'seekAnzPublicTest:organization:seek:93WyyF1h';
export const ACME = 'seekAnzPublicTest:organization:seek:7cDYcGGd';

/** A log destination that keeps every line, so tests can read what the gateway logged. */
export const createLogCapture = () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, stream, text: () => lines.join('\n') };
};

/** A port nothing listens on right now (listen on 0, read it, close). */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/**
 * A unique client ID per test: its Redis keys are namespaced apart from every other test, and
 * carry this jest run's id, so the global teardown deletes exactly this run's keys.
 */
export const uniqueClientId = (label: string) =>
  `test-${process.env[TEST_RUN_VARIABLE] ?? 'adhoc'}-${label}-${randomBytes(4).toString('hex')}`;

export const startSimulator = (options: SeekSimulatorOptions = {}) =>
  startSeekSimulator({ clientSecret: `secret-${randomBytes(8).toString('hex')}`, ...options });

/** The environment a test gateway runs with, pointed at the simulator. */
export const testEnv = (
  simulator: SeekSimulator,
  overrides: Record<string, string | undefined> = {},
) => ({
  NODE_ENV: 'test',
  SEEK_API_URL: simulator.graphqlUrl,
  SEEK_AUTH_URL: simulator.authUrl,
  SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
  SEEK_AUDIENCE: simulator.audience,
  SEEK_CLIENT_ID: simulator.clientId,
  SEEK_CLIENT_SECRET: simulator.clientSecret,
  GATEWAY_API_KEYS: SERVICE_KEY,
  AUTH_JWT_ISSUER: JWT_ISSUER,
  AUTH_JWT_AUDIENCE: JWT_AUDIENCE,
  AUTH_JWT_SECRET: JWT_SECRET,
  REDIS_URL,
  LOG_LEVEL: 'debug',
  ...overrides,
});

export interface TestGateway {
  gateway: Gateway;
  config: Config;
  logs: ReturnType<typeof createLogCapture>;
  stop(): Promise<void>;
}

export const startGateway = async (
  simulator: SeekSimulator,
  overrides: Record<string, string | undefined> = {},
  deps: Partial<GatewayDeps> = {},
): Promise<TestGateway> => {
  const config = loadConfig(testEnv(simulator, overrides));
  const logs = createLogCapture();
  const logger = createLogger({ level: config.logLevel, destination: logs.stream });
  const gateway = await createGateway({ config, logger, schemaAttempts: 2, ...deps });
  return { gateway, config, logs, stop: () => gateway.stop() };
};

/** The gateway on a real port of its own (loopback), for callers that are not supertest. */
export const serveGateway = async (gw: TestGateway) => {
  const server = createServer(gw.gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}/graphql`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export const userJwt = (options: {
  hirerIds: string[];
  userId?: string;
  secret?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string;
}) =>
  mintUserJwt({
    secret: options.secret ?? JWT_SECRET,
    issuer: options.issuer ?? JWT_ISSUER,
    audience: options.audience ?? JWT_AUDIENCE,
    userId: options.userId ?? 'user-317665',
    hirerIds: options.hirerIds,
    hirerClaim: 'seek_hirer_ids',
    expiresIn: options.expiresIn,
  });

/** A plain node-redis client for looking at what the gateway stored. */
export const connectRedis = async () => {
  const client = createClient({ url: REDIS_URL });
  client.on('error', () => undefined);
  await client.connect();
  return client;
};

/** The simulator's recorded GraphQL requests (not introspection), newest last. */
export const graphqlCalls = (simulator: SeekSimulator) =>
  simulator.requests.filter(
    (request) =>
      request.route === 'graphql' &&
      !String((request.body as { query?: string })?.query ?? '').includes('__schema'),
  );
