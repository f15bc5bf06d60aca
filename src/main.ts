import { createServer, type RequestListener, type Server } from 'node:http';

import { createGateway, type Gateway } from './app';
import { keepAliveUntil } from './clock';
import { ConfigError, loadConfig, type Config } from './config';
import { CredentialsError, rejectedCredentialsAdvice } from './credentials';
import type { EmbeddedDefault } from './dev/embedded';
import { ManifestError } from './documents/manifest';
import { loadEmbeddedDefault, NO_EMBEDDED_DEFAULT } from './embeddedEntry';
import { ErrorCode, isGatewayError } from './errors';
import { createMetricsListener } from './http/createHttpApp';
import { answerDraining, isReadinessPath } from './http/probes';
import {
  createLogger,
  describeError,
  scrubbedLine,
  shownUrl,
  type Logger,
} from './observability/logger';
import { createMetrics } from './observability/metrics';
import { startTracing, type Tracing } from './observability/tracing';
import { releaseStartupMemory } from './releaseStartupMemory';
import { growHeapForServing } from './servingHeap';
import { SchemaLoadError } from './seek/schemaSource';

/** A start-up failure whose message is the one line the operator reads: what to fix. */
class StartupError extends Error {
  override name = 'StartupError';
}

const DETAILS_IN_LOG = ' (details in the log)';

const oneLine = scrubbedLine;

/** The one line a failed start-up prints on stderr: what went wrong and which variable to fix. */
const startupFailureMessage = (error: unknown, config: Config): string => {
  if (error instanceof StartupError) return error.message;
  // Its message names the variable (or the field of the secret's JSON) to fix, never a value.
  if (error instanceof CredentialsError)
    return `cannot read the SEEK credentials: ${oneLine(error.message)}`;
  if (isGatewayError(error) && error.code === ErrorCode.SeekAuthRejected)
    return rejectedCredentialsAdvice(
      error,
      config.credentials.source,
      shownUrl(config.seek.authUrl),
    );
  // Its message names the file and every document that does not validate (id, name, why).
  if (error instanceof ManifestError) return `PERSISTED_DOCUMENTS_FILE ${oneLine(error.message)}`;
  if (error instanceof SchemaLoadError) {
    // Its message names the variable to check (SEEK_SCHEMA_FILE, SEEK_API_URL, …); add the URL.
    return oneLine(error.message)
      .replace('SEEK_API_URL', `SEEK_API_URL (${shownUrl(config.seek.apiUrl)})`)
      .replace('SEEK_AUTH_URL', `SEEK_AUTH_URL (${shownUrl(config.seek.authUrl)})`);
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof MetricsListenError) {
    return `cannot listen on HOST ${config.host} METRICS_PORT ${config.network.metrics.port} (${error.code}). Set METRICS_PORT to a free port, other than PORT.`;
  }
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return `cannot listen on HOST ${config.host} PORT ${config.port} (${code}). Set PORT (or HOST) to a free address.`;
  }
  if (error instanceof Error) return `${error.name}: ${oneLine(error.message)}${DETAILS_IN_LOG}`;
  return `${oneLine(String(error))}${DETAILS_IN_LOG}`;
};

/** The metrics listener could not bind METRICS_PORT. */
class MetricsListenError extends Error {
  override name = 'MetricsListenError';
  constructor(readonly code: string) {
    super(`cannot listen on METRICS_PORT (${code})`);
  }
}

/**
 * Once SIGTERM has arrived, `/ready` answers 503 `{"status":"draining"}` on either port, at
 * once, while in-flight requests finish; everything else is served as before.
 */
const drainAware =
  (listener: RequestListener, draining: () => boolean): RequestListener =>
  (req, res) => {
    if (draining() && isReadinessPath(req.url)) return answerDraining(res);
    listener(req, res);
  };

const listen = (listener: RequestListener, config: Config) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer(listener);
    server.listen(config.port, config.host, () => resolve(server));
    server.once('error', reject);
    // Slightly longer than typical load balancer idle timeouts, so they close first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    // Node's own bound on receiving a whole request, behind the pipeline's HTTP_BODY_TIMEOUT_MS
    // (which answers 408 with the gateway's error body first): a backstop, never the rule.
    server.requestTimeout = Math.max(server.headersTimeout, config.http.bodyTimeoutMs + 5_000);
  });

/**
 * The second listener, on METRICS_PORT: `/metrics` and `/ready` only. It stays open through
 * the drain (the public one stops accepting at SIGTERM), so a probe sees `draining`. Its
 * default port already taken (a second gateway on one machine) is a warning and no listener;
 * a METRICS_PORT set explicitly that cannot be had stops the start.
 */
const listenMetrics = (listener: RequestListener, config: Config, logger: Logger) =>
  new Promise<Server | undefined>((resolve, reject) => {
    const server = createServer(createMetricsListener(listener));
    server.requestTimeout = 10_000;
    server.headersTimeout = 10_000;
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' && !config.network.metrics.portSet) {
        logger.warn(
          { metricsPort: config.network.metrics.port },
          'the default METRICS_PORT is in use: no metrics listener (/metrics and /ready stay on PORT); set METRICS_PORT to have one',
        );
        resolve(undefined);
        return;
      }
      reject(new MetricsListenError(error.code ?? 'error'));
    });
    server.listen(config.network.metrics.port, config.host, () => resolve(server));
  });

/**
 * Gets a partner token once at start-up, so wrong credentials stop the process now rather than
 * fail every request later. An auth server that is merely down does not block the start: the
 * gateway listens, /ready answers 503 until a token comes, and requests retry the exchange.
 */
const checkPartnerToken = async (gateway: Gateway, logger: Logger) => {
  try {
    await gateway.partnerTokens.get();
    logger.info('partner token obtained');
  } catch (error) {
    if (isGatewayError(error) && error.code === ErrorCode.SeekAuthRejected) throw error;
    logger.warn(
      { err: { message: (error as Error).message } },
      'no partner token at start-up (SEEK_AUTH_URL unreachable?); starting anyway, /ready stays 503 until one is obtained',
    );
  }
};

interface Running {
  config: Config;
  gateway: Gateway;
  server: Server;
  metricsServer: Server | undefined;
  embedded: EmbeddedDefault | undefined;
}

/** Set at SIGTERM / SIGINT: `/ready` answers `draining` from then on. */
let draining = false;

const start = async (
  loaded: Config,
  logger: Logger,
  observability: { metrics: ReturnType<typeof createMetrics>; tracing: Tracing | undefined },
): Promise<Running> => {
  let config = loaded;
  let embedded: EmbeddedDefault | undefined;
  if (config.embeddedSimulator) {
    const entry = loadEmbeddedDefault();
    if (!entry) throw new StartupError(NO_EMBEDDED_DEFAULT);
    embedded = await entry.startEmbeddedDefault(config, logger);
    config = embedded.config;
  }
  const gateway = await createGateway({
    config,
    logger,
    sandboxHeaders: embedded?.sandboxHeaders,
    metrics: observability.metrics,
    tracing: observability.tracing,
  });
  await checkPartnerToken(gateway, logger);
  // Start-up's garbage and grown young generation given back now, not ~10 s after listening.
  await releaseStartupMemory();
  growHeapForServing();
  const listener = drainAware(gateway.app, () => draining);
  const server = await listen(listener, config);
  let metricsServer: Server | undefined;
  try {
    metricsServer = await listenMetrics(listener, config, logger);
  } catch (error) {
    server.close();
    throw error;
  }
  return { config, gateway, server, metricsServer, embedded };
};

const main = async () => {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Tracing first (only with an OTLP endpoint), so every log line can carry the trace id.
  const metrics = createMetrics();
  const tracing = startTracing(config.tracing, { proxy: config.network.proxy, metrics });
  const logger = createLogger({
    level: config.logLevel,
    traceIdOf: tracing?.activeTraceId,
    onDropped: (lines) => metrics.logLinesDropped.inc(lines),
  });
  let running: Running;
  try {
    // Nothing else may be pending during a retry backoff: this keeps Node up until start-up
    // has succeeded or failed, so a failure always ends with a message and a non-zero exit.
    running = await keepAliveUntil(start(config, logger, { metrics, tracing }));
  } catch (error) {
    const message = startupFailureMessage(error, config);
    // The log gets the detail (a stack, for the unexpected); stderr gets one line, no stack.
    logger.fatal(
      message.endsWith(DETAILS_IN_LOG)
        ? { reason: message, error: describeError(error) }
        : { reason: message },
      'gateway failed to start',
    );
    logger.flush();
    process.stderr.write(`gateway failed to start: ${message}\n`);
    process.exit(1);
  }
  const { gateway, server, metricsServer, embedded } = running;
  config = running.config;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const metricsAddress = metricsServer?.address();
  const metricsPort =
    typeof metricsAddress === 'object' && metricsAddress ? metricsAddress.port : undefined;
  logger.info(
    {
      port,
      metricsPort,
      environment: config.environment,
      ide: config.graphql.ide,
      redis: config.redis.connection ? config.redis.connection.mode : 'memory',
    },
    `gateway listening on http://localhost:${port}/graphql`,
  );

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    // First of all: /ready says `draining`, so no new request is routed here.
    draining = true;
    logger.info(
      { signal, timeoutMs: config.http.shutdownTimeoutMs },
      'shutting down: finishing in-flight requests',
    );
    // SHUTDOWN_TIMEOUT_MS bounds the whole shutdown: once it passes, connections are cut and
    // the gateway's own stop is not waited for (its pool would wait for SEEK calls whose
    // clients are already gone).
    let timedOut!: () => void;
    const deadline = new Promise<void>((resolve) => (timedOut = resolve));
    const force = setTimeout(() => {
      logger.warn('shutdown timeout reached; closing remaining connections');
      server.closeAllConnections();
      metricsServer?.closeAllConnections();
      timedOut();
    }, config.http.shutdownTimeoutMs);
    force.unref();
    // Last resort, should a close never call back: the process still ends, shortly after the bound.
    setTimeout(() => process.exit(0), config.http.shutdownTimeoutMs + 2_000);
    // Stop accepting, let in-flight requests finish; idle keep-alive sockets close now.
    server.close(() => {
      void (async () => {
        logger.info('http server closed; stopping the gateway');
        await Promise.race([gateway.stop(), deadline]);
        clearTimeout(force);
        logger.info('gateway stopped');
        await embedded?.close();
        metricsServer?.closeAllConnections();
        metricsServer?.close();
        logger.info('shutdown complete');
        logger.flush();
        process.exit(0);
      })();
    });
    server.closeIdleConnections();
  };
  // Re-reads the manifest of trusted documents; a bad one keeps the last good (and logs why).
  process.on('SIGHUP', () => {
    if (!gateway.trustedDocuments) {
      logger.info('SIGHUP: no PERSISTED_DOCUMENTS_FILE to reload');
      return;
    }
    gateway.trustedDocuments.reload('SIGHUP');
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Lines are written in batches; start-up's go out now, for whoever is watching the start, and
  // only now: whoever acts on "listening" (a SIGTERM) finds the handlers in place.
  logger.flush();
};

main().catch((error: unknown) => {
  const { type, message } = describeError(error);
  process.stderr.write(
    `gateway failed to start: ${String(type)}: ${oneLine(typeof message === 'string' ? message : '')}\n`,
  );
  process.exit(1);
});
