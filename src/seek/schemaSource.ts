import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  type GraphQLSchema,
  type IntrospectionQuery,
  validateSchema,
} from 'graphql';

import { sleep } from '../clock';
import { ErrorCode, isGatewayError } from '../errors';
import { describeError, type Logger } from '../observability/logger';
import type { HttpClient } from './httpClient';

export interface IntrospectOptions {
  http: HttpClient;
  apiUrl: string;
  userAgent: string;
  timeoutMs: number;
  /** Used only if SEEK refuses introspection without a token. */
  getPartnerToken: (() => Promise<string>) | undefined;
}

/** A loaded schema and a fingerprint of its source, to tell cheaply whether a poll changed it. */
export interface LoadedSchema {
  schema: GraphQLSchema;
  fingerprint: string;
}

const fingerprintOf = (source: string | Buffer) =>
  createHash('sha256').update(source).digest('base64url');

export class SchemaLoadError extends Error {
  override name = 'SchemaLoadError';
  /** True when asking again cannot help (a refusal, not an outage): no retry. */
  readonly permanent: boolean;
  constructor(message: string, options: { permanent?: boolean } = {}) {
    super(message);
    this.permanent = options.permanent ?? false;
  }
}

const INTROSPECTION_QUERY = getIntrospectionQuery({
  descriptions: true,
  inputValueDeprecation: true,
});

/** Fetches SEEK's schema by introspection (without a token first, as SEEK allows). */
export const introspectSeekSchema = async (options: IntrospectOptions): Promise<LoadedSchema> => {
  const ask = async (token: string | undefined) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': options.userAgent,
    };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await options.http.post(options.apiUrl, {
      headers,
      body: JSON.stringify({ query: INTROSPECTION_QUERY, operationName: 'IntrospectionQuery' }),
      timeoutMs: options.timeoutMs,
      target: 'schema',
    });
    let parsed: { data?: IntrospectionQuery; errors?: Array<{ extensions?: { code?: string } }> };
    try {
      parsed = JSON.parse(response.body.toString('utf8')) as typeof parsed;
    } catch {
      throw new SchemaLoadError(
        `SEEK answered introspection with a body that is not JSON (HTTP ${response.status})`,
      );
    }
    return { status: response.status, parsed };
  };
  const refused = (answer: typeof parsed) =>
    !answer.data && answer.errors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED');
  let { status, parsed } = await ask(undefined);
  if (refused(parsed)) {
    if (!options.getPartnerToken) {
      throw new SchemaLoadError(
        'SEEK refused introspection without a token; set SEEK_CLIENT_ID and SEEK_CLIENT_SECRET so the partner token is used',
        { permanent: true },
      );
    }
    ({ status, parsed } = await ask(await options.getPartnerToken()));
    if (refused(parsed)) {
      throw new SchemaLoadError(
        'SEEK refused introspection with the partner token too (UNAUTHENTICATED); check SEEK_AUDIENCE, SEEK_CLIENT_ID and SEEK_CLIENT_SECRET',
        { permanent: true },
      );
    }
  }
  if (!parsed.data?.__schema) {
    throw new SchemaLoadError(`SEEK answered introspection without a schema (HTTP ${status})`);
  }
  // The fingerprint covers the schema only, not whatever else SEEK puts in the answer.
  return {
    schema: buildClientSchema(parsed.data),
    fingerprint: fingerprintOf(JSON.stringify(parsed.data)),
  };
};

export const readSchemaFile = (path: string): LoadedSchema => {
  try {
    const sdl = readFileSync(path, 'utf8');
    // noLocation: the schema keeps its AST; source positions would double its memory for nothing.
    const schema = buildSchema(sdl, { noLocation: true });
    // SDL that parses can still be an unusable schema (no Query type, for one): report it here,
    // naming the file, rather than later from somewhere that does not.
    const problems = validateSchema(schema);
    if (problems.length > 0) throw new Error(problems.map((problem) => problem.message).join('; '));
    return { schema, fingerprint: fingerprintOf(sdl) };
  } catch (error) {
    throw new SchemaLoadError(
      `SEEK_SCHEMA_FILE ${path} could not be loaded: ${(error as Error).message}`,
    );
  }
};

/** Introspection attempts at start-up and in `npm run schema:pull` (README: "5 attempts"). */
export const SCHEMA_ATTEMPTS = 5;

/** Waits before introspection attempt `attempt + 1`: 250 ms, doubling, at most 4 s. */
export const schemaRetryBackoffMs = (attempt: number) => Math.min(250 * 2 ** (attempt - 1), 4_000);

const API_ADVICE =
  'Check SEEK_API_URL, or set SEEK_SCHEMA_FILE to a schema saved with `npm run schema:pull`.';
const AUTH_ADVICE = 'Check SEEK_AUTH_URL (SEEK asked for a partner token to introspect).';

/**
 * Introspects with bounded retries and a clear final error. The result is never cached as a
 * failed promise: each call starts afresh, so a SEEK that was down at boot can be retried.
 *
 * The backoff keeps the process alive: at start-up it is the only thing pending, and an
 * unreferenced timer there let Node exit (code 0) after the first attempt. A refusal is not
 * retried: rejected client credentials (SEEK_AUTH_REJECTED, thrown as it is) and a permanent
 * SchemaLoadError.
 */
export const loadSeekSchemaWithRetry = async (
  introspect: () => Promise<LoadedSchema>,
  options: {
    attempts: number;
    logger: Logger;
    /** The final message's advice when SEEK could not be asked (default: check SEEK_API_URL). */
    advice?: string;
  },
): Promise<LoadedSchema> => {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt += 1) {
    try {
      return await introspect();
    } catch (error) {
      lastError = error;
      options.logger.warn(
        { attempt, attempts: options.attempts, err: describeError(error) },
        'SEEK schema introspection failed',
      );
      if (isGatewayError(error) && error.code === ErrorCode.SeekAuthRejected) throw error;
      if (error instanceof SchemaLoadError && error.permanent) throw error;
      if (attempt < options.attempts)
        await sleep(schemaRetryBackoffMs(attempt), { keepAlive: true });
    }
  }
  throw new SchemaLoadError(
    `Could not load SEEK's schema after ${options.attempts} attempts: ${(lastError as Error).message}. ` +
      (isGatewayError(lastError) && lastError.code === ErrorCode.SeekAuthUnavailable
        ? AUTH_ADVICE
        : (options.advice ?? API_ADVICE)),
  );
};

/** The gateway's own SDL (schema/gateway.graphql), found from src/ and from dist/src/ alike. */
export const readGatewayTypeDefs = (): string => {
  let directory = __dirname;
  for (let depth = 0; depth < 5; depth += 1) {
    const candidate = join(directory, 'schema', 'gateway.graphql');
    if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
    directory = dirname(directory);
  }
  throw new SchemaLoadError('schema/gateway.graphql was not found next to the gateway');
};
