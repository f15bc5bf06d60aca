import type { RequestListener } from 'node:http';

import type { Express } from 'express';

import { createCallerResolver } from './callers/resolveCaller';
import { createServiceKeySet } from './callers/serviceKeySet';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import {
  createCredentialProvider,
  createCredentialSource,
  type CredentialProvider,
  type CredentialSource,
} from './credentials';
import { createApolloExecution } from './graphql/apolloExecution';
import { createApolloGateway } from './graphql/apolloGateway';
import { createExecutedDocuments } from './graphql/executedDocuments';
import { createApolloServer } from './graphql/apolloServer';
import { createBrowserTokenResolver } from './graphql/browserTokenResolver';
import { buildGatewaySchema } from './graphql/gatewaySchema';
import { createCors } from './http/cors';
import { createHttpApp } from './http/createHttpApp';
import { createEntry } from './http/entry';
import { describeError, type Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { createRequestRecorder } from './observability/requestLog';
import { startTracing, type Tracing } from './observability/tracing';
import { createPipeline } from './pipeline';
import { createAttachmentStage } from './pipeline/attachments';
import { createDownloadGate } from './pipeline/downloadGate';
import { createGatewayDocuments } from './pipeline/gatewayDocuments';
import { createPersistedQueries } from './pipeline/persistedQueries';
import { createApqStore } from './documents/apqStore';
import { createTrustedDocuments, type TrustedDocuments } from './documents/trustedDocuments';
import { createCallerProtection } from './pipeline/protect';
import { createMemoryLimiters, createRedisLimiters } from './protection/limiters';
import { createRefusedTokens } from './protection/refusedTokens';
import { createAttachmentFetcher } from './seek/attachments';
import { createAuthClient } from './seek/authClient';
import { createCallGate } from './seek/callGate';
import { createForwarder, type Forwarder } from './seek/forwarder';
import { createGatedHttpClient } from './seek/gatedHttpClient';
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
import { createRateLimiter } from './protection/rateLimiter';

export interface GatewayDeps {
  config: Config;
  logger: Logger;
  /** @default a fresh registry */
  metrics?: Metrics;
  /** @default the system clock */
  clock?: Clock;
  /** @default Redis as config.redis.connection says, or memory only when unset */
  sharedStore?: SharedStore;
  /** Where the SEEK client credentials come from. @default the source config.credentials names */
  credentialSource?: CredentialSource;
  /** Introspection attempts at start-up. @default 5 */
  schemaAttempts?: number;
  /** Headers Apollo Sandbox starts with. */
  sandboxHeaders?: Record<string, string>;
  /**
   * Tracing already started (main.ts starts it first, so every log line can carry the trace
   * id); stopped with the gateway. @default started from config.tracing (none without an endpoint)
   */
  tracing?: Tracing;
  /** Tests' knobs for caller protection. */
  protection?: {
    /** The rate limits' window, in seconds (the limits stay per window). @default 60 */
    windowSeconds?: number;
    /** How often GATEWAY_API_KEYS_FILE is looked at besides its watch. @default 5000 */
    keysFilePollMs?: number;
  };
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
  /** The SEEK client credentials in use: re-read on rotation; health() for /ready. */
  credentials: CredentialProvider;
  partnerCache: CachedTokenSource;
  browserCache: CachedTokenSource;
  schema: SchemaManager;
  sharedStore: SharedStore;
  metrics: Metrics;
  /** The manifest of trusted documents (PERSISTED_DOCUMENTS_FILE): reload() on SIGHUP. */
  trustedDocuments: TrustedDocuments | undefined;
  /** Stops polling, Apollo Server, Redis and the SEEK connection pool. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Namespaces every Redis key per client ID and SEEK environment (production or Playground),
 * so two gateways with different credentials can share one Redis without mixing tokens. The
 * client ID is the one read at start-up (a store holds it); by default the configured one.
 */
export const cacheKeyPrefix = (config: Config, clientId = configuredClientId(config)) => {
  const environment = new URL(config.seek.audience).host;
  return `seek-gateway:${environment}:${clientId ?? 'none'}`;
};

/** SEEK_CLIENT_ID, for the sources configured with it (the others hold it in their JSON). */
const configuredClientId = (config: Config): string | undefined => {
  const source = config.credentials.source;
  return source?.kind === 'environment' || source?.kind === 'secret-file'
    ? source.clientId
    : undefined;
};

/** What a part of the gateway leaves open; closed in reverse order of creation. */
type Closer = () => Promise<void> | void;

export interface Shared {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  http: HttpClient;
  /** Present only with tracing on. */
  tracing: Tracing | undefined;
  closers: Closer[];
}

/** The provider of the SEEK client credentials, from `source` or the one config names. */
export const createCredentials = (shared: Shared, source?: CredentialSource) => {
  const { config } = shared;
  const configured = config.credentials.source;
  const chosen =
    source ??
    (configured &&
      createCredentialSource(configured, {
        production: config.environment === 'production',
        proxy: config.network.proxy,
        tracing: shared.tracing,
      }));
  if (!chosen) throw new Error('createGateway needs SEEK client credentials');
  return createCredentialProvider({
    source: chosen,
    refreshSeconds: config.credentials.refreshSeconds,
    timeoutMs: config.credentials.timeoutMs,
    logger: shared.logger,
    clock: shared.clock,
  });
};

/**
 * The partner and browser tokens: the client credentials (read here, first of all, so a store
 * that cannot be read stops the start), the shared cache, the two token sources, the rate
 * limit. scripts/doctor.ts builds the same, to check each part.
 */
export const buildTokens = async (
  shared: Shared,
  deps: {
    sharedStore?: SharedStore;
    credentialSource?: CredentialSource;
    /** A provider already made (doctor reads the credentials first, as a check of its own). */
    credentials?: CredentialProvider;
    /** The rate limits' window in seconds. @default 60 */
    rateWindowSeconds?: number;
  } = {},
) => {
  const { config, logger, metrics, clock } = shared;
  const credentials = deps.credentials ?? createCredentials(shared, deps.credentialSource);
  shared.closers.push(() => credentials.close());
  const { clientId, clientSecret } = await credentials.start();
  const store =
    deps.sharedStore ??
    (config.redis.connection
      ? createRedisSharedStore({
          // One Redis, a cluster or a sentinel set; TLS files and the password file are read
          // here, so an unreadable one stops the start with its variable named.
          redis: {
            connection: config.redis.connection,
            tls: config.redis.tls,
            username: config.redis.username,
            password: config.redis.password,
            passwordFile: config.redis.passwordFile,
          },
          commandTimeoutMs: config.redis.commandTimeoutMs,
          logger,
          metrics,
          tracing: shared.tracing,
        })
      : disabledSharedStore);
  shared.closers.push(() => store.close());
  const keyPrefix = cacheKeyPrefix(config, clientId);
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
    // The pipeline reports a refused browser token by the token alone (forget).
    indexByToken: true,
    // One exchange can take two SEEK calls (a 401 refreshes the partner token and retries).
    lockTtlMs: 2 * config.seek.timeoutMs + config.seek.authTimeoutMs + 2_000,
  });
  // Every call to SEEK's GraphQL host (operations, browser-token exchanges) holds one of
  // SEEK_MAX_CONCURRENCY slots; the partner-token exchange with auth.seek.com does not.
  const seekGate = createCallGate({ ...config.protection.seekCalls, metrics });
  const seekHttp = createGatedHttpClient(shared.http, seekGate);
  const authClient = createAuthClient({
    http: shared.http,
    authUrl: config.seek.authUrl,
    audience: config.seek.audience,
    credentials,
    userAgent: config.userAgent,
    timeoutMs: config.seek.authTimeoutMs,
    logger,
    metrics,
  });
  const partnerTokens = createPartnerTokenSource({ cache: partnerCache, authClient });
  const browserTokens = createBrowserTokenService({
    cache: browserCache,
    partnerTokens,
    http: seekHttp,
    browserTokenUrl: config.seek.browserTokenUrl,
    userAgent: config.userAgent,
    timeoutMs: config.seek.timeoutMs,
    clock,
    logger,
    metrics,
  });
  // The rate limits count in the token cache's Redis (same client, same bounds), per replica without it.
  const windowSeconds = deps.rateWindowSeconds ?? 60;
  const limiters = store.redisClient
    ? createRedisLimiters({
        client: store.redisClient,
        keyPrefix,
        commandTimeoutMs: config.redis.commandTimeoutMs,
        windowSeconds,
        onFallback: () => metrics.rateLimitFallbacks.inc(),
        tracing: shared.tracing,
      })
    : createMemoryLimiters({ windowSeconds });
  const rateLimiter = createRateLimiter({
    limitPerMinute: config.browserTokens.ratePerMinute,
    limiters,
  });
  return {
    credentials,
    keyPrefix,
    store,
    authClient,
    partnerCache,
    browserCache,
    partnerTokens,
    browserTokens,
    rateLimiter,
    limiters,
    seekGate,
    seekHttp,
  };
};

type Tokens = Awaited<ReturnType<typeof buildTokens>>;

/** SEEK access: the forwarder and the schema manager (loaded, then polled). */
const buildSeek = async (
  shared: Shared,
  tokens: Tokens,
  schemaAttempts: number,
  /** The manifest, built after the schema it is judged against: browserToken(documents:). */
  trustedDocuments: () => TrustedDocuments | undefined,
) => {
  const { config, logger, metrics } = shared;
  const forwarder = createForwarder({
    http: tokens.seekHttp,
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
    trustedDocuments,
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

/**
 * The manifest of trusted documents, when PERSISTED_DOCUMENTS_FILE is set: judged against the
 * schema now (a bad document stops the start, named), again on every schema change, and
 * re-read when the file changes (SIGHUP too, in main.ts).
 */
const buildTrustedDocuments = (
  shared: Shared,
  schemas: SchemaManager,
  prepare: Parameters<typeof createTrustedDocuments>[0]['prepare'],
): TrustedDocuments | undefined => {
  const file = shared.config.documents.file;
  if (!file) return undefined;
  const trusted = createTrustedDocuments({
    file,
    prepare,
    currentSchema: () => schemas.current()?.api,
    logger: shared.logger,
    metrics: shared.metrics,
  });
  trusted.load();
  const unsubscribe = schemas.onChange((version) => trusted.schemaChanged(version.api));
  trusted.watch();
  shared.closers.push(() => {
    unsubscribe();
    trusted.close();
  });
  return trusted;
};

/**
 * GET /attachments' stage: downloads go through a pool of their own to SEEK (at most
 * ATTACHMENT_MAX_CONCURRENCY connections), never the one operations use, and the gate bounds
 * how many run at once, so held-open downloads cannot starve GraphQL calls.
 */
const buildAttachments = (
  shared: Shared,
  tokens: Tokens,
  onBrowserTokenRefused: (accessToken: string) => void,
) => {
  const { config } = shared;
  const { attachments } = config;
  const http = createHttpClient({
    connectionsPerOrigin: attachments.maxConcurrency,
    proxy: config.network.proxy,
    tracing: shared.tracing,
  });
  shared.closers.push(() => http.close());
  return createAttachmentStage({
    fetcher: createAttachmentFetcher({
      http,
      userAgent: config.userAgent,
      timeoutMs: config.seek.timeoutMs,
      idleTimeoutMs: attachments.idleTimeoutMs,
      partnerTokens: tokens.partnerTokens,
      metrics: shared.metrics,
    }),
    // The one origin attachments come from: SEEK's (the simulator's in the embedded default).
    seekOrigin: new URL(config.seek.apiUrl).origin,
    maxBytes: attachments.maxBytes,
    timeoutMs: attachments.timeoutMs,
    gate: createDownloadGate(attachments),
    onBrowserTokenRefused,
  });
};

/** HTTP: Apollo Server (execution, Sandbox), the one pipeline, probes and the entry. */
const buildHttp = async (
  shared: Shared,
  tokens: Tokens,
  seek: { forwarder: Forwarder; schemas: SchemaManager },
  sandboxHeaders: Record<string, string> | undefined,
  keysFilePollMs: number | undefined,
) => {
  const { config, logger, metrics } = shared;
  const serviceKeys = createServiceKeySet({
    environmentKeys: config.serviceKeys,
    file: config.protection.serviceKeysFile,
    logger,
    pollMs: keysFilePollMs,
  });
  shared.closers.push(() => serviceKeys.close());
  const apollo = createApolloServer({
    gateway: createApolloGateway(seek.schemas),
    introspection: config.graphql.introspection,
    sandbox: config.graphql.sandbox,
    production: config.environment === 'production',
    logger,
    sandboxHeaders,
    executedDocuments: createExecutedDocuments().store,
  });
  await apollo.start();
  shared.closers.push(() => apollo.stop());

  const documents = createGatewayDocuments(config.graphql, {
    hideSuggestions: config.environment === 'production',
  });
  const trustedDocuments = buildTrustedDocuments(shared, seek.schemas, documents.prepareUncached);
  const protection = createCallerProtection({
    limits: config.protection.rateLimits,
    limiters: tokens.limiters,
    refusedTokens: createRefusedTokens({ clock: shared.clock }),
    trustProxyHops: config.protection.trustProxyHops,
    metrics,
  });
  // The windows of services whose keys are gone are dropped with them.
  serviceKeys.onNamesChange((names) => protection.keepServices(names));
  // A browser token SEEK refused as a whole, on any path: answered UNAUTHENTICATED from memory
  // next time (caller protection), and not handed out again by browserToken.
  const onBrowserTokenRefused = (accessToken: string) => {
    protection.rememberRefused(accessToken);
    tokens.browserTokens.forget(accessToken).catch((error: unknown) => {
      logger.warn({ err: describeError(error) }, 'could not drop a refused browser token');
    });
  };
  const pipeline = createPipeline({
    currentSchema: () => seek.schemas.current()?.api,
    callers: createCallerResolver({
      serviceKeys: serviceKeys.match,
      userJwt:
        config.auth.issuer && config.auth.audience
          ? {
              issuer: config.auth.issuer,
              audience: config.auth.audience,
              secret: config.auth.secret,
              jwksUrl: config.auth.jwksUrl,
              jwksTimeoutMs: config.auth.jwksTimeoutMs,
              hirerClaim: config.auth.hirerClaim,
              proxy: config.network.proxy,
              tracing: shared.tracing,
              onAccepted: (how) =>
                metrics.tokenCache.inc({
                  kind: 'user_jwt',
                  result: how === 'cached' ? 'memory_hit' : 'miss',
                }),
            }
          : undefined,
    }),
    documents,
    persistedQueries: createPersistedQueries({
      trusted: trustedDocuments,
      apq: createApqStore({
        store: tokens.store,
        keyPrefix: tokens.keyPrefix,
        ttlMs: config.documents.apq.ttlSeconds * 1_000,
        maxEntries: config.documents.apq.maxEntries,
        maxDocumentChars: config.documents.apq.maxDocumentChars,
        limiters: tokens.limiters,
        metrics,
      }),
      required: config.documents.required,
    }),
    protection,
    forwarder: seek.forwarder,
    execute: createApolloExecution(apollo, seek.forwarder),
    attachments: buildAttachments(shared, tokens, onBrowserTokenRefused),
    onBrowserTokenRefused,
    body: { maxBytes: config.http.maxBodyBytes, timeoutMs: config.http.bodyTimeoutMs },
    record: createRequestRecorder({ logger, metrics, traceIdOf: shared.tracing?.activeTraceId }),
    logger,
    tracing: shared.tracing,
  });
  const expressApp = createHttpApp({
    apollo,
    readiness: {
      schemaLoaded: () => seek.schemas.current() !== undefined,
      partnerToken: () => tokens.partnerTokens.get(),
      redisState: () => tokens.store.state,
      redisReason: () => tokens.store.reason,
      credentials: () => tokens.credentials.health().state,
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
  return { app, expressApp, trustedDocuments };
};

/**
 * Builds the whole gateway from its config and dependencies: loads SEEK's schema and starts
 * Apollo Server, but never listens. The entry file (main.ts) and the tests call this. Each
 * part adds what it opens to one list, closed in reverse order by stop(), or at once when a
 * later part fails to start.
 */
export const createGateway = async (deps: GatewayDeps): Promise<Gateway> => {
  const metrics = deps.metrics ?? createMetrics();
  const { proxy } = deps.config.network;
  const tracing = deps.tracing ?? startTracing(deps.config.tracing, { proxy, metrics });
  const shared: Shared = {
    config: deps.config,
    logger: deps.logger,
    metrics,
    clock: deps.clock ?? systemClock,
    http: createHttpClient({ proxy, tracing }),
    tracing,
    closers: [],
  };
  // Closed last: the spans of everything else's closing go out too, within the SDK's bound.
  if (tracing) shared.closers.push(() => tracing.shutdown());
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
    const tokens = await buildTokens(shared, {
      ...deps,
      rateWindowSeconds: deps.protection?.windowSeconds,
    });
    // Set once the manifest is built, which needs the schema buildSeek loads.
    const late: { trusted?: TrustedDocuments } = {};
    const seek = await buildSeek(shared, tokens, deps.schemaAttempts ?? 5, () => late.trusted);
    const { app, expressApp, trustedDocuments } = await buildHttp(
      shared,
      tokens,
      seek,
      deps.sandboxHeaders,
      deps.protection?.keysFilePollMs,
    );
    late.trusted = trustedDocuments;
    let stopping: Promise<void> | undefined;
    return {
      app,
      expressApp,
      partnerTokens: tokens.partnerTokens,
      credentials: tokens.credentials,
      partnerCache: tokens.partnerCache,
      browserCache: tokens.browserCache,
      schema: seek.schemas,
      sharedStore: tokens.store,
      metrics: shared.metrics,
      trustedDocuments,
      stop: () => (stopping ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
};
