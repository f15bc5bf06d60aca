import { createServer, type Server } from 'node:http';

import { createGateway, type Gateway } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, describeError, type Logger } from './observability/logger';
import type { SeekSimulator } from './seek/simulator';

/**
 * With no SEEK credentials outside production: start the built-in SEEK simulator, point the
 * config at it, and make a development service key and user JWT for Apollo Sandbox.
 */
const useEmbeddedSimulator = async (config: Config, logger: Logger) => {
  // Loaded only here: a production gateway never pays for the simulator's code.
  const { startSeekSimulator } = await import('./seek/simulator');
  const { DEV_JWT_AUDIENCE, DEV_JWT_ISSUER, mintUserJwt, randomJwtSecret, randomServiceKey } =
    await import('./dev/devCredentials');
  const simulator = await startSeekSimulator({ audience: config.seek.audience });
  const serviceKey = config.serviceKeys[0] ?? randomServiceKey();
  const jwtSecret = config.auth.secret ?? randomJwtSecret();
  const auth =
    config.auth.issuer && config.auth.audience
      ? config.auth
      : {
          ...config.auth,
          issuer: DEV_JWT_ISSUER,
          audience: DEV_JWT_AUDIENCE,
          secret: jwtSecret,
          jwksUrl: undefined,
        };
  const embedded: Config = {
    ...config,
    serviceKeys: config.serviceKeys.length > 0 ? config.serviceKeys : [serviceKey],
    auth,
    seek: {
      ...config.seek,
      apiUrl: simulator.graphqlUrl,
      authUrl: simulator.authUrl,
      browserTokenUrl: simulator.browserTokenUrl,
      clientId: simulator.clientId,
      clientSecret: simulator.clientSecret,
      clientSecretFile: undefined,
    },
  };
  const hirer = simulator.hirers[0];
  const userToken =
    auth.secret && auth.issuer && auth.audience && hirer
      ? await mintUserJwt({
          secret: auth.secret,
          issuer: auth.issuer,
          audience: auth.audience,
          userId: 'dev-user-1',
          hirerIds: [hirer.id],
          hirerClaim: auth.hirerClaim,
        })
      : undefined;
  // The one place the gateway prints credentials: made-up ones, for the simulator only.
  logger.info(
    {
      mode: 'embedded-simulator',
      simulator: simulator.url,
      cache: config.redis.url ? 'redis' : 'memory',
    },
    'running on the embedded default: built-in SEEK simulator (set SEEK_CLIENT_ID and SEEK_CLIENT_SECRET to use SEEK)',
  );
  process.stdout.write(
    [
      '',
      '  Embedded default: SEEK simulator, development credentials (not for production).',
      `  Service key (Authorization: Bearer …): ${serviceKey}`,
      userToken ? `  User token for hirer ${hirer?.id}: ${userToken}` : '',
      '',
    ].join('\n') + '\n',
  );
  return { config: embedded, simulator, sandboxHeaders: { Authorization: `Bearer ${serviceKey}` } };
};

const listen = (gateway: Gateway, config: Config) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer(gateway.app);
    server.listen(config.port, config.host, () => resolve(server));
    server.once('error', reject);
    // Slightly longer than typical load balancer idle timeouts, so they close first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  });

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
  const logger = createLogger({ level: config.logLevel });
  let simulator: SeekSimulator | undefined;
  let sandboxHeaders: Record<string, string> | undefined;
  if (config.embeddedSimulator) {
    ({ config, simulator, sandboxHeaders } = await useEmbeddedSimulator(config, logger));
  }
  const gateway = await createGateway({ config, logger, sandboxHeaders });
  const server = await listen(gateway, config);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    {
      port,
      environment: config.environment,
      sandbox: config.graphql.sandbox,
      redis: config.redis.url ? 'configured' : 'memory',
    },
    `gateway listening on http://localhost:${port}/graphql`,
  );

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
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
        await simulator?.close();
        logger.info('shutdown complete');
        logger.flush();
        process.exit(0);
      })();
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
};

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${JSON.stringify(describeError(error))}\n`);
  process.exit(1);
});
