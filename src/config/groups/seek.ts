import { readFileSync } from 'node:fs';

import { z } from 'zod';

import {
  evenIfMalformed,
  httpsInProduction,
  integer,
  optionalInteger,
  optionalString,
  reportCombination,
  runtimeEnvironment,
  url,
} from '../fields';

/** The secret file's path and its content, read once at start-up. */
const secretFile = optionalString.transform((path, ctx) => {
  if (path === undefined) return undefined;
  try {
    const secret = readFileSync(path, 'utf8').trim();
    if (!secret) ctx.addIssue({ code: 'custom', message: 'the file is empty' });
    return { path, secret };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    ctx.addIssue({ code: 'custom', message: `cannot be read (${code})` });
    return { path, secret: undefined };
  }
});

/**
 * SEEK's endpoints and the partner credentials. The secret comes from SEEK_CLIENT_SECRET or
 * is read once, here, from SEEK_CLIENT_SECRET_FILE. Production requires credentials (the
 * simulator never runs there) and TLS to SEEK.
 */
export const seekGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    SEEK_API_URL: url('https://graphql.seek.com/graphql'),
    SEEK_BROWSER_TOKEN_URL: url('https://graphql.seek.com/auth/token'),
    SEEK_AUTH_URL: url('https://auth.seek.com/oauth/token'),
    SEEK_AUDIENCE: url('https://graphql.seek.com'),
    SEEK_CLIENT_ID: optionalString,
    SEEK_CLIENT_SECRET: optionalString,
    SEEK_CLIENT_SECRET_FILE: secretFile,
    SEEK_TIMEOUT_MS: integer(10_000, 100, 120_000),
    SEEK_AUTH_TIMEOUT_MS: integer(5_000, 100, 60_000),
    SEEK_SCHEMA_FILE: optionalString,
    SEEK_SCHEMA_POLL_MS: optionalInteger(1_000, 86_400_000),
  })
  .superRefine(
    (values, ctx) => {
      const hasId = Boolean(values.SEEK_CLIENT_ID);
      const hasSecret = Boolean(values.SEEK_CLIENT_SECRET || values.SEEK_CLIENT_SECRET_FILE);
      if (values.SEEK_CLIENT_SECRET && values.SEEK_CLIENT_SECRET_FILE) {
        reportCombination(
          ctx,
          'SEEK_CLIENT_SECRET and SEEK_CLIENT_SECRET_FILE: set only one of them',
        );
      }
      if (hasId && !hasSecret) {
        reportCombination(
          ctx,
          'required when SEEK_CLIENT_ID is set (or SEEK_CLIENT_SECRET_FILE)',
          'SEEK_CLIENT_SECRET',
        );
      }
      if (!hasId && hasSecret) {
        reportCombination(ctx, 'required when a client secret is set', 'SEEK_CLIENT_ID');
      }
      if (values.NODE_ENV === 'production' && !hasId) {
        reportCombination(
          ctx,
          'required when NODE_ENV=production (the simulator never runs in production)',
          'SEEK_CLIENT_ID',
        );
      }
    },
    { when: evenIfMalformed },
  )
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
    clientId: values.SEEK_CLIENT_ID,
    /** Resolved secret (from SEEK_CLIENT_SECRET or the file at start-up). */
    clientSecret: values.SEEK_CLIENT_SECRET ?? values.SEEK_CLIENT_SECRET_FILE?.secret,
    clientSecretFile: values.SEEK_CLIENT_SECRET_FILE?.path,
    timeoutMs: values.SEEK_TIMEOUT_MS,
    authTimeoutMs: values.SEEK_AUTH_TIMEOUT_MS,
    schemaFile: values.SEEK_SCHEMA_FILE,
    schemaPollMs: values.SEEK_SCHEMA_POLL_MS,
  }));

export type SeekConfig = z.output<typeof seekGroup>;
