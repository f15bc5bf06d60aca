/**
 * Checks SEEK's Phase 1 exit criteria against this environment, one row each, plus the
 * gateway's dependencies:
 *
 *   npm run doctor                 a table
 *   npm run doctor -- --json       the same rows as JSON, for machines
 *   npm run doctor -- --strict     a skipped row counts as a failure
 *
 * Rows: credentials found (which source), stored securely (file mode / secrets manager),
 * retrievable at run time, partner token obtained and cached (where, lifetime), browser token
 * obtained for DOCTOR_HIRER_ID and `self` answering with that hirer (skipped when unset), Redis
 * reachable (skipped when REDIS_URL is unset), clock skew against SEEK's Date header. Each row
 * passes, fails (with a one-line hint) or is skipped. Exit code 0 when none fails.
 *
 * It reads the same variables as the gateway. With no SEEK credentials outside production it
 * runs on the embedded default: it starts the built-in SEEK simulator, as `npm start` does.
 * Nothing it prints or logs holds a secret. In the container: `node dist/scripts/doctor.js`.
 */
import { randomBytes } from 'node:crypto';

import { createClient } from '@redis/client';
import pino from 'pino';
import { z } from 'zod';

import { buildTokens, createCredentials, type Shared } from '../src/app';
import { keepAliveUntil, systemClock } from '../src/clock';
import { ConfigError, loadConfig, type Config } from '../src/config';
import { CredentialsError, type CredentialProvider } from '../src/credentials';
import type { EmbeddedDefault } from '../src/dev/embedded';
import { loadEmbeddedDefault, NO_EMBEDDED_DEFAULT } from '../src/embeddedEntry';
import { ErrorCode, isGatewayError } from '../src/errors';
import { createLogger, scrubbedLine, shownUrl, type Logger } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';
import { createRedisSharedStore } from '../src/tokens/cache/sharedStore';
import { createHttpClient } from '../src/seek/httpClient';

type Status = 'pass' | 'fail' | 'skipped';

interface Row {
  id: string;
  title: string;
  /** The Phase 1 exit criterion this row checks; null for a dependency. */
  criterion: string | null;
  status: Status;
  detail: string;
  /** What to do, on failure. */
  hint?: string;
}

type Outcome = Pick<Row, 'status' | 'detail' | 'hint'>;

const ROWS = [
  { id: 'credentials-found', title: 'Credentials found', criterion: 'Credentials received' },
  {
    id: 'credentials-stored',
    title: 'Credentials stored securely',
    criterion: 'Credentials stored securely',
  },
  {
    id: 'credentials-retrievable',
    title: 'Credentials retrievable at run time',
    criterion: 'Credentials ready for consumption',
  },
  {
    id: 'partner-token',
    title: 'Partner token obtained and cached',
    criterion: 'Partner token obtained',
  },
  {
    id: 'browser-token',
    title: 'Browser token obtained, self answers',
    criterion: 'Browser token obtained',
  },
  { id: 'redis', title: 'Redis reachable', criterion: null },
  { id: 'clock', title: 'Clock in step with SEEK', criterion: null },
] as const;
type RowId = (typeof ROWS)[number]['id'];

const pass = (detail: string): Outcome => ({ status: 'pass', detail });
const fail = (detail: string, hint: string): Outcome => ({ status: 'fail', detail, hint });
const skipped = (detail: string): Outcome => ({ status: 'skipped', detail });

/** Above this, SEEK's tokens and the gateway's expiry arithmetic disagree noticeably. */
const MAX_CLOCK_SKEW_SECONDS = 30;
const REDIS_TIMEOUT_MS = 3_000;
/** Per run, so the browser-token row always makes an exchange rather than read a cached one. */
const DOCTOR_USER_ID = `seek-gateway-doctor-${randomBytes(4).toString('hex')}`;
const DOCTOR_SCOPE = 'query:organizations';

const hirerIdSchema = z
  .string()
  .regex(/^[\x20-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters')
  .optional();

const oneLine = scrubbedLine;

const bounded = <T>(work: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

const messageOf = (error: unknown) =>
  oneLine(error instanceof Error ? error.message : String(error));

/** Which credentials SEEK_AUDIENCE wants, for the hint when auth.seek.com refuses them. */
const audienceAdvice = (config: Config) => {
  const host = new URL(config.seek.audience).host;
  if (host === 'test.graphql.seek.com') {
    return ' for the Playground audience (SEEK_AUDIENCE https://test.graphql.seek.com takes Playground credentials)';
  }
  if (host === 'graphql.seek.com') {
    return ' for the production audience (Playground credentials need SEEK_AUDIENCE=https://test.graphql.seek.com)';
  }
  return '';
};

const RETRIEVAL_HINTS: Record<string, string> = {
  'aws-secrets-manager':
    "the gateway's AWS identity needs secretsmanager:GetSecretValue on this one secret; check AWS_REGION and the credential chain",
  'azure-key-vault':
    "the gateway's identity needs the Key Vault Secrets User role on this secret (or an access policy with get on secrets)",
  'credentials-file': "check the file's path, its mode and its JSON",
  'secret-file': "check the file's path and mode",
  environment: 'set SEEK_CLIENT_ID and SEEK_CLIENT_SECRET',
};

interface Context {
  config: Config;
  embedded: EmbeddedDefault | undefined;
  shared: Shared;
  logger: Logger;
  hirerId: string | undefined;
}

/** Rows 1-3: the source, how it keeps the credentials, one read of them. */
const checkCredentials = async (context: Context, rows: Map<RowId, Outcome>) => {
  const { config, embedded } = context;
  const credentials = createCredentials(context.shared);
  context.shared.closers.push(() => credentials.close());
  const { source } = credentials;
  rows.set(
    'credentials-found',
    embedded
      ? pass(
          "none configured: the embedded default's simulator credentials (development only; set a source for SEEK)",
        )
      : pass(`from ${source.description}`),
  );
  if (embedded) {
    rows.set('credentials-stored', skipped('the embedded default holds no real credentials'));
  } else {
    const storage = await source.storage();
    rows.set(
      'credentials-stored',
      storage.secure
        ? pass(storage.detail)
        : fail(storage.detail, storage.hint ?? 'keep them in a secrets manager'),
    );
  }
  const started = performance.now();
  try {
    await credentials.start();
    rows.set(
      'credentials-retrievable',
      pass(
        `read in ${Math.round(performance.now() - started)} ms` +
          (source.rereadable
            ? `; re-read every ${config.credentials.refreshSeconds} s and after a refusal`
            : '; read once (the environment cannot change under a running process)'),
      ),
    );
    return credentials;
  } catch (error) {
    rows.set(
      'credentials-retrievable',
      fail(
        error instanceof CredentialsError ? oneLine(error.message) : messageOf(error),
        RETRIEVAL_HINTS[source.kind] ?? 'check the credentials source',
      ),
    );
    return undefined;
  }
};

/** Waits (bounded) for the shared store to connect, so the token can be cached there. */
const redisReady = async (state: () => string) => {
  const deadline = Date.now() + REDIS_TIMEOUT_MS;
  while (state() !== 'ready' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

type Tokens = Awaited<ReturnType<typeof buildTokens>>;

/** Row 4: a partner token from auth.seek.com, and where it is cached. */
const checkPartnerToken = async (
  context: Context,
  credentials: CredentialProvider,
): Promise<{ outcome: Outcome; tokens?: Tokens }> => {
  // `tokens` is returned once a partner token is in hand, even if caching it failed.
  const { config, shared } = context;
  const tokens = await buildTokens(shared, { credentials });
  if (config.redis.connection) await redisReady(() => tokens.store.state);
  const authHost = new URL(config.seek.authUrl).host;
  const bound = config.seek.authTimeoutMs * 2 + 2_000;
  try {
    const record = await bounded(tokens.partnerTokens.get(), bound, 'the partner token');
    // Served from Redis, filled by a running replica: check the credentials with an exchange.
    const exchanged = tokens.partnerCache.stats.fetches > 0;
    if (!exchanged) await bounded(tokens.authClient.fetchPartnerToken(), bound, authHost);
    await tokens.partnerTokens.get();
    const inMemory = tokens.partnerCache.stats.memoryHits > 0;
    let inRedis = false;
    if (tokens.store.state !== 'disabled') {
      const deadline = Date.now() + 1_000;
      while (!inRedis && Date.now() < deadline) {
        inRedis = (await tokens.store.get(`${tokens.keyPrefix}:partner:current`)) !== undefined;
        if (!inRedis) await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    const where = [inMemory ? 'memory' : undefined, inRedis ? 'Redis (encrypted)' : undefined]
      .filter(Boolean)
      .join(' and ');
    const lifetime = Math.round((record.expiresAt - record.obtainedAt) / 1_000);
    const detail =
      `from ${authHost}${exchanged ? '' : ' (found in Redis, cached earlier; the credentials checked with a fresh exchange)'}; ` +
      `cached in ${where || 'nothing'}, valid for ${lifetime} s, renewed in the background before it expires`;
    if (!inMemory)
      return { outcome: fail(detail, 'the token cache did not keep the token'), tokens };
    if (config.redis.connection && !inRedis) {
      return {
        outcome: fail(detail, 'Redis did not take the token: see the Redis row, check REDIS_URL'),
        tokens,
      };
    }
    return { outcome: pass(detail), tokens };
  } catch (error) {
    if (isGatewayError(error) && error.code === ErrorCode.SeekAuthRejected) {
      return {
        outcome: fail(
          messageOf(error),
          `${authHost} rejected the client credentials: check ${credentials.source.whatToCheck}${audienceAdvice(config)}`,
        ),
      };
    }
    return {
      outcome: fail(
        messageOf(error),
        `check that SEEK_AUTH_URL (${shownUrl(config.seek.authUrl)}) is reachable from here`,
      ),
    };
  }
};

const selfSchema = z.object({
  data: z.object({
    self: z
      .object({
        hirer: z.object({ id: z.object({ value: z.string() }), name: z.string() }).nullable(),
      })
      .nullable(),
  }),
});

/** Row 5: a browser token for DOCTOR_HIRER_ID, then `self` with it answers with that hirer. */
const checkBrowserToken = async (context: Context, tokens: Tokens): Promise<Outcome> => {
  const { config, shared, hirerId } = context;
  if (!hirerId) {
    const example = context.embedded?.hirerIds[0];
    return skipped(
      `DOCTOR_HIRER_ID is not set: set it to a hirer your credentials may act for${example ? ` (e.g. ${example})` : ''}`,
    );
  }
  const hint =
    'check DOCTOR_HIRER_ID, and that your credentials have a relationship with that hirer (SEEK support sets them up)';
  let token;
  try {
    token = await bounded(
      tokens.browserTokens.exchange({ hirerId, scope: DOCTOR_SCOPE, userId: DOCTOR_USER_ID }),
      config.seek.timeoutMs * 2 + config.seek.authTimeoutMs,
      'the browser token',
    );
  } catch (error) {
    return fail(messageOf(error), hint);
  }
  try {
    const answer = await shared.http.post(config.seek.apiUrl, {
      headers: {
        authorization: `Bearer ${token.accessToken}`,
        'content-type': 'application/json',
        'user-agent': config.userAgent,
      },
      body: JSON.stringify({
        query: 'query DoctorSelf { self { hirer { id { value } name } } }',
        operationName: 'DoctorSelf',
      }),
      timeoutMs: config.seek.timeoutMs,
      target: 'graphql',
    });
    const parsed = selfSchema.safeParse(JSON.parse(answer.body.toString('utf8')));
    const hirer = parsed.success ? parsed.data.data.self?.hirer : undefined;
    if (!hirer) {
      return fail(`self did not answer with a hirer (HTTP ${answer.status})`, hint);
    }
    if (hirer.id.value !== hirerId) {
      return fail(`self answered with hirer ${hirer.id.value}, not DOCTOR_HIRER_ID`, hint);
    }
    return pass(
      `browser token for ${hirerId} (scope ${DOCTOR_SCOPE}, expires in ${token.expiresIn} s); self answered with hirer "${oneLine(hirer.name)}"`,
    );
  } catch (error) {
    return fail(
      `self could not be asked: ${messageOf(error)}`,
      `check SEEK_API_URL (${shownUrl(config.seek.apiUrl)})`,
    );
  }
};

/** Row 6: Redis answers PING, on a connection of its own. */
const checkRedis = async (config: Config): Promise<Outcome> => {
  const { connection } = config.redis;
  if (!connection) {
    return skipped(
      'REDIS_URL (or REDIS_CLUSTER_NODES, REDIS_SENTINELS) is not set: each replica caches tokens in its own memory',
    );
  }
  if (connection.mode !== 'standalone') return checkRedisStore(config);
  if (!config.redis.url) return skipped('no Redis URL');
  const shown = shownUrl(config.redis.url);
  const client = createClient({
    url: config.redis.url,
    disableOfflineQueue: true,
    socket: { connectTimeout: REDIS_TIMEOUT_MS, reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  const started = performance.now();
  try {
    await bounded(
      client.connect().then(() => client.ping()),
      REDIS_TIMEOUT_MS,
      'Redis',
    );
    return pass(`${shown} answered PING in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    return fail(
      `${shown}: ${messageOf(error)}`,
      'check REDIS_URL, and that Redis runs and accepts connections from here',
    );
  } finally {
    // A client that never connected is already closed, and says so by throwing.
    if (client.isOpen) client.destroy();
  }
};

/** Row 6 for a cluster or a sentinel set: the gateway's own store reaches it, with its reason. */
const checkRedisStore = async (config: Config): Promise<Outcome> => {
  const { connection } = config.redis;
  const variable = connection?.mode === 'cluster' ? 'REDIS_CLUSTER_NODES' : 'REDIS_SENTINELS';
  const store = createRedisSharedStore({
    redis: {
      connection: connection as NonNullable<typeof connection>,
      tls: config.redis.tls,
      username: config.redis.username,
      password: config.redis.password,
      passwordFile: config.redis.passwordFile,
    },
    commandTimeoutMs: config.redis.commandTimeoutMs,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
  });
  try {
    await redisReady(() => store.state);
    return store.state === 'ready'
      ? pass(`${connection?.mode ?? 'redis'} reachable (${variable})`)
      : fail(
          `${connection?.mode ?? 'redis'} not reachable: ${store.reason ?? 'no answer'}`,
          `check ${variable} and the REDIS_TLS_* and password settings`,
        );
  } finally {
    await store.close();
  }
};

/** Row 7: this machine's clock against the Date header of SEEK's GraphQL endpoint. */
const checkClock = async (context: Context): Promise<Outcome> => {
  const { config, shared } = context;
  const sent = systemClock.now();
  let date: string | string[] | undefined;
  try {
    const answer = await shared.http.post(config.seek.apiUrl, {
      headers: { 'content-type': 'application/json', 'user-agent': config.userAgent },
      body: JSON.stringify({ query: '{ __typename }' }),
      timeoutMs: config.seek.timeoutMs,
      target: 'graphql',
    });
    date = answer.headers.date;
  } catch (error) {
    return fail(
      `SEEK_API_URL (${shownUrl(config.seek.apiUrl)}) could not be reached: ${messageOf(error)}`,
      'check SEEK_API_URL and the network (proxy, firewall)',
    );
  }
  const received = systemClock.now();
  const seekTime = Date.parse(typeof date === 'string' ? date : '');
  if (Number.isNaN(seekTime)) {
    return fail("SEEK's answer had no Date header", 'check SEEK_API_URL');
  }
  // Date has a resolution of one second: compare with the middle of the exchange.
  const skew = Math.round(((sent + received) / 2 - seekTime) / 1_000);
  const said =
    Math.abs(skew) <= 1
      ? "within a second of SEEK's Date header"
      : `${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} SEEK's Date header`;
  return Math.abs(skew) <= MAX_CLOCK_SKEW_SECONDS
    ? pass(said)
    : fail(said, "synchronise this machine's clock (NTP): token expiry is reckoned with it");
};

const runChecks = async (context: Context): Promise<Map<RowId, Outcome>> => {
  const rows = new Map<RowId, Outcome>();
  const credentials = await checkCredentials(context, rows);
  if (!credentials) {
    const why = skipped('the credentials could not be read');
    rows.set('partner-token', why);
    rows.set('browser-token', why);
  } else {
    const partner = await checkPartnerToken(context, credentials);
    rows.set('partner-token', partner.outcome);
    rows.set(
      'browser-token',
      partner.tokens
        ? await checkBrowserToken(context, partner.tokens)
        : skipped('no partner token'),
    );
  }
  rows.set('redis', await checkRedis(context.config));
  rows.set('clock', await checkClock(context));
  return rows;
};

interface Report {
  mode: 'configured' | 'embedded-default';
  strict: boolean;
  ok: boolean;
  summary: { passed: number; failed: number; skipped: number };
  rows: Row[];
}

const report = (outcomes: Map<RowId, Outcome>, mode: Report['mode'], strict: boolean): Report => {
  const rows: Row[] = ROWS.map((row) => ({
    ...row,
    ...(outcomes.get(row.id) ?? skipped('not checked')),
  }));
  const count = (status: Status) => rows.filter((row) => row.status === status).length;
  const summary = { passed: count('pass'), failed: count('fail'), skipped: count('skipped') };
  return {
    mode,
    strict,
    ok: summary.failed === 0 && (!strict || summary.skipped === 0),
    summary,
    rows,
  };
};

const LABEL: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', skipped: 'SKIP' };

const printText = (result: Report, against: string) => {
  const width = Math.max(...result.rows.map((row) => row.title.length));
  const lines = [`seek-gateway doctor: SEEK Phase 1 against ${against}`, ''];
  for (const row of result.rows) {
    lines.push(`  ${LABEL[row.status]}  ${row.title.padEnd(width)}  ${row.detail}`);
    if (row.hint) lines.push(`        ${' '.repeat(width)}  hint: ${row.hint}`);
  }
  const { passed, failed, skipped: skippedRows } = result.summary;
  lines.push(
    '',
    `${passed} passed, ${failed} failed, ${skippedRows} skipped${result.strict ? ' (--strict: skipped rows fail)' : ''}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
};

const USAGE = 'usage: npm run doctor [-- --json] [-- --strict]';

const configProblemRows = (error: ConfigError): Map<RowId, Outcome> => {
  const rows = new Map<RowId, Outcome>();
  rows.set(
    'credentials-found',
    fail(
      `invalid configuration: ${error.problems.join('; ')}`,
      'fix the variables named: the gateway refuses to start with them too',
    ),
  );
  for (const { id } of ROWS.slice(1)) rows.set(id, skipped('the configuration is invalid'));
  return rows;
};

const main = async () => {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--json' && arg !== '--strict');
  if (unknown.length > 0) {
    process.stderr.write(`doctor: unknown option ${unknown[0]}\n${USAGE}\n`);
    process.exit(2);
  }
  const json = args.includes('--json');
  const strict = args.includes('--strict');
  const print = (result: Report, against: string) =>
    json
      ? process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
      : printText(result, against);

  const hirer = hirerIdSchema.safeParse(process.env.DOCTOR_HIRER_ID?.trim() || undefined);
  if (!hirer.success) {
    process.stderr.write(`doctor: DOCTOR_HIRER_ID ${hirer.error.issues[0]?.message}\n`);
    process.exit(2);
  }

  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const result = report(configProblemRows(error), 'configured', strict);
    print(result, 'an invalid configuration');
    process.exit(1);
  }
  // Logs go to stderr, quiet unless LOG_LEVEL asks for more: stdout holds only the report.
  const logger = createLogger({
    level: process.env.LOG_LEVEL ? config.logLevel : 'warn',
    destination: pino.destination({ dest: 2, sync: true }),
  });

  let embedded: EmbeddedDefault | undefined;
  if (config.embeddedSimulator) {
    const entry = loadEmbeddedDefault();
    if (!entry) {
      process.stderr.write(`doctor: ${NO_EMBEDDED_DEFAULT}\n`);
      process.exit(1);
    }
    embedded = await entry.startEmbeddedDefault(config, logger, { quiet: true });
    config = embedded.config;
  }
  const shared: Shared = {
    config,
    logger,
    metrics: createMetrics(),
    clock: systemClock,
    http: createHttpClient({ connectionsPerOrigin: 4, proxy: config.network.proxy }),
    // The doctor's checks are not traced: it is a one-off run, not a service.
    tracing: undefined,
    closers: [],
  };
  const context: Context = { config, embedded, shared, logger, hirerId: hirer.data };
  let outcomes: Map<RowId, Outcome>;
  try {
    outcomes = await runChecks(context);
  } finally {
    for (const close of [...shared.closers].reverse()) {
      try {
        await close();
      } catch {
        // Best effort: the report matters more than a clean close.
      }
    }
    await shared.http.close();
    await embedded?.close();
  }
  const result = report(outcomes, embedded ? 'embedded-default' : 'configured', strict);
  print(
    result,
    embedded
      ? 'the embedded default (built-in SEEK simulator)'
      : `${new URL(config.seek.audience).host} (SEEK_AUTH_URL ${shownUrl(config.seek.authUrl)})`,
  );
  logger.flush();
  process.exit(result.ok ? 0 : 1);
};

keepAliveUntil(main()).catch((error: unknown) => {
  process.stderr.write(`doctor failed: ${messageOf(error)}\n`);
  process.exit(1);
});
