// Proof of equality (issue 9, item 2): ONE table of requests, each sent through every entry of
// the request pipeline (post, cors, get, apq: see test/support/entries.ts and
// /tmp/pipeline-spec.md), asserting the same answer, the same upstream calls and the same log
// line on each. Where the protocol makes entries differ, the row says so (`entries.only` or a
// `perEntry` override, each with its reason) instead of hiding it.
//
// Choices made where the spec leaves room (listed in the final report too):
//  - caller: every HTTP-level refusal (the spec's first table, `query` missing included) is
//    refused before the caller is resolved and logs `unknown`; GraphQL request errors (parse,
//    validation, operation resolution, variables, APQ, a mutation by GET) log the caller of
//    the request; a refused credential (malformed header, invalid JWT) logs `unknown`.
//  - upstreamStatus is SEEK's HTTP status whenever SEEK answered (503, 429, or 200 with a body
//    that is not a GraphQL response), absent only when it did not (reset, timeout, down).
//  - A gateway error (401, 502…) is a GraphQL answer: its content type follows Accept; only
//    HTTP-level refusals are always application/json.
//  - "5xx" in the retry rule includes 500: a query is retried once on any 5xx.
//  - route: `forward` only when SEEK was asked; an operation refused before execution (401,
//    403, 405, request errors) is `refused`; `{ __typename }`, introspection and browserToken
//    are `execute`.
//  - SEEK's errors passed through (200) log outcome `error` with SEEK's codes in errorCodes.
//  - The log's operationName is the operation that ran (the document's name when the body gave
//    none), or the requested name when resolution failed and it is a GraphQL name.
//  - Request errors have no `data` key; the gateway's own whole-operation errors (401, 403,
//    502, 504) may carry `data: null` or none, but the same on every entry.
//  - Answers to an allowed Origin carry Access-Control-Allow-Origin, refusals included (a
//    browser app cannot read the error otherwise).
//  - A POST with no Content-Type counts as a "simple" request for CSRF (400), as Apollo does.
//  - GET with repeated `query`/`operationName` parameters is the GET form of a duplicate key:
//    400 BAD_REQUEST.
//  - An unknown 1 MB operationName is not echoed back: the answer stays small.
//  - `Application/JSON` (media types are case-insensitive) is application/json.
import { simulatorSchemaFile } from './support/simulatorSchemaFile';
import { randomBytes } from 'node:crypto';

import type { SeekSimulator, SimulatorFault } from '../src/seek/simulator';
import { SIMULATOR_VERSION } from '../src/seek/simulator/resolvers';
import {
  ENTRIES,
  CORS_ORIGIN,
  sha256Hex,
  startEntries,
  type Entries,
  type Entry,
  type EntryResult,
  type LogicalRequest,
} from './support/entries';
import {
  FAKE_LTD,
  JWT_SECRET,
  SERVICE_KEY,
  startGateway,
  startSimulator,
  uniqueClientId,
  userJwt,
  type TestGateway,
} from './support/harness';
import {
  BROWSER_TOKEN_MUTATION,
  algNoneJwt,
  browserTokenFromSimulator,
  expiredJwt,
} from './support/callers';
import { apolloManifest, writeManifest } from './support/manifests';

const SEEK_TIMEOUT_MS = 300;
const HTTP_BODY_TIMEOUT_MS = 1_000;
const MAX_BODY_BYTES = 1_048_576; // the default: a 1 MB operationName must fit under it
// Distinctive limits, so a message quoting one would be caught (as in limits.test.ts).
const LIMITS = {
  GRAPHQL_MAX_DEPTH: '6',
  GRAPHQL_MAX_ALIASES: '3',
  GRAPHQL_MAX_TOKENS: '263',
  GRAPHQL_MAX_COST: '137',
  GRAPHQL_MAX_DIRECTIVES: '4',
};
const ENV = {
  // No introspection at start-up: under SEEK_TIMEOUT_MS=300 it could time out on a busy machine.
  SEEK_SCHEMA_FILE: simulatorSchemaFile(),
  CORS_ORIGINS: CORS_ORIGIN,
  SEEK_TIMEOUT_MS: String(SEEK_TIMEOUT_MS),
  HTTP_BODY_TIMEOUT_MS: String(HTTP_BODY_TIMEOUT_MS),
  MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  ...LIMITS,
};
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const JSON_TYPE = 'application/json; charset=utf-8';
const GQLR_TYPE = 'application/graphql-response+json; charset=utf-8';
const GQLR = 'application/graphql-response+json';

// ---------------------------------------------------------------------------------------------
// Documents

const Q = {
  versionSelf: '{ version self { partner { name } } }',
  version: '{ version }',
  typename: '{ __typename }',
  currencies: 'query Currencies($usage: String!) { currencies(usageTypeCode: $usage) { code } }',
  twoOps: 'query Version { version } query Partner { self { partner { name } } }',
  named: 'query Named { version }',
  browserSelf: '{ self { partner { name } hirer { name } } }',
  browserCurrencies: '{ currencies(usageTypeCode: "SEEKJobPosting") { code } }',
  introspection: '{ __schema { queryType { name } } }',
  typeMutation: '{ __type(name: "Mutation") { fields { name } } }',
  mutationTypename: 'mutation { __typename }',
  webhook: `mutation Subscribe {
  createWebhookSubscription(
    input: { url: "https://hooks.example.com/seek", eventTypeCode: "CandidateApplicationCreated" }
  ) { webhookSubscription { id { value } } }
}`,
};
const VERSION_SELF_DATA = {
  version: SIMULATOR_VERSION,
  self: { partner: { name: 'Simulated Partner' } },
};
const CURRENCY_DATA = {
  currencies: [{ code: 'AUD' }, { code: 'NZD' }, { code: 'HKD' }, { code: 'SGD' }],
};

/** A query `levels` fields deep. */
const deepQuery = (levels: number) => {
  let selection = 'name';
  for (let level = 2; level < levels; level += 1) selection = `children { ${selection} }`;
  return `{ jobCategories(schemeId: "seekAnz") { ${selection} } }`;
};
const costlyField = (index: number) =>
  `jobCategories(schemeId: "s${index}") { id { value } name children { id { value } name children { id { value } name children { id { value } name } } } }`;
const LIMIT_QUERIES = {
  depth: deepQuery(7),
  aliases: '{ a: version b: version c: version d: version e: version }',
  directives:
    '{ version @skip(if: false) self @skip(if: false) { partner @skip(if: false) { name @skip(if: false) } } currencies(usageTypeCode: "SEEKJobPosting") @skip(if: false) { code } }',
  cost: `{ ${[0, 1, 2].map(costlyField).join(' ')} }`,
  tokens: `{ ${Array(300).fill('v').join(' ')} }`,
};

// SEEK's own answers, as the faults send them: passed back byte for byte.
const SEEK_FORBIDDEN_NULL =
  '{"errors":[{"message":"Partner has no relationship with this hirer","locations":[{"line":1,"column":3}],"path":["self"],"extensions":{"code":"FORBIDDEN"}}],"data":null}';
const SEEK_FORBIDDEN_PARTIAL =
  '{"data":{"version":"simulator-1.0.0","self":null},"errors":[{"message":"no access","path":["self"],"extensions":{"code":"FORBIDDEN"}}]}';
const SEEK_UNAUTHENTICATED_PARTIAL =
  '{"data":{"version":"simulator-1.0.0","self":null},"errors":[{"message":"token lacks scope","path":["self"],"extensions":{"code":"UNAUTHENTICATED"}}]}';
const SEEK_UNAUTHENTICATED_NULL =
  '{"errors":[{"message":"Access token is expired","extensions":{"code":"UNAUTHENTICATED"}}],"data":null}';

// ---------------------------------------------------------------------------------------------
// Credentials: filled in beforeAll (rows name them; the table is built before any await).

type Cred =
  | 'service'
  | 'user'
  | 'browser'
  | 'garbage'
  | 'basic'
  | 'bearerOnly'
  | 'bearerTwo'
  | 'badSignature'
  | 'expired'
  | 'algNone'
  | 'trailingDot'
  | 'extraSegment'
  | 'issuerCase'
  | 'issuerNoSlash'
  | 'issuerTwoSlashes';
/** The Authorization header value of each credential. */
const creds = {} as Record<Cred, string>;
/** The secret part of each (what must never show up in an answer, a log line or at SEEK). */
const secretOf = (cred: Cred) => creds[cred].replace(/^Bearer\s*/, '') || creds[cred];

// ---------------------------------------------------------------------------------------------
// The table

type Shape =
  /** `{"data": …}` and nothing else. */
  | 'data'
  /** SEEK's answer as SEEK sent it: `seekText` byte for byte, or `seekBody` structurally. */
  | 'seek'
  /** An HTTP-level refusal or a GraphQL request error: `errors`, no `data` key. */
  | 'request-error'
  /** The gateway's own whole-operation error: `errors`, `data` null or absent. */
  | 'gateway-error';

interface Expectation {
  status: number;
  /** errors[0].extensions.code, or null when the answer has no errors. */
  code: string | null;
  shape: Shape;
  data?: unknown;
  seekText?: string;
  seekBody?: unknown;
  /** `json` (default) or `graphql` (application/graphql-response+json). */
  contentType?: 'json' | 'graphql';
  /** GraphQL calls SEEK receives (retries included); null when SEEK cannot count (down). */
  upstream: number | null;
  /** Requests on SEEK's other routes too (token endpoints); checked when set. */
  seekRequestsAnyRoute?: number;
  /** Response headers, exactly. */
  headers?: Record<string, string>;
  /** errors[0].extensions.limit */
  limit?: string;
  /** Fields of the one log line (undefined: absent). */
  log: Record<string, unknown>;
}

type GatewayName = 'main' | 'noIntrospection' | 'seekDown' | 'safelisted' | 'limited' | 'busy';
interface Target {
  gw: TestGateway;
  entries: Entries;
  simulator: SeekSimulator | undefined;
}

interface EntryDifference {
  why: string;
  request?: Partial<LogicalRequest>;
  expect?: Partial<Omit<Expectation, 'log'>> & { log?: Record<string, unknown> };
}

interface Row {
  name: string;
  group: 'good' | 'malformed' | 'request-error' | 'hostile' | 'caller' | 'seek-failing';
  /** Which gateway answers (default main). */
  gateway?: GatewayName;
  /**
   * Run before each entry's request, to put the gateway in the state the row is about (a limit
   * used up, SEEK's slots taken); what it returns is awaited after the request.
   */
  prepare?: (target: Target) => Promise<(() => Promise<unknown>) | undefined>;
  auth?: Cred;
  request: LogicalRequest;
  /** Entries the row runs on, when not all four, and why. */
  entries?: { only: readonly Entry[]; why: string };
  /** Entries whose request or answer differs by protocol, and why. */
  perEntry?: Partial<Record<Entry, EntryDifference>>;
  /** Faults queued on SEEK's graphql route before each entry's request. */
  faults?: Array<{ fault: SimulatorFault; times?: number }>;
  expect: Expectation;
  answerTimeoutMs?: number;
  /** Body fields whose values may differ between entries (masked before comparing). */
  volatile?: string[];
  /** More checks on one entry's answer. */
  extra?: (result: EntryResult) => void;
}

/** In a log expectation: the caller kind of the row's credential (resolved per row). */
const ROW_CALLER = '<the row caller>';
const callerKindOf = (auth: Cred | undefined) => {
  if (auth === undefined) return 'anonymous';
  if (auth === 'service' || auth === 'user') return auth;
  if (auth === 'browser' || auth === 'garbage') return 'seek-token';
  return 'unknown';
};

const forwardOk = (caller: string, extra: Record<string, unknown> = {}) => ({
  caller,
  route: 'forward',
  outcome: 'ok',
  status: 200,
  upstreamStatus: 200,
  operationType: 'query',
  ...extra,
});
const executeOk = (
  caller: string,
  operationType = 'query',
  extra: Record<string, unknown> = {},
) => ({
  caller,
  route: 'execute',
  outcome: 'ok',
  status: 200,
  upstreamStatus: undefined,
  operationType,
  ...extra,
});

/** HTTP-level refusal: same status whatever Accept says, always application/json. */
const httpRefusal = (
  status: number,
  code: string,
  extra: Partial<Expectation> = {},
): Expectation => ({
  status,
  code,
  shape: 'request-error',
  upstream: 0,
  contentType: 'json',
  ...extra,
  log: {
    caller: 'unknown',
    route: 'refused',
    outcome: 'rejected',
    status,
    upstreamStatus: undefined,
    errorCodes: [code],
    ...extra.log,
  },
});

/** GraphQL request error: 200, or 400 with Accept: application/graphql-response+json. */
const requestError = (
  code: string,
  options: { gqlr?: boolean; limit?: string; log?: Record<string, unknown> } = {},
): Expectation => {
  const status = options.gqlr ? 400 : 200;
  return {
    status,
    code,
    shape: 'request-error',
    upstream: 0,
    contentType: options.gqlr ? 'graphql' : 'json',
    ...(options.limit ? { limit: options.limit } : {}),
    log: {
      // The caller is resolved before the document is judged: the line names it.
      caller: ROW_CALLER,
      route: 'refused',
      outcome: 'rejected',
      status,
      upstreamStatus: undefined,
      // A document can break a rule more than once (one error per costly field…).
      errorCodes: expect.arrayContaining([code]),
      ...options.log,
    },
  };
};

/** The gateway's own error for a whole operation refused at the caller stage (no SEEK call). */
const callerRefusal = (
  status: number,
  code: string,
  caller: string,
  extra: Partial<Expectation> = {},
): Expectation => ({
  status,
  code,
  shape: 'gateway-error',
  upstream: 0,
  ...extra,
  log: {
    caller,
    route: 'refused',
    outcome: 'rejected',
    status,
    upstreamStatus: undefined,
    errorCodes: [code],
    ...extra.log,
  },
});

/** SEEK failed: the gateway's error, after `upstream` calls. */
const seekFailure = (
  status: number,
  code: string,
  upstream: number | null,
  upstreamStatus: number | undefined,
  extra: Partial<Expectation> = {},
): Expectation => ({
  status,
  code,
  shape: 'gateway-error',
  upstream,
  ...extra,
  log: {
    caller: 'service',
    route: 'forward',
    outcome: 'error',
    status,
    upstreamStatus,
    errorCodes: [code],
    operationType: 'query',
    ...extra.log,
  },
});

const mutationByGet = (
  why = 'a mutation sent by GET is refused (405, allow: POST)',
): EntryDifference => ({
  why,
  expect: {
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    shape: 'request-error',
    contentType: 'json',
    upstream: 0,
    headers: { allow: 'POST' },
    log: {
      caller: ROW_CALLER,
      route: 'refused',
      outcome: 'rejected',
      status: 405,
      upstreamStatus: undefined,
      errorCodes: ['METHOD_NOT_ALLOWED'],
      operationType: 'mutation',
    },
  },
});

const POST_ONLY = (why: string) => ({ only: ['post', 'cors', 'apq'] as const, why });
const RAW_BODY = {
  only: ['post', 'cors'] as const,
  why: 'a raw body has no GET form, and no APQ form of its own',
};
const BROWSER_TOKEN_DATA = {
  browserToken: {
    accessToken: expect.any(String),
    tokenType: 'Bearer',
    expiresIn: expect.any(Number),
    expiresAt: expect.any(String),
    hirerId: FAKE_LTD,
    scope: 'query:ontologies',
  },
};
const HIDDEN = 'HIDDEN_FROM_VALIDATION';
const hiddenQuery = `{ self { partner { name } } } # ${HIDDEN}`;
const noHiddenDocumentAtSeek = (result: EntryResult) =>
  expect(JSON.stringify(result.seekRequests)).not.toContain(HIDDEN);
const LONG_NAME = `Op${'A'.repeat(1_000_000)}`;

/**
 * The safelisted gateway's manifest (PERSISTED_DOCUMENTS_REQUIRED=browser): browser-token
 * callers may run these documents only, by id.
 */
const TRUSTED_SELF = 'query TrustedSelf { self { partner { name } hirer { name } } }';
const SAFELISTED_MANIFEST = writeManifest(
  apolloManifest([{ name: 'TrustedSelf', body: TRUSTED_SELF }]),
);
const NOT_IN_LIST = sha256Hex('query NotInTheManifest { version }');
const BY_ID_ONLY = {
  only: ['post', 'cors', 'get'] as const,
  why: 'a request by id has no text of its own: the apq entry would send the same as post',
};
/** A safelisting refusal: 400 whatever Accept says, no SEEK call, the caller logged. */
const safelistRefusal = (code: string): Expectation => ({
  status: 400,
  code,
  shape: 'request-error',
  upstream: 0,
  log: {
    caller: ROW_CALLER,
    route: 'refused',
    outcome: 'rejected',
    status: 400,
    upstreamStatus: undefined,
    errorCodes: [code],
  },
});

const rows: Row[] = [
  // ----------------------------------------------------------------------------- good
  {
    name: 'service query',
    group: 'good',
    auth: 'service',
    request: { query: Q.versionSelf },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 1,
      log: forwardOk('service', { operationName: undefined }),
    },
    extra: (result) =>
      expect(result.seekRequests.find((r) => r.route === 'graphql')?.body).toEqual({
        query: Q.versionSelf,
      }),
  },
  {
    name: 'service query with variables and operationName',
    group: 'good',
    auth: 'service',
    request: {
      query: Q.currencies,
      operationName: 'Currencies',
      variables: { usage: 'SEEKJobPosting' },
    },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: CURRENCY_DATA,
      upstream: 1,
      log: forwardOk('service', { operationName: 'Currencies' }),
    },
    extra: (result) =>
      expect(result.seekRequests.find((r) => r.route === 'graphql')?.body).toEqual({
        query: Q.currencies,
        operationName: 'Currencies',
        variables: { usage: 'SEEKJobPosting' },
      }),
  },
  {
    name: 'several operations, operationName picks one',
    group: 'good',
    auth: 'service',
    request: { query: Q.twoOps, operationName: 'Partner' },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { self: VERSION_SELF_DATA.self },
      upstream: 1,
      log: forwardOk('service', { operationName: 'Partner' }),
    },
  },
  {
    name: 'named operation without operationName',
    group: 'good',
    auth: 'service',
    request: { query: Q.named },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { version: SIMULATOR_VERSION },
      upstream: 1,
      log: forwardOk('service', { operationName: 'Named' }),
    },
  },
  {
    name: 'null operationName, variables and extensions',
    group: 'good',
    auth: 'service',
    request: { query: Q.versionSelf, operationName: null, variables: null, extensions: null },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 1,
      log: forwardOk('service'),
    },
  },
  {
    name: 'extensions map is accepted and not sent to SEEK',
    group: 'good',
    auth: 'service',
    request: { query: Q.versionSelf, extensions: { some: 'value' } },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 1,
      log: forwardOk('service'),
    },
    extra: (result) =>
      expect(result.seekRequests.find((r) => r.route === 'graphql')?.body).toEqual({
        query: Q.versionSelf,
      }),
  },
  {
    name: 'browser-token query (self with hirer)',
    group: 'good',
    auth: 'browser',
    request: { query: Q.browserSelf },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { self: { partner: { name: 'Simulated Partner' }, hirer: { name: 'Fake Ltd' } } },
      upstream: 1,
      log: forwardOk('seek-token'),
    },
    extra: (result) =>
      expect(result.seekRequests.find((r) => r.route === 'graphql')?.headers.authorization).toBe(
        creds.browser,
      ),
  },
  {
    name: 'browser-token query (scoped field)',
    group: 'good',
    auth: 'browser',
    request: { query: Q.browserCurrencies },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: CURRENCY_DATA,
      upstream: 1,
      log: forwardOk('seek-token'),
    },
  },
  {
    name: '{ __typename } anonymous',
    group: 'good',
    request: { query: Q.typename },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { __typename: 'Query' },
      upstream: 0,
      log: executeOk('anonymous'),
    },
  },
  {
    name: '{ __typename } with the service key',
    group: 'good',
    auth: 'service',
    request: { query: Q.typename },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { __typename: 'Query' },
      upstream: 0,
      log: executeOk('service'),
    },
  },
  {
    name: 'introspection anonymous',
    group: 'good',
    request: { query: Q.introspection },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { __schema: { queryType: { name: 'Query' } } },
      upstream: 0,
      log: executeOk('anonymous'),
    },
  },
  {
    name: 'introspection of the merged schema with the service key',
    group: 'good',
    auth: 'service',
    request: { query: Q.typeMutation },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: {
        __type: {
          fields: expect.arrayContaining([
            { name: 'browserToken' },
            { name: 'createWebhookSubscription' },
          ]),
        },
      },
      upstream: 0,
      log: executeOk('service'),
    },
  },
  {
    name: 'mutation { __typename } anonymous',
    group: 'good',
    request: { query: Q.mutationTypename },
    perEntry: { get: mutationByGet() },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { __typename: 'Mutation' },
      upstream: 0,
      log: executeOk('anonymous', 'mutation'),
    },
  },
  {
    name: 'browserToken mutation as service',
    group: 'good',
    auth: 'service',
    request: {
      query: BROWSER_TOKEN_MUTATION,
      operationName: 'BrowserToken',
      variables: { hirerId: FAKE_LTD, scope: 'query:ontologies', userId: 'svc-user-1' },
    },
    perEntry: { get: mutationByGet() },
    volatile: ['expiresIn', 'expiresAt'],
    // The exchange was warmed in beforeAll: every entry is served from the token cache.
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: BROWSER_TOKEN_DATA,
      upstream: 0,
      seekRequestsAnyRoute: 0,
      log: executeOk('service', 'mutation', { operationName: 'BrowserToken' }),
    },
  },
  {
    name: 'browserToken mutation as user',
    group: 'good',
    auth: 'user',
    request: {
      query: BROWSER_TOKEN_MUTATION,
      operationName: 'BrowserToken',
      variables: { hirerId: FAKE_LTD, scope: 'query:ontologies' },
    },
    perEntry: { get: mutationByGet() },
    volatile: ['expiresIn', 'expiresAt'],
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: BROWSER_TOKEN_DATA,
      upstream: 0,
      seekRequestsAnyRoute: 0,
      log: executeOk('user', 'mutation', { operationName: 'BrowserToken' }),
    },
  },
  {
    name: 'Accept: application/graphql-response+json',
    group: 'good',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { accept: GQLR } },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      contentType: 'graphql',
      upstream: 1,
      log: forwardOk('service'),
    },
  },
  {
    name: 'Accept: graphql-response+json with charset, upper case',
    group: 'good',
    auth: 'service',
    request: {
      query: Q.versionSelf,
      headers: { accept: 'Application/GraphQL-Response+JSON; charset=utf-8' },
    },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      contentType: 'graphql',
      upstream: 1,
      log: forwardOk('service'),
    },
  },
  {
    name: 'Accept prefers graphql-response+json by q',
    group: 'good',
    auth: 'service',
    request: {
      query: Q.versionSelf,
      headers: { accept: 'application/json;q=0.5, application/graphql-response+json' },
    },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      contentType: 'graphql',
      upstream: 1,
      log: forwardOk('service'),
    },
  },
  {
    name: 'Accept prefers application/json by q',
    group: 'good',
    auth: 'service',
    request: {
      query: Q.versionSelf,
      headers: { accept: 'application/graphql-response+json;q=0.5, application/json' },
    },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 1,
      log: forwardOk('service'),
    },
  },
  {
    name: 'Accept: */*',
    group: 'good',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { accept: '*/*' } },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 1,
      log: forwardOk('service'),
    },
  },
  {
    name: 'content-type application/json; charset=utf-8, mixed case',
    group: 'good',
    auth: 'service',
    request: {
      query: Q.versionSelf,
      headers: { 'content-type': 'Application/JSON; charset=UTF-8' },
    },
    entries: POST_ONLY('a content type is a POST matter: GET has no body'),
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 1,
      log: forwardOk('service'),
    },
  },
  {
    name: 'content-encoding identity',
    group: 'good',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { 'content-encoding': 'identity' } },
    entries: POST_ONLY('a content encoding is a POST matter: GET has no body'),
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 1,
      log: forwardOk('service'),
    },
  },
  ...(['gzip', 'deflate', 'br'] as const).map((encoding): Row => ({
    name: `${encoding} body that is valid`,
    group: 'good',
    auth: 'service',
    request: { query: Q.versionSelf, encoding },
    entries: POST_ONLY('a content encoding is a POST matter: GET has no body'),
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 1,
      log: forwardOk('service'),
    },
    extra: (result) =>
      expect(result.seekRequests.find((r) => r.route === 'graphql')?.body).toEqual({
        query: Q.versionSelf,
      }),
  })),
  {
    name: 'GET with x-apollo-operation-name instead of apollo-require-preflight',
    group: 'good',
    request: {
      query: 'query Ping { __typename }',
      operationName: 'Ping',
      headers: { 'apollo-require-preflight': null, 'x-apollo-operation-name': 'Ping' },
    },
    entries: { only: ['get'], why: 'the CSRF preflight headers matter on GET only' },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { __typename: 'Query' },
      upstream: 0,
      log: executeOk('anonymous', 'query', { operationName: 'Ping' }),
    },
  },

  // ----------------------------------------------------------------------------- malformed
  {
    name: 'body not JSON',
    group: 'malformed',
    auth: 'service',
    request: { rawBody: '{ "not a JSON' },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  {
    name: 'empty body',
    group: 'malformed',
    auth: 'service',
    request: { rawBody: '' },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  {
    name: 'body JSON string',
    group: 'malformed',
    auth: 'service',
    request: { rawBody: '"{ version }"' },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  {
    name: 'body JSON null',
    group: 'malformed',
    auth: 'service',
    request: { rawBody: 'null' },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  {
    name: 'body JSON number',
    group: 'malformed',
    auth: 'service',
    request: { rawBody: '42' },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  {
    name: 'batch (JSON array)',
    group: 'malformed',
    auth: 'service',
    request: { rawBody: JSON.stringify([{ query: Q.version }, { query: Q.version }]) },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  {
    name: 'batch with Accept graphql-response+json (still application/json)',
    group: 'malformed',
    auth: 'service',
    request: { rawBody: JSON.stringify([{ query: Q.version }]), headers: { accept: GQLR } },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  {
    name: 'query missing',
    group: 'malformed',
    auth: 'service',
    request: { variables: { a: 1 } },
    entries: {
      only: ['post', 'cors', 'get'],
      why: 'apq: a hash with no query is a persisted-query lookup, its own row',
    },
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  ...([123, false, { obj: 'ect' }, ['{ version }']] as const).map((query): Row => ({
    name: `query not a string (${JSON.stringify(query)})`,
    group: 'malformed',
    auth: 'service',
    request: { query },
    entries: {
      only: ['post', 'cors'],
      why: 'GET parameters are always strings; APQ hashes a string query',
    },
    expect: httpRefusal(400, 'BAD_REQUEST'),
  })),
  ...([0, { a: 1 }, ['Op']] as const).map((operationName): Row => ({
    name: `operationName not a string (${JSON.stringify(operationName)})`,
    group: 'malformed',
    auth: 'service',
    request: { query: Q.typename, operationName },
    entries: POST_ONLY('GET parameters are always strings'),
    expect: httpRefusal(400, 'BAD_REQUEST'),
  })),
  ...(['string', 0, [1]] as const).map((variables): Row => ({
    name: `variables not an object (${JSON.stringify(variables)})`,
    group: 'malformed',
    auth: 'service',
    request: { query: Q.typename, variables },
    expect: httpRefusal(400, 'BAD_REQUEST'),
  })),
  {
    name: 'GET variables that are not JSON',
    group: 'malformed',
    auth: 'service',
    request: { rawSearch: `query=${encodeURIComponent(Q.typename)}&variables=%7Bnot-json` },
    entries: { only: ['get'], why: 'a GET parameter that does not parse has no POST form' },
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  ...(['x', [1]] as const).map((extensions): Row => ({
    name: `extensions not an object (${JSON.stringify(extensions)})`,
    group: 'malformed',
    auth: 'service',
    request: { query: Q.typename, extensions },
    entries: {
      only: ['post', 'cors', 'get'],
      why: 'apq puts the hash in extensions, which must be a map',
    },
    expect: httpRefusal(400, 'BAD_REQUEST'),
  })),
  {
    name: 'body over MAX_BODY_BYTES (declared)',
    group: 'malformed',
    auth: 'service',
    request: { query: `{ version } # ${'x'.repeat(MAX_BODY_BYTES)}` },
    entries: POST_ONLY("a URL that long exceeds node's own header limit (431, before the gateway)"),
    expect: httpRefusal(413, 'PAYLOAD_TOO_LARGE', { headers: { connection: 'close' } }),
    extra: (result) => expect(result.socketClosed).toBe(true),
  },
  {
    name: 'over-limit chunked body, without Origin (post) and with it (cors)',
    group: 'malformed',
    auth: 'service',
    request: { rawBody: '{"query":"{ version } #', delivery: { kind: 'endless-chunked' } },
    entries: {
      only: ['post', 'cors'],
      why: 'a streamed raw body has no GET or APQ form; post and cors are the two Origin cases',
    },
    answerTimeoutMs: 8_000,
    expect: httpRefusal(413, 'PAYLOAD_TOO_LARGE', { headers: { connection: 'close' } }),
    extra: (result) => {
      // Answered while the body was still open (it never ends), and the connection closed.
      expect(result.failure).toBeUndefined();
      expect(result.socketClosed).toBe(true);
      expect(result.bytesSentBeforeAnswer).toBeGreaterThan(MAX_BODY_BYTES);
    },
  },
  {
    name: 'body not complete within HTTP_BODY_TIMEOUT_MS',
    group: 'malformed',
    auth: 'service',
    request: { query: Q.version, delivery: { kind: 'stall', declared: 400, sent: 10 } },
    entries: {
      only: ['post', 'cors'],
      why: 'GET has no body; the APQ body would stall the same way',
    },
    answerTimeoutMs: HTTP_BODY_TIMEOUT_MS + 3_000,
    expect: httpRefusal(408, 'REQUEST_TIMEOUT'),
  },
  {
    name: 'content-encoding not supported',
    group: 'malformed',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { 'content-encoding': 'compress' } },
    entries: POST_ONLY('a content encoding is a POST matter: GET has no body'),
    expect: httpRefusal(415, 'UNSUPPORTED_MEDIA_TYPE'),
  },
  {
    name: 'content-encoding br with junk',
    group: 'malformed',
    auth: 'service',
    request: { rawBody: randomBytes(64), headers: { 'content-encoding': 'br' } },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  {
    name: 'content-encoding gzip with junk',
    group: 'malformed',
    auth: 'service',
    request: {
      rawBody: Buffer.from('this is not gzip at all'),
      headers: { 'content-encoding': 'gzip' },
    },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  ...(
    [
      ['text/plain', 400, 'BAD_REQUEST'],
      ['application/x-www-form-urlencoded', 400, 'BAD_REQUEST'],
      ['multipart/form-data; boundary=xyz', 400, 'BAD_REQUEST'],
      [null, 400, 'BAD_REQUEST'],
      ['application/xml', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['application/graphql', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ] as const
  ).map(([contentType, status, code]): Row => ({
    name: `POST with content-type ${contentType ?? '(none)'}, no preflight header`,
    group: 'malformed',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { 'content-type': contentType } },
    entries: POST_ONLY('a content type is a POST matter: GET has no body'),
    expect: httpRefusal(status, code),
  })),
  {
    name: 'POST text/plain with apollo-require-preflight',
    group: 'malformed',
    auth: 'service',
    request: {
      query: Q.versionSelf,
      headers: { 'content-type': 'text/plain', 'apollo-require-preflight': 'true' },
    },
    entries: POST_ONLY('a content type is a POST matter: GET has no body'),
    expect: httpRefusal(415, 'UNSUPPORTED_MEDIA_TYPE'),
  },
  {
    name: 'GET without a CSRF preflight header',
    group: 'malformed',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { 'apollo-require-preflight': null } },
    entries: { only: ['get'], why: 'CSRF prevention needs the preflight header on GET only' },
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  ...(['PUT', 'DELETE', 'PATCH'] as const).map((method): Row => ({
    name: `method ${method}`,
    group: 'malformed',
    auth: 'service',
    request: { query: Q.versionSelf, method },
    expect: httpRefusal(405, 'METHOD_NOT_ALLOWED', { headers: { allow: 'GET, POST' } }),
  })),
  {
    name: 'Accept: text/xml on POST',
    group: 'malformed',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { accept: 'text/xml' } },
    entries: POST_ONLY('the spec answers 406 on POST; a GET asking for HTML gets the Sandbox page'),
    expect: httpRefusal(406, 'NOT_ACCEPTABLE'),
  },
  {
    name: 'Accept: text/html on POST',
    group: 'malformed',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { accept: 'text/html' } },
    entries: POST_ONLY('a GET asking for HTML gets the Sandbox landing page'),
    expect: httpRefusal(406, 'NOT_ACCEPTABLE'),
  },

  // ----------------------------------------------------------------------------- request errors
  {
    name: 'syntax error',
    group: 'request-error',
    auth: 'service',
    request: { query: '{' },
    expect: requestError('GRAPHQL_PARSE_FAILED'),
  },
  {
    name: 'syntax error, Accept graphql-response+json',
    group: 'request-error',
    auth: 'service',
    request: { query: '{', headers: { accept: GQLR } },
    expect: requestError('GRAPHQL_PARSE_FAILED', { gqlr: true }),
  },
  {
    name: 'too many tokens',
    group: 'request-error',
    auth: 'service',
    request: { query: LIMIT_QUERIES.tokens },
    expect: requestError('GRAPHQL_PARSE_FAILED', { limit: 'tokens' }),
  },
  {
    name: 'validation error (unknown field)',
    group: 'request-error',
    auth: 'service',
    request: { query: '{ versio }' },
    expect: requestError('GRAPHQL_VALIDATION_FAILED'),
  },
  {
    name: 'validation error, Accept graphql-response+json',
    group: 'request-error',
    auth: 'service',
    request: { query: '{ versio }', headers: { accept: GQLR } },
    expect: requestError('GRAPHQL_VALIDATION_FAILED', { gqlr: true }),
  },
  ...(['depth', 'aliases', 'cost', 'directives'] as const).map((limit): Row => ({
    name: `over the ${limit} limit`,
    group: 'request-error',
    auth: 'service',
    request: { query: LIMIT_QUERIES[limit] },
    expect: requestError('GRAPHQL_VALIDATION_FAILED', { limit }),
  })),
  {
    name: 'introspection when disabled',
    group: 'request-error',
    gateway: 'noIntrospection',
    request: { query: Q.introspection },
    expect: requestError('GRAPHQL_VALIDATION_FAILED'),
  },
  {
    name: 'subscription',
    group: 'request-error',
    auth: 'service',
    request: { query: 'subscription { version }' },
    expect: requestError('GRAPHQL_VALIDATION_FAILED'),
  },
  {
    name: 'unknown operationName',
    group: 'request-error',
    auth: 'service',
    request: { query: Q.version, operationName: 'Nope' },
    expect: requestError('OPERATION_RESOLUTION_FAILURE', { log: { operationName: 'Nope' } }),
  },
  {
    name: 'two operations and no operationName',
    group: 'request-error',
    auth: 'service',
    request: { query: Q.twoOps },
    expect: requestError('OPERATION_RESOLUTION_FAILURE', { log: { operationName: undefined } }),
  },
  {
    name: 'operationName that is not a GraphQL name',
    group: 'request-error',
    auth: 'service',
    request: { query: Q.version, operationName: 'not a name!' },
    expect: requestError('OPERATION_RESOLUTION_FAILURE', { log: { operationName: undefined } }),
  },
  {
    name: 'variables that do not coerce (wrong type)',
    group: 'request-error',
    auth: 'service',
    request: { query: Q.currencies, operationName: 'Currencies', variables: { usage: 5 } },
    expect: requestError('BAD_USER_INPUT', { log: { operationName: 'Currencies' } }),
  },
  {
    name: 'variables that do not coerce (missing required)',
    group: 'request-error',
    auth: 'service',
    request: { query: Q.currencies, operationName: 'Currencies', variables: {} },
    expect: requestError('BAD_USER_INPUT', { log: { operationName: 'Currencies' } }),
  },
  ...([undefined, GQLR] as const).map((accept): Row => ({
    name: `APQ hash unknown and no query (Accept ${accept ?? 'none'})`,
    group: 'request-error',
    auth: 'service',
    request: {
      extensions: {
        persistedQuery: {
          version: 1,
          sha256Hash: sha256Hex(`{ version } # ${randomBytes(8).toString('hex')}`),
        },
      },
      headers: accept ? { accept } : {},
    },
    entries: {
      only: ['post', 'cors', 'get'],
      why: 'the row is itself a persisted-query request: apq would send the same',
    },
    // 200 for either Accept: Apollo clients retry with the query on this answer.
    expect: {
      ...requestError('PERSISTED_QUERY_NOT_FOUND'),
      contentType: accept ? 'graphql' : 'json',
    },
  })),
  {
    name: 'APQ hash that does not match the query',
    group: 'request-error',
    auth: 'service',
    request: {
      query: Q.typename,
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(Q.version) } },
    },
    entries: { only: ['post', 'cors', 'get'], why: 'the apq entry would send the right hash' },
    expect: {
      ...requestError('BAD_REQUEST'),
      status: 400,
      log: {
        caller: ROW_CALLER,
        route: 'refused',
        outcome: 'rejected',
        status: 400,
        errorCodes: ['BAD_REQUEST'],
      },
    },
  },

  // ----------------------------------------------------------------------------- hostile
  {
    name: 'duplicate query key, the first hidden from validation',
    group: 'hostile',
    auth: 'service',
    request: { rawBody: `{"query":${JSON.stringify(hiddenQuery)},"query":"{ version }"}` },
    perEntry: {
      get: {
        why: 'the GET form of a duplicate key is a repeated parameter',
        request: {
          rawSearch: `query=${encodeURIComponent(hiddenQuery)}&query=${encodeURIComponent(Q.version)}`,
        },
      },
      apq: {
        why: 'the APQ form carries the hash of the second query',
        request: {
          rawBody: `{"query":${JSON.stringify(hiddenQuery)},"extensions":{"persistedQuery":{"version":1,"sha256Hash":"${sha256Hex(Q.version)}"}},"query":"{ version }"}`,
        },
      },
    },
    expect: httpRefusal(400, 'BAD_REQUEST'),
    extra: noHiddenDocumentAtSeek,
  },
  {
    name: 'duplicate query key, the second hidden from validation',
    group: 'hostile',
    auth: 'service',
    request: { rawBody: `{"query":"{ version }","query":${JSON.stringify(hiddenQuery)}}` },
    perEntry: {
      get: {
        why: 'the GET form of a duplicate key is a repeated parameter',
        request: {
          rawSearch: `query=${encodeURIComponent(Q.version)}&query=${encodeURIComponent(hiddenQuery)}`,
        },
      },
      apq: {
        why: 'the APQ form carries the hash of the first query',
        request: {
          rawBody: `{"query":"{ version }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"${sha256Hex(Q.version)}"}},"query":${JSON.stringify(hiddenQuery)}}`,
        },
      },
    },
    expect: httpRefusal(400, 'BAD_REQUEST'),
    extra: noHiddenDocumentAtSeek,
  },
  {
    name: 'duplicate query key spelled with a unicode escape',
    group: 'hostile',
    auth: 'service',
    request: { rawBody: `{"query":"{ version }","\\u0071uery":${JSON.stringify(hiddenQuery)}}` },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
    extra: noHiddenDocumentAtSeek,
  },
  {
    name: 'duplicate operationName key',
    group: 'hostile',
    auth: 'service',
    request: {
      rawBody: `{"query":${JSON.stringify(Q.twoOps)},"operationName":"Version","operationName":"Partner"}`,
    },
    perEntry: {
      get: {
        why: 'the GET form of a duplicate key is a repeated parameter',
        request: {
          rawSearch: `query=${encodeURIComponent(Q.twoOps)}&operationName=Version&operationName=Partner`,
        },
      },
      apq: {
        why: 'the APQ form adds the hash',
        request: {
          rawBody: `{"query":${JSON.stringify(Q.twoOps)},"operationName":"Version","extensions":{"persistedQuery":{"version":1,"sha256Hash":"${sha256Hex(Q.twoOps)}"}},"operationName":"Partner"}`,
        },
      },
    },
    expect: httpRefusal(400, 'BAD_REQUEST'),
  },
  {
    name: 'duplicate variables key',
    group: 'hostile',
    auth: 'service',
    request: {
      rawBody: `{"query":${JSON.stringify(Q.currencies)},"variables":{"usage":"SEEKJobPosting"},"variables":{"usage":"${HIDDEN}"}}`,
    },
    entries: RAW_BODY,
    expect: httpRefusal(400, 'BAD_REQUEST'),
    extra: noHiddenDocumentAtSeek,
  },
  {
    name: '1 MB operationName',
    group: 'hostile',
    auth: 'service',
    request: { query: Q.version, operationName: LONG_NAME },
    entries: POST_ONLY("a 1 MB URL exceeds node's own header limit (431, before the gateway)"),
    expect: requestError('OPERATION_RESOLUTION_FAILURE', { log: { operationName: undefined } }),
    extra: (result) => {
      expect(result.text.length).toBeLessThan(16_384); // the name is not echoed back
      expect(JSON.stringify(result.log ?? {}).length).toBeLessThan(4_096);
    },
  },

  // ----------------------------------------------------------------------------- trusted documents
  {
    name: 'safelisted: browser token runs a trusted document by documentId',
    group: 'good',
    gateway: 'safelisted',
    auth: 'browser',
    request: { documentId: sha256Hex(TRUSTED_SELF) },
    entries: BY_ID_ONLY,
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { self: { partner: { name: 'Simulated Partner' }, hirer: { name: 'Fake Ltd' } } },
      upstream: 1,
      log: forwardOk('seek-token', { operationName: 'TrustedSelf', document: 'manifest' }),
    },
    extra: (result) =>
      expect(result.seekRequests.find((r) => r.route === 'graphql')?.body).toEqual({
        query: TRUSTED_SELF,
      }),
  },
  {
    name: 'safelisted: browser token runs a trusted document by sha256Hash',
    group: 'good',
    gateway: 'safelisted',
    auth: 'browser',
    request: {
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(TRUSTED_SELF) } },
    },
    entries: BY_ID_ONLY,
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: { self: { partner: { name: 'Simulated Partner' }, hirer: { name: 'Fake Ltd' } } },
      upstream: 1,
      log: forwardOk('seek-token', { operationName: 'TrustedSelf', document: 'manifest' }),
    },
  },
  ...([undefined, GQLR] as const).map((accept): Row => ({
    name: `safelisted: browser token sends a document's text (Accept ${accept ?? 'none'})`,
    group: 'request-error',
    gateway: 'safelisted',
    auth: 'browser',
    request: { query: Q.browserSelf, headers: accept ? { accept } : {} },
    perEntry: {
      apq: {
        why: 'the apq entry names the text by a hash the manifest does not hold',
        expect: {
          code: 'PERSISTED_QUERY_NOT_IN_LIST',
          log: { errorCodes: ['PERSISTED_QUERY_NOT_IN_LIST'] },
        },
      },
    },
    expect: {
      ...safelistRefusal('PERSISTED_QUERY_ID_REQUIRED'),
      contentType: accept ? 'graphql' : 'json',
    },
  })),
  {
    name: 'safelisted: browser token names a hash not in the list',
    group: 'request-error',
    gateway: 'safelisted',
    auth: 'browser',
    request: { extensions: { persistedQuery: { version: 1, sha256Hash: NOT_IN_LIST } } },
    entries: BY_ID_ONLY,
    // Never PERSISTED_QUERY_NOT_FOUND: that would invite the client to register the text.
    expect: safelistRefusal('PERSISTED_QUERY_NOT_IN_LIST'),
  },
  {
    name: 'documentId not in the list (any caller)',
    group: 'request-error',
    gateway: 'safelisted',
    auth: 'service',
    request: { documentId: NOT_IN_LIST },
    entries: BY_ID_ONLY,
    expect: safelistRefusal('PERSISTED_QUERY_NOT_IN_LIST'),
  },
  {
    name: 'documentId with a query that is not its document',
    group: 'request-error',
    gateway: 'safelisted',
    auth: 'service',
    request: { documentId: sha256Hex(TRUSTED_SELF), query: Q.version },
    entries: {
      only: ['post', 'cors', 'get'],
      why: 'the apq entry adds a hash next to documentId: refused as both ids given',
    },
    expect: safelistRefusal('BAD_REQUEST'),
  },
  {
    name: 'safelisted: a service key still sends text (counted, not refused)',
    group: 'good',
    gateway: 'safelisted',
    auth: 'service',
    request: { query: Q.versionSelf },
    perEntry: {
      apq: {
        why: 'the apq entry sends an APQ document, logged as such',
        expect: { log: { document: 'apq' } },
      },
    },
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 1,
      log: forwardOk('service', { operationName: undefined, document: 'text' }),
    },
  },
  // ----------------------------------------------------------------------------- callers
  {
    name: 'no credential, SEEK field',
    group: 'caller',
    request: { query: Q.version },
    expect: callerRefusal(401, 'UNAUTHENTICATED', 'anonymous', { log: { operationType: 'query' } }),
  },
  {
    name: 'no credential, SEEK field, Accept graphql-response+json',
    group: 'caller',
    request: { query: Q.version, headers: { accept: GQLR } },
    expect: callerRefusal(401, 'UNAUTHENTICATED', 'anonymous', {
      contentType: 'graphql',
      log: { operationType: 'query' },
    }),
  },
  {
    name: 'Authorization: Basic',
    group: 'caller',
    auth: 'basic',
    request: { query: Q.version },
    expect: callerRefusal(401, 'UNAUTHENTICATED', 'unknown'),
  },
  {
    name: 'Authorization: Bearer with no credential',
    group: 'caller',
    auth: 'bearerOnly',
    request: { query: Q.version },
    expect: callerRefusal(401, 'UNAUTHENTICATED', 'unknown'),
  },
  {
    name: 'Authorization: Bearer with two words',
    group: 'caller',
    auth: 'bearerTwo',
    request: { query: Q.version },
    expect: callerRefusal(401, 'UNAUTHENTICATED', 'unknown'),
  },
  {
    name: 'user JWT on a SEEK field',
    group: 'caller',
    auth: 'user',
    request: { query: Q.version },
    expect: callerRefusal(403, 'FORBIDDEN', 'user', {
      seekRequestsAnyRoute: 0,
      log: { operationType: 'query' },
    }),
  },
  ...(
    [
      ['badSignature', 'JWT claiming our issuer, bad signature'],
      ['expired', 'JWT expired'],
      ['algNone', 'JWT with alg none'],
      ['trailingDot', "JWT with a trailing '.'"],
      ['extraSegment', 'JWT with a fourth segment'],
      ['issuerCase', 'JWT whose issuer differs only in case'],
      ['issuerNoSlash', 'JWT whose issuer lacks the trailing slash'],
      ['issuerTwoSlashes', 'JWT whose issuer has an extra trailing slash'],
    ] as const
  ).map(([auth, name]): Row => ({
    name,
    group: 'caller',
    auth,
    request: { query: Q.version },
    // Never forwarded: not one request on any of SEEK's routes.
    expect: callerRefusal(401, 'UNAUTHENTICATED', 'unknown', { seekRequestsAnyRoute: 0 }),
  })),
  {
    name: 'JWT with a bad signature on { __typename }',
    group: 'caller',
    auth: 'badSignature',
    request: { query: Q.typename },
    expect: callerRefusal(401, 'UNAUTHENTICATED', 'unknown', { seekRequestsAnyRoute: 0 }),
  },
  {
    name: 'any other bearer: forwarded, SEEK’s UNAUTHENTICATED passes through',
    group: 'caller',
    auth: 'garbage',
    request: { query: Q.version },
    expect: {
      status: 200,
      code: 'UNAUTHENTICATED',
      shape: 'seek',
      seekBody: {
        errors: [{ message: 'Access token is invalid', extensions: { code: 'UNAUTHENTICATED' } }],
        data: null,
      },
      upstream: 1,
      log: {
        caller: 'seek-token',
        route: 'forward',
        outcome: 'error',
        status: 200,
        upstreamStatus: 200,
        errorCodes: ['UNAUTHENTICATED'],
      },
    },
  },

  // ----------------------------------------------------------------------------- SEEK failing
  ...([503, 502] as const).map((status): Row => ({
    name: `SEEK ${status} twice (query retried once)`,
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf },
    faults: [{ fault: { kind: 'status', status }, times: 2 }],
    expect: seekFailure(502, 'SEEK_UNAVAILABLE', 2, status),
  })),
  {
    // A 500 may come from a request that ran: not retried, even for a query (502, 503, 504
    // and 429 say it did not run or asked us to wait).
    name: 'SEEK 500 (not retried)',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf },
    faults: [{ fault: { kind: 'status', status: 500 }, times: 2 }],
    expect: seekFailure(502, 'SEEK_UNAVAILABLE', 1, 500),
  },
  {
    name: 'SEEK 503 twice, Accept graphql-response+json',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { accept: GQLR } },
    faults: [{ fault: { kind: 'status', status: 503 }, times: 2 }],
    expect: seekFailure(502, 'SEEK_UNAVAILABLE', 2, 503, { contentType: 'graphql' }),
  },
  {
    name: 'SEEK 429 twice',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf },
    faults: [{ fault: { kind: 'status', status: 429, headers: { 'Retry-After': '0' } }, times: 2 }],
    expect: seekFailure(502, 'SEEK_UNAVAILABLE', 2, 429),
  },
  {
    name: 'SEEK 503 once, then answers',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf },
    faults: [{ fault: { kind: 'status', status: 503 } }],
    expect: {
      status: 200,
      code: null,
      shape: 'data',
      data: VERSION_SELF_DATA,
      upstream: 2,
      log: forwardOk('service'),
    },
  },
  {
    name: 'SEEK resets the connection twice',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf },
    faults: [{ fault: { kind: 'reset' }, times: 2 }],
    expect: seekFailure(502, 'SEEK_UNAVAILABLE', 2, undefined),
  },
  {
    name: 'SEEK hangs (SEEK_TIMEOUT_MS)',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf },
    faults: [{ fault: { kind: 'hang' } }],
    expect: seekFailure(504, 'SEEK_TIMEOUT', 1, undefined),
  },
  {
    name: 'SEEK down (connection refused)',
    group: 'seek-failing',
    gateway: 'seekDown',
    auth: 'service',
    request: { query: Q.versionSelf },
    expect: seekFailure(502, 'SEEK_UNAVAILABLE', null, undefined),
  },
  ...(
    [
      ['{"data": {not json}', 'application/json'],
      ['{"foo":1}', 'application/json'],
      ['[]', 'application/json'],
      ['"x"', 'application/json'],
      ['{"data":{"version":"x","self":null}}', 'text/html; charset=utf-8'],
    ] as const
  ).map(([body, contentType]): Row => ({
    name: `SEEK 200 with ${body} as ${contentType}`,
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf },
    faults: [
      { fault: { kind: 'status', status: 200, body, headers: { 'content-type': contentType } } },
    ],
    expect: seekFailure(502, 'SEEK_BAD_RESPONSE', 1, 200),
  })),
  {
    name: 'SEEK truncated JSON (malformed)',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf },
    faults: [{ fault: { kind: 'malformed' } }],
    expect: seekFailure(502, 'SEEK_BAD_RESPONSE', 1, 200),
  },
  {
    name: 'SEEK 503 on a mutation: not retried',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.webhook, operationName: 'Subscribe' },
    faults: [{ fault: { kind: 'status', status: 503 } }],
    perEntry: { get: mutationByGet() },
    expect: seekFailure(502, 'SEEK_UNAVAILABLE', 1, 503, {
      log: { operationType: 'mutation', operationName: 'Subscribe' },
    }),
  },
  {
    name: 'SEEK reset on a mutation: not retried',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.webhook, operationName: 'Subscribe' },
    faults: [{ fault: { kind: 'reset' } }],
    perEntry: { get: mutationByGet() },
    expect: seekFailure(502, 'SEEK_UNAVAILABLE', 1, undefined, {
      log: { operationType: 'mutation', operationName: 'Subscribe' },
    }),
  },
  ...(
    [
      ['FORBIDDEN without data', SEEK_FORBIDDEN_NULL, 'service', ['FORBIDDEN']],
      ['FORBIDDEN with data', SEEK_FORBIDDEN_PARTIAL, 'service', ['FORBIDDEN']],
      ['UNAUTHENTICATED with data', SEEK_UNAUTHENTICATED_PARTIAL, 'service', ['UNAUTHENTICATED']],
      [
        'UNAUTHENTICATED without data (browser token)',
        SEEK_UNAUTHENTICATED_NULL,
        'browser',
        ['UNAUTHENTICATED'],
      ],
    ] as const
  ).map(([label, body, auth, codes]): Row => ({
    name: `SEEK errors pass through unchanged: ${label}`,
    group: 'seek-failing',
    auth,
    request: { query: Q.versionSelf },
    faults: [{ fault: { kind: 'status', status: 200, body } }],
    // No partner-token refresh, no retry: SEEK's answer is the answer.
    expect: {
      status: 200,
      code: codes[0],
      shape: 'seek',
      seekText: body,
      upstream: 1,
      seekRequestsAnyRoute: 1,
      log: {
        caller: auth === 'browser' ? 'seek-token' : 'service',
        route: 'forward',
        outcome: 'error',
        status: 200,
        upstreamStatus: 200,
        errorCodes: [...codes],
      },
    },
  })),
  {
    name: 'SEEK FORBIDDEN without data, Accept graphql-response+json',
    group: 'seek-failing',
    auth: 'service',
    request: { query: Q.versionSelf, headers: { accept: GQLR } },
    faults: [{ fault: { kind: 'status', status: 200, body: SEEK_FORBIDDEN_NULL } }],
    expect: {
      status: 200,
      code: 'FORBIDDEN',
      shape: 'seek',
      seekText: SEEK_FORBIDDEN_NULL,
      contentType: 'graphql',
      upstream: 1,
      log: {
        caller: 'service',
        route: 'forward',
        outcome: 'error',
        status: 200,
        upstreamStatus: 200,
        errorCodes: ['FORBIDDEN'],
      },
    },
  },
  // ----------------------------------------------------------------------------- caller protection
  {
    name: 'a browser token SEEK refused is refused again without an upstream call',
    group: 'caller',
    auth: 'garbage',
    request: { query: Q.version },
    // The fresh junk token of this entry is sent once first: SEEK answers UNAUTHENTICATED.
    prepare: async (target) => {
      await target.entries.send('post', {
        query: Q.version,
        headers: { authorization: creds.garbage },
      });
      return undefined;
    },
    // As SEEK's own refusal of it went back: 200 with UNAUTHENTICATED.
    expect: callerRefusal(200, 'UNAUTHENTICATED', 'seek-token'),
  },
  {
    name: 'a browser token SEEK refused, Accept graphql-response+json: 200 as SEEK’s own refusal',
    group: 'caller',
    auth: 'garbage',
    request: { query: Q.version, headers: { accept: GQLR } },
    prepare: async (target) => {
      await target.entries.send('post', {
        query: Q.version,
        headers: { authorization: creds.garbage, accept: GQLR },
      });
      return undefined;
    },
    expect: callerRefusal(200, 'UNAUTHENTICATED', 'seek-token', { contentType: 'graphql' }),
  },
  {
    name: 'over the client address limit: 429 RATE_LIMITED with Retry-After, no upstream call',
    group: 'caller',
    gateway: 'limited',
    auth: 'garbage',
    request: { query: Q.version },
    // RATE_LIMIT_ADDRESS_PER_MINUTE=1: one request from this address uses the minute up.
    prepare: async (target) => {
      await target.entries.send('post', {
        query: Q.version,
        headers: { authorization: `Bearer junk-${randomBytes(4).toString('hex')}` },
      });
      return undefined;
    },
    expect: callerRefusal(429, 'RATE_LIMITED', 'seek-token'),
    extra: (result) => {
      expect(Number(result.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(result.log?.serviceName).toBeUndefined();
    },
  },
  {
    name: 'a service over its limit: 429 RATE_LIMITED with Retry-After, no upstream call',
    group: 'caller',
    gateway: 'limited',
    auth: 'service',
    request: { query: Q.version },
    // RATE_LIMIT_SERVICE_PER_MINUTE=1: one request of the service uses the minute up.
    prepare: async (target) => {
      await target.entries.send('post', {
        query: Q.version,
        headers: { authorization: creds.service },
      });
      return undefined;
    },
    expect: callerRefusal(429, 'RATE_LIMITED', 'service', { log: { serviceName: 'env-1' } }),
    extra: (result) => expect(Number(result.headers['retry-after'])).toBeGreaterThanOrEqual(1),
  },
  {
    name: 'every SEEK slot taken and no queue: 503 GATEWAY_BUSY with Retry-After at once',
    group: 'seek-failing',
    gateway: 'busy',
    auth: 'service',
    request: { query: Q.version },
    // SEEK_MAX_CONCURRENCY=1, SEEK_QUEUE_MAX=0: one slow call to SEEK takes the only slot.
    prepare: async (target) => {
      simulator.fault('graphql', { kind: 'delay', ms: 1_500 });
      const seen = simulator.requests.length;
      const holding = target.entries.send('post', {
        query: Q.version,
        headers: { authorization: creds.service },
      });
      while (!simulator.requests.slice(seen).some((request) => request.route === 'graphql'))
        await new Promise((resolve) => setTimeout(resolve, 5));
      return () => holding;
    },
    expect: {
      status: 503,
      code: 'GATEWAY_BUSY',
      shape: 'gateway-error',
      upstream: 0,
      headers: { 'retry-after': '1' },
      log: {
        // Routed to SEEK (the SEEK call stage refused it), so the route is forward.
        caller: 'service',
        route: 'forward',
        outcome: 'error',
        status: 503,
        upstreamStatus: undefined,
        errorCodes: ['GATEWAY_BUSY'],
        operationType: 'query',
        serviceName: 'env-1',
      },
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Running the table

const entriesOf = (row: Row): readonly Entry[] => row.entries?.only ?? ENTRIES;

const expectationFor = (row: Row, entry: Entry): Expectation => {
  const difference = row.perEntry?.[entry]?.expect;
  const merged = difference
    ? {
        ...row.expect,
        ...difference,
        log: { ...row.expect.log, ...difference.log },
      }
    : row.expect;
  if (merged.log.caller !== ROW_CALLER) return merged;
  return { ...merged, log: { ...merged.log, caller: callerKindOf(row.auth) } };
};

const requestFor = (row: Row, entry: Entry): LogicalRequest => {
  const difference = row.perEntry?.[entry]?.request ?? {};
  const headers: Record<string, string | null> = {
    ...(row.auth ? { authorization: creds[row.auth] } : {}),
    ...row.request.headers,
    ...difference.headers,
  };
  return { ...row.request, ...difference, headers };
};

let simulator: SeekSimulator;
let downSimulator: SeekSimulator;
let limitedSimulator: SeekSimulator;
/** Asks the simulator for another browser token into creds.browser (set in beforeAll). */
let freshBrowserToken: () => Promise<void> = async () => undefined;
const targets = {} as Record<GatewayName, Target>;
/** Every answer, by row and entry, for the cross-entry comparisons. */
const results = new Map<string, Map<Entry, EntryResult>>();
const seenRequestIds = new Set<string>();

const firstCode = (body: unknown) => {
  const errors = (body as { errors?: Array<{ extensions?: { code?: unknown } }> } | undefined)
    ?.errors;
  return Array.isArray(errors) ? (errors[0]?.extensions?.code ?? 'NO CODE') : null;
};

const pick = (source: Record<string, unknown> | undefined, keys: string[]) =>
  Object.fromEntries(keys.map((key) => [key, source?.[key]]));

const REQUIRED_LOG_FIELDS = [
  'requestId',
  'method',
  'caller',
  'route',
  'outcome',
  'status',
  'durationMs',
];
const CALLERS = ['service', 'user', 'seek-token', 'anonymous', 'unknown'];

const checkErrors = (result: EntryResult, expected: Expectation) => {
  const body = result.body as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(
    expected.shape === 'request-error' || !('data' in body) ? ['errors'] : ['data', 'errors'],
  );
  if ('data' in body) expect(body.data).toBeNull();
  const errors = body.errors as Array<Record<string, unknown>>;
  expect(Array.isArray(errors) && errors.length > 0).toBe(true);
  for (const error of errors) {
    expect(typeof error.message).toBe('string');
    const allowed = ['message', 'locations', 'path', 'extensions'];
    expect(Object.keys(error).filter((key) => !allowed.includes(key))).toEqual([]);
    const extensions = error.extensions as Record<string, unknown>;
    expect(typeof extensions?.code).toBe('string');
    expect(extensions.requestId).toBe(result.requestId);
    expect(extensions).not.toHaveProperty('stacktrace');
    expect(extensions).not.toHaveProperty('http');
    if (error.locations !== undefined) expect(Array.isArray(error.locations)).toBe(true);
  }
  if (expected.limit) {
    expect((errors[0]?.extensions as Record<string, unknown>).limit).toBe(expected.limit);
    const messages = errors.map((error) => String(error.message)).join('\n');
    expect(messages).toMatch(
      new RegExp(expected.limit === 'aliases' ? 'alias' : expected.limit.replace(/s$/, ''), 'i'),
    );
    for (const number of Object.values(LIMITS))
      expect(messages).not.toMatch(new RegExp(`\\b${number}\\b`));
  }
};

const checkAnswer = (row: Row, entry: Entry, result: EntryResult) => {
  const expected = expectationFor(row, entry);
  const logKeys = [
    ...new Set(['caller', 'route', 'outcome', 'status', ...Object.keys(expected.log)]),
  ];
  const contentType = expected.contentType === 'graphql' ? GQLR_TYPE : JSON_TYPE;

  // One comparison for the headline fields, so a failure shows every difference at once.
  const actual = {
    answered: result.failure ?? 'yes',
    status: result.status,
    code: firstCode(result.body),
    contentType: result.headers['content-type'],
    cacheControl: result.headers['cache-control'],
    requestId: result.requestId && UUID_V4.test(result.requestId) ? 'uuid v4' : result.requestId,
    upstream: expected.upstream === null ? null : result.upstream,
    ...(expected.seekRequestsAnyRoute === undefined
      ? {}
      : { seekRequestsAnyRoute: result.seekRequests.length }),
    headers: pick(result.headers, Object.keys(expected.headers ?? {})),
    ...(entry === 'cors' ? { allowOrigin: result.headers['access-control-allow-origin'] } : {}),
    logLines: result.requestLines.length,
    log: pick(result.log, logKeys),
  };
  const wanted = {
    answered: 'yes',
    status: expected.status,
    code: expected.code,
    contentType,
    cacheControl: 'no-store',
    requestId: 'uuid v4',
    upstream: expected.upstream,
    ...(expected.seekRequestsAnyRoute === undefined
      ? {}
      : { seekRequestsAnyRoute: expected.seekRequestsAnyRoute }),
    headers: expected.headers ?? {},
    ...(entry === 'cors' ? { allowOrigin: CORS_ORIGIN } : {}),
    logLines: 1,
    log: pick(expected.log, logKeys),
  };
  expect(actual).toEqual(wanted);

  // A fresh id per answer, and the log line is that request's.
  expect(seenRequestIds.has(result.requestId as string)).toBe(false);
  seenRequestIds.add(result.requestId as string);
  const line = result.log as Record<string, unknown>;
  for (const field of REQUIRED_LOG_FIELDS)
    expect({ field, present: field in line }).toEqual({ field, present: true });
  expect(line.method).toBe(result.request.method);
  expect(CALLERS).toContain(line.caller);
  expect(typeof line.durationMs).toBe('number');
  if (line.errorCodes !== undefined) expect(Array.isArray(line.errorCodes)).toBe(true);
  if (expected.code !== null && expected.shape !== 'seek')
    expect(line.errorCodes).toEqual(expect.arrayContaining([expected.code]));
  if (typeof line.operationName === 'string')
    expect(line.operationName).toMatch(/^[_A-Za-z][_0-9A-Za-z]*$/);
  // Where the document came from: the apq entry sends the same text as an APQ document.
  if (
    line.document !== undefined &&
    typeof row.request.query === 'string' &&
    row.request.documentId === undefined &&
    row.request.rawBody === undefined
  )
    expect({ entry, document: line.document }).toEqual({
      entry,
      document: entry === 'apq' ? 'apq' : 'text',
    });

  // The body.
  switch (expected.shape) {
    case 'data':
      expect(result.body).toEqual({ data: expected.data });
      break;
    case 'seek':
      if (expected.seekText !== undefined) expect(result.text).toBe(expected.seekText);
      if (expected.seekBody !== undefined) expect(result.body).toEqual(expected.seekBody);
      expect(result.text).not.toContain(String(result.requestId));
      break;
    case 'request-error':
    case 'gateway-error':
      checkErrors(result, expected);
      break;
  }

  // SEEK only ever receives the operation fields, with the document the gateway validated.
  for (const call of result.seekRequests.filter((recorded) => recorded.route === 'graphql')) {
    const body = call.body as Record<string, unknown>;
    expect(
      Object.keys(body).filter((key) => !['query', 'operationName', 'variables'].includes(key)),
    ).toEqual([]);
    if (typeof row.request.query === 'string') expect(body.query).toBe(row.request.query);
  }

  // No credential, key, secret or JWT in the answer, the log lines or (for ours) at SEEK.
  const secrets = [SERVICE_KEY, JWT_SECRET, simulator.clientSecret];
  if (row.auth && !['basic', 'bearerOnly', 'bearerTwo'].includes(row.auth))
    secrets.push(secretOf(row.auth));
  if (row.auth === 'basic') secrets.push(creds.basic.replace(/^Basic /, ''));
  for (const secret of secrets) {
    expect(result.text).not.toContain(secret);
    expect(result.logText).not.toContain(secret);
  }
  expect(result.logText).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
  if (row.auth && !['service', 'browser', 'garbage'].includes(row.auth)) {
    expect(JSON.stringify(result.seekRequests)).not.toContain(secretOf(row.auth));
  }

  row.extra?.(result);
};

const cases = rows.flatMap((row) =>
  entriesOf(row).map((entry) => [`${row.name} [${entry}]`, row, entry] as const),
);

describe('one pipeline: the same answer on every entry', () => {
  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('pipeline') });
    downSimulator = await startSimulator({ clientId: uniqueClientId('pipeline-down') });
    // Limits of their own (another client ID: another Redis namespace), so main's traffic does
    // not count against them.
    limitedSimulator = await startSimulator({ clientId: uniqueClientId('pipeline-limited') });
    const [main, noIntrospection, seekDown, safelisted, limited, busy] = await Promise.all([
      startGateway(simulator, ENV),
      startGateway(simulator, { ...ENV, GRAPHQL_INTROSPECTION: 'false' }),
      startGateway(downSimulator, ENV),
      startGateway(simulator, {
        ...ENV,
        PERSISTED_DOCUMENTS_FILE: SAFELISTED_MANIFEST,
        PERSISTED_DOCUMENTS_REQUIRED: 'browser',
      }),
      startGateway(limitedSimulator, {
        ...ENV,
        RATE_LIMIT_ADDRESS_PER_MINUTE: '1',
        RATE_LIMIT_SERVICE_PER_MINUTE: '1',
        REDIS_COMMAND_TIMEOUT_MS: '1000',
      }),
      startGateway(simulator, {
        ...ENV,
        SEEK_TIMEOUT_MS: '5000',
        SEEK_MAX_CONCURRENCY: '1',
        SEEK_QUEUE_MAX: '0',
      }),
    ]);
    targets.safelisted = {
      gw: safelisted,
      entries: await startEntries(safelisted, simulator),
      simulator,
    };
    targets.limited = {
      gw: limited,
      entries: await startEntries(limited, limitedSimulator),
      simulator: limitedSimulator,
    };
    targets.busy = { gw: busy, entries: await startEntries(busy, simulator), simulator };
    targets.main = { gw: main, entries: await startEntries(main, simulator), simulator };
    targets.noIntrospection = {
      gw: noIntrospection,
      entries: await startEntries(noIntrospection, simulator),
      simulator,
    };
    targets.seekDown = {
      gw: seekDown,
      entries: await startEntries(seekDown, undefined),
      simulator: undefined,
    };
    // The down gateway gets its partner token while SEEK is up; then SEEK goes away.
    const warm = await targets.seekDown.entries.send('post', {
      query: Q.version,
      headers: { authorization: `Bearer ${SERVICE_KEY}` },
    });
    expect(warm.status).toBe(200);
    await downSimulator.close();

    // Credentials.
    const jwt = await userJwt({ hirerIds: [FAKE_LTD] });
    Object.assign(creds, {
      service: `Bearer ${SERVICE_KEY}`,
      user: `Bearer ${jwt}`,
      garbage: `Bearer not-a-seek-token-${randomBytes(6).toString('hex')}`,
      basic: `Basic ${Buffer.from('user:password-123').toString('base64')}`,
      bearerOnly: 'Bearer',
      bearerTwo: 'Bearer two words',
      badSignature: `Bearer ${await userJwt({ hirerIds: [FAKE_LTD], secret: 'another-secret-that-is-at-least-32-bytes!' })}`,
      expired: `Bearer ${await expiredJwt()}`,
      algNone: `Bearer ${algNoneJwt()}`,
      trailingDot: `Bearer ${jwt}.`,
      extraSegment: `Bearer ${jwt}.${Buffer.from('{"x":1}').toString('base64url')}`,
      issuerCase: `Bearer ${await userJwt({ hirerIds: [FAKE_LTD], issuer: 'https://App.Example.Test/' })}`,
      issuerNoSlash: `Bearer ${await userJwt({ hirerIds: [FAKE_LTD], issuer: 'https://app.example.test' })}`,
      issuerTwoSlashes: `Bearer ${await userJwt({ hirerIds: [FAKE_LTD], issuer: 'https://app.example.test//' })}`,
    } satisfies Partial<Record<Cred, string>>);

    // A SEEK browser token, straight from the simulator; a new one after SEEK refused it.
    freshBrowserToken = async () => {
      const token = await browserTokenFromSimulator(simulator, {
        hirerId: FAKE_LTD,
        scope: 'query:ontologies query:organizations',
        userId: 'browser-user-1',
      });
      creds.browser = `Bearer ${token}`;
    };
    await freshBrowserToken();

    // Warm what is cached across requests, so every entry sees the same state: the partner
    // token (one service query) and the two browser-token exchanges of the mutation rows.
    for (const row of rows.filter((candidate) =>
      candidate.name.startsWith('browserToken mutation'),
    )) {
      await targets.main.entries.send('post', requestFor(row, 'post'));
    }
    await targets.main.entries.send('post', {
      query: Q.version,
      headers: { authorization: creds.service },
    });
    simulator.clearRequests();
  }, 60_000);

  afterEach(() => simulator.clearFaults());

  afterAll(async () => {
    for (const target of Object.values(targets)) {
      await target.entries.close();
      await target.gw.stop();
    }
    await simulator.close();
    await limitedSimulator.close();
  });

  it.each(cases)('%s', async (_title, row, entry) => {
    const target = targets[row.gateway ?? 'main'];
    // A junk token SEEK refused is remembered (and refused without asking SEEK): a fresh one
    // per request, so each entry meets SEEK the same way.
    if (row.auth === 'garbage')
      creds.garbage = `Bearer not-a-seek-token-${randomBytes(6).toString('hex')}`;
    const after = await row.prepare?.(target);
    const request = requestFor(row, entry);
    for (const { fault, times } of row.faults ?? []) simulator.fault('graphql', fault, times);
    let result: EntryResult;
    try {
      result = await target.entries.send(entry, request, { answerTimeoutMs: row.answerTimeoutMs });
    } finally {
      simulator.clearFaults();
      await after?.();
    }
    // SEEK refused the browser token (a fault said so): the gateway now remembers it as
    // refused, so the next rows get a new one.
    if (row.auth === 'browser' && result.log?.errorCodes !== undefined) {
      const codes = result.log.errorCodes as string[];
      if (codes.includes('UNAUTHENTICATED')) await freshBrowserToken();
    }
    if (!results.has(row.name)) results.set(row.name, new Map());
    results.get(row.name)?.set(entry, result);
    checkAnswer(row, entry, result);
  });

  /** The entries whose answer the row says is the same (no per-entry answer difference). */
  const comparableEntries = (row: Row) =>
    entriesOf(row).filter((entry) => !row.perEntry?.[entry]?.expect);
  const multiEntryRows = rows
    .filter((row) => comparableEntries(row).length > 1)
    .map((row) => [row.name, row] as const);

  const normalisedLog = (line: Record<string, unknown> | undefined) => {
    if (!line) return undefined;
    const {
      requestId: _id,
      durationMs: _duration,
      method: _method,
      time: _time,
      pid: _pid,
      hostname: _host,
      seekRequestIds,
      // text on post/cors/get, apq on the apq entry: by protocol (checked per entry in checkAnswer).
      document: _document,
      ...rest
    } = line;
    // Each call to SEEK gets a fresh id: only how many calls were made is the same on every entry.
    return {
      ...rest,
      seekCalls: Array.isArray(seekRequestIds) ? seekRequestIds.length : 0,
    };
  };

  it.each(multiEntryRows)(
    '%s: the same log line on every entry (minus requestId, durationMs, method, SEEK ids)',
    (_name, row) => {
      const byEntry = results.get(row.name);
      const lines = comparableEntries(row).map((entry) => ({
        entry,
        line: normalisedLog(byEntry?.get(entry)?.log),
      }));
      const [first] = lines;
      expect(first?.line).toBeDefined();
      for (const { entry, line } of lines)
        expect({ entry, line }).toEqual({ entry, line: first?.line });
    },
  );

  const normalisedBody = (row: Row, result: EntryResult | undefined) => {
    if (!result) return undefined;
    const text = result.requestId
      ? result.text.split(result.requestId).join('<request id>')
      : result.text;
    try {
      return JSON.parse(text, (key, value: unknown) =>
        row.volatile?.includes(key) ? '<volatile>' : value,
      ) as unknown;
    } catch {
      return text;
    }
  };

  /** For bodies, an entry with a different request too (a GET form with its own message). */
  const sameBodyEntries = (row: Row) => entriesOf(row).filter((entry) => !row.perEntry?.[entry]);
  const sameBodyRows = rows
    .filter((row) => sameBodyEntries(row).length > 1)
    .map((row) => [row.name, row] as const);

  it.each(sameBodyRows)('%s: the same status and body on every entry', (_name, row) => {
    const byEntry = results.get(row.name);
    const answers = sameBodyEntries(row).map((entry) => {
      const result = byEntry?.get(entry);
      return { entry, status: result?.status, body: normalisedBody(row, result) };
    });
    const [first] = answers;
    expect(first?.body).toBeDefined();
    for (const answer of answers) expect(answer).toEqual({ ...first, entry: answer.entry });
  });

  it('every row that runs on fewer entries, or differs on one, says why', () => {
    for (const row of rows) {
      if (row.entries)
        expect({ row: row.name, why: row.entries.why.length > 10 }).toEqual({
          row: row.name,
          why: true,
        });
      for (const difference of Object.values(row.perEntry ?? {})) {
        expect({ row: row.name, why: (difference?.why.length ?? 0) > 10 }).toEqual({
          row: row.name,
          why: true,
        });
      }
    }
    expect(rows.length).toBeGreaterThanOrEqual(60);
    expect(new Set(rows.map((row) => row.name)).size).toBe(rows.length);
  });

  // After the apq entry registered a query, the hash alone (POST or GET) gets the same answer.
  const replayRows = rows
    .filter((row) =>
      [
        'service query',
        'service query with variables and operationName',
        'browser-token query (self with hirer)',
      ].includes(row.name),
    )
    .map((row) => [row.name, row] as const);
  it.each(replayRows)(
    '%s: a registered persisted query answers the same by hash alone',
    async (_name, row) => {
      const registered = results.get(row.name)?.get('apq');
      expect(registered?.status).toBe(200);
      const request = requestFor(row, 'post');
      const hashOnly: LogicalRequest = {
        ...request,
        query: undefined,
        extensions: {
          persistedQuery: { version: 1, sha256Hash: sha256Hex(String(row.request.query)) },
        },
      };
      for (const entry of ['post', 'get'] as const) {
        const replay = await targets.main.entries.send(entry, hashOnly);
        expect({
          entry,
          status: replay.status,
          body: normalisedBody(row, replay),
          upstream: replay.upstream,
        }).toEqual({
          entry,
          status: registered?.status,
          body: normalisedBody(row, registered),
          upstream: row.expect.upstream,
        });
        // SEEK got the registered document, not a hash.
        for (const call of replay.seekRequests.filter((recorded) => recorded.route === 'graphql')) {
          expect((call.body as { query?: unknown }).query).toBe(row.request.query);
        }
      }
    },
  );

  // Registering takes a credential: an anonymous caller's document runs, but is not kept.
  it('an anonymous APQ document is not registered: the hash alone is PERSISTED_QUERY_NOT_FOUND', async () => {
    const query = `{ __typename } # ${randomBytes(4).toString('hex')}`;
    expect((await targets.main.entries.send('apq', { query })).status).toBe(200);
    for (const entry of ['post', 'get'] as const) {
      const replay = await targets.main.entries.send(entry, {
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } },
      });
      expect({ entry, status: replay.status, code: firstCode(replay.body) }).toEqual({
        entry,
        status: 200,
        code: 'PERSISTED_QUERY_NOT_FOUND',
      });
    }
  });
});
