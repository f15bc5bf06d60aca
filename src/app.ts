import type { RequestListener } from 'node:http';

import type { Express } from 'express';

import { createCallerResolver } from './callers/resolveCaller';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { createBrowserTokenResolver } from './graphql/browserTokenResolver';
import { createApolloServer, createQueryLimits } from './graphql/apolloServer';
import { buildGatewaySchema } from './graphql/gatewaySchema';
import { createPassthrough } from './graphql/passthrough';
import { createSeekGateway, type SeekGateway } from './graphql/seekGateway';
import { createHttpApp } from './http/createHttpApp';
import { createRawEntry } from './http/rawEntry';
import type { Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { createRequestRecorder } from './observability/requestLog';
import { createAuthClient } from './seek/authClient';
import { createForwarder } from './seek/forwarder';
import { createHttpClient, type HttpClient } from './seek/httpClient';
import {
  introspectSeekSchema,
  loadSeekSchemaWithRetry,
  readGatewayTypeDefs,
  readSchemaFile,
} from './seek/schemaSource';
import { createTokenCipher, resolveEncryptionKey } from './tokens/cache/encryption';
import {
  createRedisSharedStore,
  disabledSharedStore,
  type SharedStore,
} from './tokens/cache/sharedStore';
import { createBrowserTokenService } from './tokens/browserTokens';
import { createCachedTokenSource, type CachedTokenSource } from './tokens/cachedTokenSource';
import { createPartnerTokenSource, type PartnerTokenSource } from './tokens/partnerToken';
import { createRateLimiter } from './tokens/rateLimiter';

export interface GatewayDeps {
  config: Config;
  logger: Logger;
  /** @default a fresh registry */
  metrics?: Metrics;
  /** @default the system clock */
  clock?: Clock;
  /** @default Redis at config.redis.url, or memory only when unset */
  sharedStore?: SharedStore;
  /** Introspection attempts at start-up. @default 5 */
  schemaAttempts?: number;
  /** Headers Apollo Sandbox starts with. */
  sandboxHeaders?: Record<string, string>;
}

export interface Gateway {
  /**
   * The HTTP handler (raw passthrough entry in front of the express app); the caller decides
   * whether and where it listens: `http.createServer(gateway.app)` or supertest(gateway.app).
   */
  app: RequestListener;
  /** The express app alone (probes, CORS, Apollo Server). */
  expressApp: Express;
  partnerTokens: PartnerTokenSource;
  partnerCache: CachedTokenSource;
  browserCache: CachedTokenSource;
  schema: SeekGateway;
  sharedStore: SharedStore;
  metrics: Metrics;
  /** Stops polling, Apollo Server, Redis and the SEEK connection pool. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Namespaces every Redis key per client ID and SEEK environment (production or Playground),
 * so two gateways with different credentials can share one Redis without mixing tokens.
 */
export const cacheKeyPrefix = (config: Config) => {
  const environment = new URL(config.seek.audience).host;
  return `seek-gateway:${environment}:${config.seek.clientId ?? 'none'}`;
};

/**
 * Builds the whole gateway from its config and dependencies: loads SEEK's schema and starts
 * Apollo Server, but never listens. The entry file (main.ts) and the tests call this.
 */
export const createGateway = async (deps: GatewayDeps): Promise<Gateway> => {
  const { config, logger } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const clock = deps.clock ?? systemClock;
  const { clientId, clientSecret } = config.seek;
  if (!clientId || !clientSecret) throw new Error('createGateway needs SEEK client credentials');

  const http: HttpClient = createHttpClient();
  const sharedStore =
    deps.sharedStore ??
    (config.redis.url
      ? createRedisSharedStore({
          url: config.redis.url,
          commandTimeoutMs: config.redis.commandTimeoutMs,
          logger,
          metrics,
        })
      : disabledSharedStore);
  const cipher = createTokenCipher(
    resolveEncryptionKey({
      encryptionKey: config.tokenCache.encryptionKey,
      clientSecret,
      clientId,
    }),
  );
  const keyPrefix = cacheKeyPrefix(config);
  const cacheOptions = {
    keyPrefix,
    store: sharedStore,
    cipher,
    clock,
    logger,
    metrics,
    expiryBufferMs: config.tokenCache.expiryBufferSeconds * 1_000,
  };
  // The lock outlives one whole token fetch, so it never expires under a slow but live owner.
  const partnerCache = createCachedTokenSource({
    ...cacheOptions,
    kind: 'partner',
    refreshAhead: true,
    lockTtlMs: config.seek.authTimeoutMs + 2_000,
  });
  const browserCache = createCachedTokenSource({
    ...cacheOptions,
    kind: 'browser',
    refreshAhead: false,
    // One exchange can take two SEEK calls (a 401 refreshes the partner token and retries).
    lockTtlMs: 2 * config.seek.timeoutMs + config.seek.authTimeoutMs + 2_000,
  });

  const authClient = createAuthClient({
    http,
    authUrl: config.seek.authUrl,
    audience: config.seek.audience,
    clientId,
    clientSecret,
    clientSecretFile: config.seek.clientSecretFile,
    userAgent: config.userAgent,
    timeoutMs: config.seek.authTimeoutMs,
    logger,
    metrics,
  });
  const partnerTokens = createPartnerTokenSource({ cache: partnerCache, authClient });
  const browserTokens = createBrowserTokenService({
    cache: browserCache,
    partnerTokens,
    http,
    browserTokenUrl: config.seek.browserTokenUrl,
    userAgent: config.userAgent,
    timeoutMs: config.seek.timeoutMs,
    clock,
    logger,
    metrics,
  });
  const rateLimiter = createRateLimiter({
    limitPerMinute: config.browserTokens.ratePerMinute,
    keyPrefix,
    store: sharedStore,
    clock,
  });
  const forwarder = createForwarder({
    http,
    apiUrl: config.seek.apiUrl,
    userAgent: config.userAgent,
    timeoutMs: config.seek.timeoutMs,
    partnerTokens,
    metrics,
  });
  const callers = createCallerResolver({
    serviceKeys: config.serviceKeys,
    userJwt:
      config.auth.issuer && config.auth.audience
        ? {
            issuer: config.auth.issuer,
            audience: config.auth.audience,
            secret: config.auth.secret,
            jwksUrl: config.auth.jwksUrl,
            jwksTimeoutMs: config.auth.jwksTimeoutMs,
            hirerClaim: config.auth.hirerClaim,
          }
        : undefined,
  });

  const gatewayTypeDefs = readGatewayTypeDefs();
  const browserToken = createBrowserTokenResolver({ service: browserTokens, rateLimiter, config });
  const schemaFile = config.seek.schemaFile;
  const introspect = () =>
    introspectSeekSchema({
      http,
      apiUrl: config.seek.apiUrl,
      userAgent: config.userAgent,
      timeoutMs: config.seek.timeoutMs,
      getPartnerToken: async () => (await partnerTokens.get()).accessToken,
    });
  const schema = createSeekGateway({
    loadSeekSchema: schemaFile
      ? async () => readSchemaFile(schemaFile)
      : () => loadSeekSchemaWithRetry(introspect, { attempts: deps.schemaAttempts ?? 5, logger }),
    buildSchema: (seekSchema) =>
      buildGatewaySchema({ seekSchema, gatewayTypeDefs, forwarder, browserToken }),
    forwarder,
    pollMs: config.seek.schemaPollMs,
    logger,
    metrics,
  });

  const record = createRequestRecorder({ logger, metrics });
  const limits = createQueryLimits(config.graphql);
  const apollo = createApolloServer({
    gateway: schema.gateway,
    config,
    logger,
    record,
    limits,
    sandboxHeaders: deps.sandboxHeaders,
  });
  try {
    await apollo.start();
  } catch (error) {
    await Promise.allSettled([sharedStore.close(), http.close()]);
    throw error;
  }

  const passthrough = createPassthrough({
    currentSchema: schema.current,
    callers,
    forwarder,
    validationRules: limits.validationRules,
    introspection: config.graphql.introspection,
    maxTokens: config.graphql.maxTokens,
    record,
    logger,
  });
  const expressApp = createHttpApp({
    apollo,
    passthrough,
    callers,
    readiness: {
      schemaLoaded: () => schema.current() !== undefined,
      partnerToken: () => partnerTokens.get(),
      redisState: () => sharedStore.state,
      timeoutMs: config.seek.authTimeoutMs,
    },
    metrics,
    logger,
    corsOrigins: config.http.corsOrigins,
    maxBodyBytes: config.http.maxBodyBytes,
    record,
  });

  let stopping: Promise<void> | undefined;
  const app = createRawEntry({
    app: expressApp as unknown as RequestListener,
    passthrough,
    maxBodyBytes: config.http.maxBodyBytes,
    logger,
  });

  return {
    app,
    expressApp,
    partnerTokens,
    partnerCache,
    browserCache,
    schema,
    sharedStore,
    metrics,
    stop: () => {
      stopping ??= (async () => {
        await apollo.stop();
        await Promise.allSettled([sharedStore.close(), http.close()]);
      })();
      return stopping;
    },
  };
};
