/**
 * What `npm run schema:pull` and `npm run schema:print` share: loading SEEK's schema the way the
 * gateway does at start-up (SEEK_SCHEMA_FILE, or introspection with bounded retries and the
 * partner token when SEEK asks for one), and the one line printed when that fails.
 */
import type { GraphQLSchema } from 'graphql';

import type { Config } from '../../src/config';
import {
  createCredentialProvider,
  createCredentialSource,
  CredentialsError,
  rejectedCredentialsAdvice,
} from '../../src/credentials';
import { ErrorCode, isGatewayError } from '../../src/errors';
import { scrubSecrets, scrubbedLine, type Logger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { createAuthClient } from '../../src/seek/authClient';
import { createHttpClient, type HttpClient } from '../../src/seek/httpClient';
import {
  introspectSeekSchema,
  loadSeekSchemaWithRetry,
  readSchemaFile,
  SCHEMA_ATTEMPTS,
  SchemaLoadError,
} from '../../src/seek/schemaSource';

/** A failure whose message is the one line to print. */
export class ScriptError extends Error {}

/**
 * A partner token for introspection, fetched once, when SEEK asks for one. The credentials are
 * read from their source (any of them) only then.
 */
const partnerTokenGetter = (config: Config, http: HttpClient, logger: Logger) => {
  const source = config.credentials.source;
  if (!source) return undefined;
  const credentials = createCredentialProvider({
    source: createCredentialSource(source, {
      production: config.environment === 'production',
      proxy: config.network.proxy,
    }),
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

/** SEEK's schema by introspection of SEEK_API_URL, retried as at the gateway's start-up. */
export const introspectSeek = async (config: Config, logger: Logger): Promise<GraphQLSchema> => {
  const http = createHttpClient({ connectionsPerOrigin: 2, proxy: config.network.proxy });
  const partner = partnerTokenGetter(config, http, logger);
  try {
    const getPartnerToken = partner?.get;
    const { schema } = await loadSeekSchemaWithRetry(
      () =>
        introspectSeekSchema({
          http,
          apiUrl: config.seek.apiUrl,
          userAgent: config.userAgent,
          timeoutMs: config.seek.timeoutMs,
          getPartnerToken,
        }),
      { attempts: SCHEMA_ATTEMPTS, logger, advice: 'Check SEEK_API_URL.' },
    );
    return schema;
  } finally {
    partner?.close();
    await http.close();
  }
};

/** SEEK's schema as the gateway would load it: SEEK_SCHEMA_FILE when set, else introspection. */
export const loadSeekSchema = async (config: Config, logger: Logger): Promise<GraphQLSchema> =>
  config.seek.schemaFile
    ? readSchemaFile(config.seek.schemaFile).schema
    : introspectSeek(config, logger);

/** The one line printed on failure: what went wrong and which variable to check. */
export const failureMessage = (error: unknown, config: Config) => {
  if (isGatewayError(error) && error.code === ErrorCode.SeekAuthRejected)
    return rejectedCredentialsAdvice(error, config.credentials.source, undefined);
  if (error instanceof CredentialsError) {
    return `cannot read the SEEK credentials: ${scrubSecrets(error.message)}`;
  }
  const message =
    error instanceof SchemaLoadError || error instanceof ScriptError
      ? error.message
      : `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`;
  return scrubbedLine(message);
};
