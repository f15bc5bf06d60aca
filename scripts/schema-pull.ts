/**
 * Writes SEEK's schema (introspected) to an SDL file for SEEK_SCHEMA_FILE:
 *   npm run schema:pull -- seek-schema.graphql
 *
 * Uses SEEK_API_URL. If SEEK refuses introspection without a token and SEEK_CLIENT_ID and
 * SEEK_CLIENT_SECRET (or SEEK_CLIENT_SECRET_FILE) are set, it asks again with a partner token
 * from SEEK_AUTH_URL (client credentials, audience SEEK_AUDIENCE). Introspection is retried as at
 * the gateway's start-up (5 attempts, backoff from 250 ms); when it still fails, one line on
 * stderr says what to check, and the exit code is 1. Logs go to stderr, the result to stdout.
 */
import { writeFileSync } from 'node:fs';

import { printSchema } from 'graphql';
import pino from 'pino';

import { keepAliveUntil } from '../src/clock';
import { ConfigError, loadConfig, type Config } from '../src/config';
import {
  createCredentialProvider,
  createCredentialSource,
  CredentialsError,
  describeSource,
} from '../src/credentials';
import { ErrorCode, isGatewayError } from '../src/errors';
import { createLogger, scrubSecrets, type Logger } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';
import { createAuthClient } from '../src/seek/authClient';
import { createHttpClient, type HttpClient } from '../src/seek/httpClient';
import {
  introspectSeekSchema,
  loadSeekSchemaWithRetry,
  SCHEMA_ATTEMPTS,
  SchemaLoadError,
} from '../src/seek/schemaSource';

class PullError extends Error {}

/**
 * A partner token for introspection, fetched once, when SEEK asks for one. The credentials are
 * read from their source (any of them) only then.
 */
const partnerTokenGetter = (config: Config, http: HttpClient, logger: Logger) => {
  const source = config.credentials.source;
  if (!source) return undefined;
  const credentials = createCredentialProvider({
    source: createCredentialSource(source, { production: config.environment === 'production' }),
    refreshSeconds: config.credentials.refreshSeconds,
    timeoutMs: config.credentials.timeoutMs,
    logger,
  });
  const authClient = createAuthClient({
    http,
    authUrl: config.seek.authUrl,
    audience: config.seek.audience,
    credentials,
    userAgent: config.userAgent,
    timeoutMs: config.seek.authTimeoutMs,
    logger,
    metrics: createMetrics(),
  });
  let token: string | undefined;
  return {
    get: async () => {
      await credentials.start();
      token ??= (await authClient.fetchPartnerToken()).accessToken;
      return token;
    },
    close: () => credentials.close(),
  };
};

const pull = async (config: Config, output: string, logger: Logger) => {
  const http = createHttpClient({ connectionsPerOrigin: 2 });
  let closePartner: (() => void) | undefined;
  try {
    const partner = partnerTokenGetter(config, http, logger);
    closePartner = partner?.close;
    const { schema } = await loadSeekSchemaWithRetry(
      () =>
        introspectSeekSchema({
          http,
          apiUrl: config.seek.apiUrl,
          userAgent: config.userAgent,
          timeoutMs: config.seek.timeoutMs,
          getPartnerToken: partner?.get,
        }),
      { attempts: SCHEMA_ATTEMPTS, logger, advice: 'Check SEEK_API_URL.' },
    );
    const sdl = printSchema(schema);
    try {
      writeFileSync(output, sdl);
    } catch (error) {
      throw new PullError(
        `cannot write ${output} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    return { bytes: sdl.length, types: Object.keys(schema.getTypeMap()).length };
  } finally {
    closePartner?.();
    await http.close();
  }
};

/** The one line printed on failure: what went wrong and which variable to check. */
const failureMessage = (error: unknown, config: Config) => {
  if (isGatewayError(error) && error.code === ErrorCode.SeekAuthRejected) {
    const status = /HTTP (\d{3})/.exec(error.message)?.[1];
    const source = config.credentials.source;
    const check = source
      ? describeSource(source).whatToCheck
      : 'SEEK_CLIENT_ID and SEEK_CLIENT_SECRET';
    return (
      `SEEK's auth server (SEEK_AUTH_URL) rejected the client credentials${status ? ` (HTTP ${status})` : ''}. ` +
      `Check ${check}.`
    );
  }
  if (error instanceof CredentialsError) {
    return `cannot read the SEEK credentials: ${scrubSecrets(error.message)}`;
  }
  const message =
    error instanceof SchemaLoadError || error instanceof PullError
      ? error.message
      : `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`;
  return scrubSecrets(message).replace(/\s+/g, ' ').trim();
};

const main = async () => {
  const output = process.argv[2] ?? 'seek-schema.graphql';
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`schema:pull: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({
    level: config.logLevel,
    destination: pino.destination({ dest: 2, sync: true }),
  });
  try {
    // Keeps Node up through every retry backoff: a failure ends with a message and exit 1.
    const { bytes, types } = await keepAliveUntil(pull(config, output, logger));
    process.stdout.write(`wrote ${output}: ${bytes} bytes, ${types} types\n`);
  } catch (error) {
    process.stderr.write(`schema:pull failed: ${failureMessage(error, config)}\n`);
    process.exit(1);
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`schema:pull failed: ${String((error as Error).message ?? error)}\n`);
  process.exit(1);
});
