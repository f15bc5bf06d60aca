import type { RequestListener } from 'node:http';

import type { Express } from 'express';

import { createCallerResolver } from './callers/resolveCaller';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { createApolloExecution } from './graphql/apolloExecution';
import { createApolloGateway } from './graphql/apolloGateway';
import { createApolloServer } from './graphql/apolloServer';
import { createBrowserTokenResolver } from './graphql/browserTokenResolver';
import { buildGatewaySchema, LOCAL_ROOT_FIELDS } from './graphql/gatewaySchema';
import { createCors } from './http/cors';
import { createHttpApp } from './http/createHttpApp';
import { createEntry } from './http/entry';
import type { Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { createRequestRecorder } from './observability/requestLog';
import { createPipeline } from './pipeline';
import { createDocuments } from './pipeline/documents';
import { createQueryLimits } from './pipeline/limits';
import { createPersistedQueries } from './pipeline/persistedQueries';
import { createAuthClient } from './seek/authClient';
import { createForwarder, type Forwarder } from './seek/forwarder';
import { createHttpClient, type HttpClient } from './seek/httpClient';
import { createSchemaManager, type SchemaManager } from './seek/schemaManager';
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
   * The HTTP handler; the caller decides whether and where it listens:
   * `http.createServer(gateway.app)` or supertest(gateway.app).
   */
  app: RequestListener;
  /** The express app alone (probes, metrics, Sandbox). */
  expressApp: Express;
  partnerTokens: PartnerTokenSource;
  partnerCache: CachedTokenSource;
  browserCache: CachedTokenSource;
  schema: SchemaManager;
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

/** What a part of the gateway leaves open; closed in reverse order of creation. */
type Closer = () => Promise<void> | void;

interface Shared {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  http: HttpClient;
  closers: Closer[];
}

/** The partner and browser tokens: the shared cache, the two token sources, the rate limit. */
const buildTokens = (shared: Shared, sharedStore: SharedStore | undefined) => {
  const { config, logger, metrics, clock } = shared;
  const { clientId, clientSecret } = config.seek;
  if (!clientId || !clientSecret) throw new Error('createGateway needs SEEK client credentials');
  const store =
    sharedStore ??
    (config.redis.url
      ? createRedisSharedStore({
          url: config.redis.url,
          commandTimeoutMs: config.redis.commandTimeoutMs,
          logger,
          metrics,
        })
      : disabledSharedStore);
  shared.closers.push(() => store.close());
  const keyPrefix = cacheKeyPrefix(config);
  const cacheOptions = {
    keyPrefix,
    store,
    cipher: createTokenCipher(
      resolveEncryptionKey({
        encryptionKey: config.tokenCache.encryptionKey,
        clientSecret,
        clientId,
      }),
    ),
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
    http: shared.http,
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
    http: shared.http,
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
    store,
    clock,
  });
  return { store, partnerCache, browserCache, partnerTokens, browserTokens, rateLimiter };
};

type Tokens = ReturnType<typeof buildTokens>;

/** SEEK access: the forwarder and the schema manager (loaded, then polled). */
const buildSeek = async (shared: Shared, tokens: Tokens, schemaAttempts: number) => {
  const { config, logger, metrics } = shared;
  const forwarder = createForwarder({
    http: shared.http,
    apiUrl: config.seek.apiUrl,
    userAgent: config.userAgent,
    timeoutMs: config.seek.timeoutMs,
    partnerTokens: tokens.partnerTokens,
    metrics,
  });
  const gatewayTypeDefs = readGatewayTypeDefs();
  const browserToken = createBrowserTokenResolver({
    service: tokens.browserTokens,
    rateLimiter: tokens.rateLimiter,
    config,
  });
  const schemaFile = config.seek.schemaFile;
  const introspect = () =>
    introspectSeekSchema({
      http: shared.http,
      apiUrl: config.seek.apiUrl,
      userAgent: config.userAgent,
      timeoutMs: config.seek.timeoutMs,
      getPartnerToken: async () => (await tokens.partnerTokens.get()).accessToken,
    });
  const schemas = createSchemaManager({
    loadSeekSchema: schemaFile
      ? async () => readSchemaFile(schemaFile)
      : () => loadSeekSchemaWithRetry(introspect, { attempts: schemaAttempts, logger }),
    buildSchema: (seekSchema) => buildGatewaySchema({ seekSchema, gatewayTypeDefs, browserToken }),
    pollMs: config.seek.schemaPollMs,
    logger,
    metrics,
  });
  await schemas.start();
  shared.closers.push(() => schemas.stop());
  return { forwarder, schemas };
};

/** HTTP: Apollo Server (execution, Sandbox), the one pipeline, probes and the entry. */
const buildHttp = async (
  shared: Shared,
  tokens: Tokens,
  seek: { forwarder: Forwarder; schemas: SchemaManager },
  sandboxHeaders: Record<string, string> | undefined,
) => {
  const { config, logger, metrics } = shared;
  const apollo = createApolloServer({
    gateway: createApolloGateway(seek.schemas),
    introspection: config.graphql.introspection,
    sandbox: config.graphql.sandbox,
    production: config.environment === 'production',
    logger,
    sandboxHeaders,
  });
  await apollo.start();
  shared.closers.push(() => apollo.stop());

  const limits = createQueryLimits(config.graphql);
  const pipeline = createPipeline({
    currentSchema: () => seek.schemas.current()?.api,
    callers: createCallerResolver({
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
    }),
    documents: createDocuments({
      parse: limits.parse,
      limitRules: limits.validationRules,
      introspection: config.graphql.introspection,
      localRootFields: LOCAL_ROOT_FIELDS,
      hideSuggestions: config.environment === 'production',
    }),
    persistedQueries: createPersistedQueries(),
    forwarder: seek.forwarder,
    execute: createApolloExecution(apollo, seek.forwarder),
    body: { maxBytes: config.http.maxBodyBytes, timeoutMs: config.http.bodyTimeoutMs },
    record: createRequestRecorder({ logger, metrics }),
    logger,
  });
  const expressApp = createHttpApp({
    apollo,
    readiness: {
      schemaLoaded: () => seek.schemas.current() !== undefined,
      partnerToken: () => tokens.partnerTokens.get(),
      redisState: () => tokens.store.state,
      timeoutMs: config.seek.authTimeoutMs,
    },
    metrics,
    logger,
    ide: config.graphql.ide,
    ideHeaders: sandboxHeaders,
  });
  const app = createEntry({
    pipeline,
    app: expressApp,
    cors: createCors(config.http.corsOrigins),
    ide: config.graphql.ide !== 'off',
    logger,
  });
  return { app, expressApp };
};

/**
 * Builds the whole gateway from its config and dependencies: loads SEEK's schema and starts
 * Apollo Server, but never listens. The entry file (main.ts) and the tests call this. Each
 * part adds what it opens to one list, closed in reverse order by stop(), or at once when a
 * later part fails to start.
 */
export const createGateway = async (deps: GatewayDeps): Promise<Gateway> => {
  const shared: Shared = {
    config: deps.config,
    logger: deps.logger,
    metrics: deps.metrics ?? createMetrics(),
    clock: deps.clock ?? systemClock,
    http: createHttpClient(),
    closers: [],
  };
  shared.closers.push(() => shared.http.close());
  const closeAll = async () => {
    for (const close of [...shared.closers].reverse()) {
      try {
        await close();
      } catch {
        // Closing is best effort: one part failing to close must not keep the others open.
      }
    }
  };
  try {
    const tokens = buildTokens(shared, deps.sharedStore);
    const seek = await buildSeek(shared, tokens, deps.schemaAttempts ?? 5);
    const { app, expressApp } = await buildHttp(shared, tokens, seek, deps.sandboxHeaders);
    let stopping: Promise<void> | undefined;
    return {
      app,
      expressApp,
      partnerTokens: tokens.partnerTokens,
      partnerCache: tokens.partnerCache,
      browserCache: tokens.browserCache,
      schema: seek.schemas,
      sharedStore: tokens.store,
      metrics: shared.metrics,
      stop: () => (stopping ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
};
