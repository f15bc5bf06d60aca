import { readFileSync } from 'node:fs';
import { z } from 'zod';

import packageJson from '../../package.json';
import { decodeEncryptionKey } from '../tokens/cache/encryption';

/** The scopes SEEK names in its schema; BROWSER_TOKEN_SCOPES may narrow them further. */
export const SCOPE_PATTERN = /^(query|mutate|download):[a-z][a-z-]*$/;

export type RuntimeEnvironment = 'production' | 'development' | 'test';

export interface SeekConfig {
  apiUrl: string;
  browserTokenUrl: string;
  authUrl: string;
  audience: string;
  clientId: string | undefined;
  /** Resolved secret (from SEEK_CLIENT_SECRET or the file at start-up). */
  clientSecret: string | undefined;
  clientSecretFile: string | undefined;
  timeoutMs: number;
  authTimeoutMs: number;
  schemaFile: string | undefined;
  schemaPollMs: number | undefined;
}

export interface Config {
  environment: RuntimeEnvironment;
  port: number;
  host: string;
  /** True when no SEEK credentials are set outside production: run on the built-in simulator. */
  embeddedSimulator: boolean;
  seek: SeekConfig;
  redis: { url: string | undefined; commandTimeoutMs: number };
  tokenCache: { encryptionKey: string | undefined; expiryBufferSeconds: number };
  serviceKeys: string[];
  auth: {
    issuer: string | undefined;
    audience: string | undefined;
    secret: string | undefined;
    jwksUrl: string | undefined;
    jwksTimeoutMs: number;
    hirerClaim: string;
  };
  browserTokens: { allowedScopes: string[] | undefined; ratePerMinute: number };
  http: {
    corsOrigins: string[];
    maxBodyBytes: number;
    shutdownTimeoutMs: number;
  };
  graphql: {
    introspection: boolean;
    sandbox: boolean;
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxCost: number;
    maxDirectives: number;
  };
  userAgent: string;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
const url = (fallback?: string) =>
  fallback === undefined
    ? optionalString.pipe(z.url({ protocol: /^https?$/ }).optional())
    : optionalString.transform((value) => value ?? fallback).pipe(z.url({ protocol: /^https?$/ }));
const integer = (fallback: number, min: number, max: number) =>
  optionalString
    .transform((value) => (value === undefined ? fallback : Number(value)))
    .pipe(z.number().int().min(min).max(max));
const flag = optionalString.pipe(z.enum(['true', 'false']).optional());
const list = optionalString.transform((value) =>
  value === undefined
    ? []
    : value
        .split(/[\s,]+/)
        .map((item) => item.trim())
        .filter(Boolean),
);

const envSchema = z.object({
  NODE_ENV: optionalString,
  PORT: integer(4000, 0, 65535),
  HOST: optionalString.transform((value) => value ?? '0.0.0.0'),
  SEEK_API_URL: url('https://graphql.seek.com/graphql'),
  SEEK_BROWSER_TOKEN_URL: url('https://graphql.seek.com/auth/token'),
  SEEK_AUTH_URL: url('https://auth.seek.com/oauth/token'),
  SEEK_AUDIENCE: url('https://graphql.seek.com'),
  SEEK_CLIENT_ID: optionalString,
  SEEK_CLIENT_SECRET: optionalString,
  SEEK_CLIENT_SECRET_FILE: optionalString,
  SEEK_TIMEOUT_MS: integer(10_000, 100, 120_000),
  SEEK_AUTH_TIMEOUT_MS: integer(5_000, 100, 60_000),
  SEEK_SCHEMA_FILE: optionalString,
  SEEK_SCHEMA_POLL_MS: optionalString
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .pipe(z.number().int().min(1_000).max(86_400_000).optional()),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_COMMAND_TIMEOUT_MS: integer(50, 5, 5_000),
  TOKEN_ENCRYPTION_KEY: optionalString,
  TOKEN_EXPIRY_BUFFER_SECONDS: integer(60, 0, 600),
  GATEWAY_API_KEYS: list,
  AUTH_JWT_ISSUER: optionalString,
  AUTH_JWT_AUDIENCE: optionalString,
  AUTH_JWT_SECRET: optionalString,
  AUTH_JWKS_URL: url(),
  AUTH_JWKS_TIMEOUT_MS: integer(1_500, 100, 10_000),
  AUTH_HIRER_CLAIM: optionalString.transform((value) => value ?? 'seek_hirer_ids'),
  BROWSER_TOKEN_SCOPES: list,
  BROWSER_TOKEN_RATE_PER_MINUTE: integer(30, 1, 100_000),
  CORS_ORIGINS: list,
  MAX_BODY_BYTES: integer(1_048_576, 1_024, 50 * 1_048_576),
  SHUTDOWN_TIMEOUT_MS: integer(10_000, 0, 600_000),
  GRAPHQL_INTROSPECTION: flag,
  GRAPHQL_SANDBOX: flag,
  GRAPHQL_MAX_DEPTH: integer(12, 1, 100),
  GRAPHQL_MAX_ALIASES: integer(30, 0, 1_000),
  GRAPHQL_MAX_TOKENS: integer(5_000, 100, 100_000),
  GRAPHQL_MAX_COST: integer(20_000, 100, 1_000_000),
  GRAPHQL_MAX_DIRECTIVES: integer(50, 1, 1_000),
  USER_AGENT: optionalString
    .transform((value) => value ?? `${packageJson.name}/${packageJson.version}`)
    .pipe(
      z
        .string()
        .regex(/^[\x21-\x7e][\x20-\x7e]{0,199}$/, 'must be printable ASCII, e.g. name/1.2.3'),
    ),
  LOG_LEVEL: optionalString
    .transform((value) => value ?? 'info')
    .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
});

const MIN_SERVICE_KEY_LENGTH = 16;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const isHttpsOrLoopback = (value: string) => {
  const parsed = new URL(value);
  return parsed.protocol === 'https:' || LOOPBACK_HOSTS.has(parsed.hostname);
};

/**
 * Reads the gateway's configuration from an environment object (process.env in the entry
 * file, a literal in tests) and reports every problem at once, naming each variable.
 */
export const loadConfig = (env: Record<string, string | undefined>): Config => {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const values = parsed.data;
  const problems: string[] = [];
  const environment: RuntimeEnvironment =
    values.NODE_ENV === 'production'
      ? 'production'
      : values.NODE_ENV === 'test'
        ? 'test'
        : 'development';
  const production = environment === 'production';

  let clientSecret = values.SEEK_CLIENT_SECRET;
  if (values.SEEK_CLIENT_SECRET && values.SEEK_CLIENT_SECRET_FILE) {
    problems.push('SEEK_CLIENT_SECRET and SEEK_CLIENT_SECRET_FILE: set only one of them');
  } else if (values.SEEK_CLIENT_SECRET_FILE) {
    try {
      clientSecret = readFileSync(values.SEEK_CLIENT_SECRET_FILE, 'utf8').trim();
      if (!clientSecret) problems.push('SEEK_CLIENT_SECRET_FILE: the file is empty');
    } catch (error) {
      problems.push(
        `SEEK_CLIENT_SECRET_FILE: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const hasCredentials = Boolean(values.SEEK_CLIENT_ID);
  if (hasCredentials && !clientSecret && !values.SEEK_CLIENT_SECRET_FILE) {
    problems.push(
      'SEEK_CLIENT_SECRET: required when SEEK_CLIENT_ID is set (or SEEK_CLIENT_SECRET_FILE)',
    );
  }
  if (!hasCredentials && (clientSecret || values.SEEK_CLIENT_SECRET_FILE)) {
    problems.push('SEEK_CLIENT_ID: required when a client secret is set');
  }
  if (production && !hasCredentials) {
    problems.push(
      'SEEK_CLIENT_ID: required when NODE_ENV=production (the simulator never runs in production)',
    );
  }
  if (production && values.GATEWAY_API_KEYS.length === 0 && !values.AUTH_JWT_ISSUER) {
    problems.push(
      'GATEWAY_API_KEYS: set at least one service key or AUTH_JWT_ISSUER in production',
    );
  }
  values.GATEWAY_API_KEYS.forEach((key, index) => {
    if (key.length < MIN_SERVICE_KEY_LENGTH) {
      problems.push(
        `GATEWAY_API_KEYS: key #${index + 1} is shorter than ${MIN_SERVICE_KEY_LENGTH} characters`,
      );
    }
  });

  const authParts = [values.AUTH_JWT_ISSUER, values.AUTH_JWT_AUDIENCE].filter(Boolean).length;
  const keySources = [values.AUTH_JWT_SECRET, values.AUTH_JWKS_URL].filter(Boolean).length;
  if (authParts === 1 || (authParts === 2 && keySources === 0)) {
    problems.push(
      'AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE and AUTH_JWT_SECRET or AUTH_JWKS_URL: set all of them to accept user JWTs',
    );
  }
  if (keySources === 2) problems.push('AUTH_JWT_SECRET and AUTH_JWKS_URL: set only one of them');
  if (keySources > 0 && authParts < 2) {
    problems.push(
      'AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE: required with AUTH_JWT_SECRET or AUTH_JWKS_URL',
    );
  }
  if (values.AUTH_JWT_SECRET && Buffer.byteLength(values.AUTH_JWT_SECRET) < 32) {
    problems.push('AUTH_JWT_SECRET: must be at least 32 bytes for HS256');
  }
  for (const scope of values.BROWSER_TOKEN_SCOPES) {
    if (!SCOPE_PATTERN.test(scope))
      problems.push(`BROWSER_TOKEN_SCOPES: "${scope}" is not a scope like query:ontologies`);
  }
  if (values.TOKEN_ENCRYPTION_KEY && !decodeEncryptionKey(values.TOKEN_ENCRYPTION_KEY)) {
    problems.push('TOKEN_ENCRYPTION_KEY: must be 32 bytes, as 64 hex characters or base64');
  }
  for (const origin of values.CORS_ORIGINS) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
      problems.push(`CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com`);
    }
  }
  if (production) {
    // The client secret, partner token and user keys travel over these: TLS in production,
    // except to a loopback address (a local proxy or test double).
    const urls = {
      SEEK_API_URL: values.SEEK_API_URL,
      SEEK_AUTH_URL: values.SEEK_AUTH_URL,
      SEEK_BROWSER_TOKEN_URL: values.SEEK_BROWSER_TOKEN_URL,
      AUTH_JWKS_URL: values.AUTH_JWKS_URL,
    };
    for (const [name, value] of Object.entries(urls)) {
      if (value && !isHttpsOrLoopback(value))
        problems.push(`${name}: must use https in production`);
    }
  }
  if (production && values.CORS_ORIGINS.includes('*')) {
    problems.push('CORS_ORIGINS: "*" is not allowed in production');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const introspection = values.GRAPHQL_INTROSPECTION
    ? values.GRAPHQL_INTROSPECTION === 'true'
    : !production;
  return {
    environment,
    port: values.PORT,
    host: values.HOST,
    embeddedSimulator: !production && !hasCredentials,
    seek: {
      apiUrl: values.SEEK_API_URL as string,
      browserTokenUrl: values.SEEK_BROWSER_TOKEN_URL as string,
      authUrl: values.SEEK_AUTH_URL as string,
      audience: values.SEEK_AUDIENCE as string,
      clientId: values.SEEK_CLIENT_ID,
      clientSecret,
      clientSecretFile: values.SEEK_CLIENT_SECRET_FILE,
      timeoutMs: values.SEEK_TIMEOUT_MS,
      authTimeoutMs: values.SEEK_AUTH_TIMEOUT_MS,
      schemaFile: values.SEEK_SCHEMA_FILE,
      schemaPollMs: values.SEEK_SCHEMA_POLL_MS,
    },
    redis: { url: values.REDIS_URL, commandTimeoutMs: values.REDIS_COMMAND_TIMEOUT_MS },
    tokenCache: {
      encryptionKey: values.TOKEN_ENCRYPTION_KEY,
      expiryBufferSeconds: values.TOKEN_EXPIRY_BUFFER_SECONDS,
    },
    serviceKeys: values.GATEWAY_API_KEYS,
    auth: {
      issuer: values.AUTH_JWT_ISSUER,
      audience: values.AUTH_JWT_AUDIENCE,
      secret: values.AUTH_JWT_SECRET,
      jwksUrl: values.AUTH_JWKS_URL,
      jwksTimeoutMs: values.AUTH_JWKS_TIMEOUT_MS,
      hirerClaim: values.AUTH_HIRER_CLAIM,
    },
    browserTokens: {
      allowedScopes:
        values.BROWSER_TOKEN_SCOPES.length > 0 ? values.BROWSER_TOKEN_SCOPES : undefined,
      ratePerMinute: values.BROWSER_TOKEN_RATE_PER_MINUTE,
    },
    http: {
      corsOrigins: values.CORS_ORIGINS,
      maxBodyBytes: values.MAX_BODY_BYTES,
      shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
    },
    graphql: {
      introspection,
      sandbox: values.GRAPHQL_SANDBOX ? values.GRAPHQL_SANDBOX === 'true' : introspection,
      maxDepth: values.GRAPHQL_MAX_DEPTH,
      maxAliases: values.GRAPHQL_MAX_ALIASES,
      maxTokens: values.GRAPHQL_MAX_TOKENS,
      maxCost: values.GRAPHQL_MAX_COST,
      maxDirectives: values.GRAPHQL_MAX_DIRECTIVES,
    },
    userAgent: values.USER_AGENT,
    logLevel: values.LOG_LEVEL,
  };
};
