import { z } from 'zod';

import { attachmentsGroup } from './groups/attachments';
import { authGroup } from './groups/auth';
import { browserTokensGroup } from './groups/browserTokens';
import { credentialsGroup } from './groups/credentials';
import { documentsGroup } from './groups/documents';
import { graphqlGroup } from './groups/graphql';
import { httpGroup } from './groups/http';
import { loggingGroup } from './groups/logging';
import { networkGroup } from './groups/network';
import { protectionGroup } from './groups/protection';
import { redisGroup } from './groups/redis';
import { seekGroup } from './groups/seek';
import { serverGroup } from './groups/server';
import { serviceKeysGroup } from './groups/serviceKeys';
import { tokenCacheGroup } from './groups/tokenCache';
import { tracingGroup } from './groups/tracing';

/**
 * One schema per group; each reads its own variables from the environment object (a rule
 * that depends on production reads NODE_ENV itself) and yields that group's part of Config.
 * A rule between variables runs once the values it reads are well formed, whatever the
 * rest holds, so one start-up attempt reports every problem it can.
 */
const groups = {
  server: serverGroup,
  seek: seekGroup,
  credentials: credentialsGroup,
  redis: redisGroup,
  tokenCache: tokenCacheGroup,
  serviceKeys: serviceKeysGroup,
  auth: authGroup,
  browserTokens: browserTokensGroup,
  protection: protectionGroup,
  http: httpGroup,
  attachments: attachmentsGroup,
  graphql: graphqlGroup,
  documents: documentsGroup,
  logging: loggingGroup,
  network: networkGroup,
  tracing: tracingGroup,
};

/** Every environment variable the configuration reads. */
export const CONFIG_VARIABLES: readonly string[] = [
  ...new Set(Object.values(groups).flatMap((group) => Object.keys(group.in.shape))),
];

/** Every group parses the same environment object. */
const eachGroupReads = (env: unknown) =>
  Object.fromEntries(Object.keys(groups).map((name) => [name, env]));

export const configSchema = z
  .preprocess(eachGroupReads, z.object(groups))
  .transform(({ server, seek, logging, ...rest }) => ({
    environment: server.environment,
    port: server.port,
    host: server.host,
    /** True when no SEEK credentials are set outside production: run on the built-in simulator. */
    embeddedSimulator: server.environment !== 'production' && !rest.credentials.source,
    seek,
    credentials: rest.credentials,
    redis: rest.redis,
    tokenCache: rest.tokenCache,
    serviceKeys: rest.serviceKeys,
    auth: rest.auth,
    browserTokens: rest.browserTokens,
    /** Service keys file, rate limits, client address, the bound on calls to SEEK. */
    protection: rest.protection,
    http: rest.http,
    /** GET /attachments: size and idle-time limits. */
    attachments: rest.attachments,
    graphql: rest.graphql,
    /** Trusted documents (the manifest, safelisting) and APQ. */
    documents: rest.documents,
    /** The metrics listener (METRICS_PORT) and the outbound proxy. */
    network: rest.network,
    /** OpenTelemetry (OTEL_*): where spans go, or undefined for no tracing. */
    tracing: rest.tracing,
    userAgent: server.userAgent,
    logLevel: logging.level,
  }));

export type Config = z.output<typeof configSchema>;
