import { z } from 'zod';

import {
  httpsInProduction,
  integer,
  optionalInteger,
  optionalString,
  runtimeEnvironment,
  url,
} from '../fields';

/**
 * SEEK's endpoints, the audience, and how long a call to them may take; TLS to SEEK in
 * production. The client credentials are a group of their own (credentials.ts).
 */
export const seekGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    SEEK_API_URL: url('https://graphql.seek.com/graphql'),
    SEEK_BROWSER_TOKEN_URL: url('https://graphql.seek.com/auth/token'),
    SEEK_AUTH_URL: url('https://auth.seek.com/oauth/token'),
    SEEK_AUDIENCE: url('https://graphql.seek.com'),
    SEEK_TIMEOUT_MS: integer(10_000, 100, 120_000),
    SEEK_AUTH_TIMEOUT_MS: integer(5_000, 100, 60_000),
    SEEK_SCHEMA_FILE: optionalString,
    SEEK_SCHEMA_POLL_MS: optionalInteger(1_000, 86_400_000),
  })
  .check(
    httpsInProduction('SEEK_API_URL'),
    httpsInProduction('SEEK_AUTH_URL'),
    httpsInProduction('SEEK_BROWSER_TOKEN_URL'),
  )
  .transform((values) => ({
    apiUrl: values.SEEK_API_URL,
    browserTokenUrl: values.SEEK_BROWSER_TOKEN_URL,
    authUrl: values.SEEK_AUTH_URL,
    audience: values.SEEK_AUDIENCE,
    timeoutMs: values.SEEK_TIMEOUT_MS,
    authTimeoutMs: values.SEEK_AUTH_TIMEOUT_MS,
    schemaFile: values.SEEK_SCHEMA_FILE,
    schemaPollMs: values.SEEK_SCHEMA_POLL_MS,
  }));

export type SeekConfig = z.output<typeof seekGroup>;
