/**
 * Every caller's hot path, side by side with the raw hop in one run (10 connections by default):
 * a service's query (the fast lane), a browser-token bearer's `self`, a user's `browserToken`
 * served from the cache (app JWT verification included), an automatic persisted query by hash,
 * the fast lane's query as a trusted document by id (PERSISTED_DOCUMENTS_FILE), and a service's
 * `browserToken` (executed by Apollo Server rather than forwarded).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { SignJWT } from 'jose';

import { startBenchServer, type ChildServer } from './child';
import { BENCH_HEADERS, type BenchConfig } from './config';
import { GATEWAY_GRAPHQL_PATH, gatewayBuilt, startGateway } from './gateway';
import { combineRounds, measure, warnLoudly, type Measurement, type Target } from './load';
import { SELF_QUERY, VERSION_QUERY, requestBody } from './queries';
import { fmt, markdownTable } from './table';

export interface CallersContext {
  config: BenchConfig;
  pin: boolean;
  upstream: ChildServer;
  benchSchemaFile: string;
}

export interface CallersResult {
  rows: Measurement[];
  markdown: string;
}

const JWT_ISSUER = 'https://bench.example/';
const JWT_AUDIENCE = 'seek-gateway-bench';
const JWT_SECRET = 'bench-user-jwt-secret-0123456789abcdef';
const HIRER_ID = 'seekAnzPublicTest:organization:seek:93WyyF1h';
/**
 * Users asking for browser tokens in turn: the per-user browserToken limit stays out of the way
 * (it is a limit, not a cost), and each user's token is fetched once, then served from the cache.
 */
const USERS = 40;

const userJwt = (index: number) =>
  new SignJWT({ seek_hirer_ids: [HIRER_ID] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`bench-user-${index}`)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(JWT_SECRET));

const BROWSER_TOKEN_MUTATION =
  'mutation browserToken($hirerId: String!) { browserToken(hirerId: $hirerId, scope: "query:organizations") { tokenType hirerId scope } }';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface CallerPath {
  name: string;
  body: string;
  expectData: unknown;
  headers: Record<string, string>;
  authorizations?: string[];
  /** Sent once before the measurement (an APQ registration). */
  prime?: string;
}

export const callerPaths = async (): Promise<CallerPath[]> => {
  const users = await Promise.all(Array.from({ length: USERS }, (_, index) => userJwt(index)));
  const apqHash = sha256(VERSION_QUERY.query);
  const persisted = { persistedQuery: { version: 1, sha256Hash: apqHash } };
  const browserTokenData = {
    browserToken: { tokenType: 'Bearer', hirerId: HIRER_ID, scope: 'query:organizations' },
  };
  return [
    {
      name: 'service query (fast lane)',
      body: requestBody(VERSION_QUERY),
      expectData: VERSION_QUERY.data,
      headers: BENCH_HEADERS,
    },
    {
      name: 'browser token: self',
      body: requestBody(SELF_QUERY),
      expectData: SELF_QUERY.data,
      // Not a service key and not our issuer: forwarded with the caller's own token.
      headers: { ...BENCH_HEADERS, authorization: 'Bearer bench-browser-token-of-a-frontend' },
    },
    {
      name: 'user: browserToken (cached)',
      body: JSON.stringify({
        query: BROWSER_TOKEN_MUTATION,
        operationName: 'browserToken',
        variables: { hirerId: HIRER_ID },
      }),
      expectData: browserTokenData,
      headers: { ...BENCH_HEADERS, authorization: `Bearer ${users[0] as string}` },
      authorizations: users.map((jwt) => `Bearer ${jwt}`),
    },
    {
      name: 'service: APQ by hash',
      body: JSON.stringify({ operationName: 'version', extensions: persisted }),
      expectData: VERSION_QUERY.data,
      headers: BENCH_HEADERS,
      prime: JSON.stringify({
        query: VERSION_QUERY.query,
        operationName: 'version',
        extensions: persisted,
      }),
    },
    {
      // The fast lane's request, its text replaced by its id in the manifest.
      name: 'service: trusted document by id',
      body: JSON.stringify({ documentId: sha256(VERSION_QUERY.query), operationName: 'version' }),
      expectData: VERSION_QUERY.data,
      headers: BENCH_HEADERS,
    },
    {
      name: 'service: browserToken (Apollo)',
      body: JSON.stringify({
        query:
          'mutation serviceToken($hirerId: String!) { browserToken(hirerId: $hirerId, scope: "query:organizations", userId: "bench-service-user") { tokenType hirerId scope } }',
        operationName: 'serviceToken',
        variables: { hirerId: HIRER_ID },
      }),
      expectData: browserTokenData,
      headers: BENCH_HEADERS,
    },
  ];
};

/** The manifest the "trusted document by id" path names its document from (a temp file). */
export const writeCallersManifest = (): { file: string; remove: () => void } => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-manifest-'));
  const file = path.join(dir, 'persisted-documents.json');
  writeFileSync(file, JSON.stringify({ [sha256(VERSION_QUERY.query)]: VERSION_QUERY.query }));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
};

/** The configuration every caller path needs, on top of the bench's: user JWTs, the manifest. */
export const callersGatewayEnv = (manifestFile: string): Record<string, string> => ({
  AUTH_JWT_ISSUER: JWT_ISSUER,
  AUTH_JWT_AUDIENCE: JWT_AUDIENCE,
  AUTH_JWT_SECRET: JWT_SECRET,
  BROWSER_TOKEN_RATE_PER_MINUTE: '100000',
  // Caller protection's limits are limits, not costs: off (0) so every row measures its path.
  RATE_LIMIT_BROWSER_PER_MINUTE: '0',
  RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
  PERSISTED_DOCUMENTS_FILE: manifestFile,
});

/** Sends each path's priming request once (an APQ registration). */
export const primeCallerPaths = async (gatewayUrl: string, paths: readonly CallerPath[]) => {
  for (const caller of paths) {
    if (!caller.prime) continue;
    await fetch(gatewayUrl, { method: 'POST', headers: caller.headers, body: caller.prime });
  }
};

export async function runCallersCase(ctx: CallersContext): Promise<CallersResult | undefined> {
  if (!gatewayBuilt()) {
    warnLoudly('callers case: dist/gateway.js missing (npm run build), skipped');
    return undefined;
  }
  const servers: ChildServer[] = [];
  // The manifest the "trusted document by id" row names its document from.
  const manifest = writeCallersManifest();
  try {
    const hop = await startBenchServer(
      'raw hop',
      'raw-hop',
      { UPSTREAM_URL: ctx.upstream.url },
      ctx.pin,
    );
    servers.push(hop);
    const gateway = await startGateway({
      label: 'gateway (callers)',
      upstreamUrl: ctx.upstream.url,
      schemaFile: ctx.benchSchemaFile,
      pin: ctx.pin,
      clientId: 'bench-callers',
      env: callersGatewayEnv(manifest.file),
    });
    servers.push(gateway);
    const gatewayUrl = `${gateway.url}${GATEWAY_GRAPHQL_PATH}`;
    const paths = await callerPaths();
    await primeCallerPaths(gatewayUrl, paths);
    const runs: { target: Target; path: CallerPath }[] = [
      {
        target: {
          name: 'raw hop',
          url: `${hop.url}/graphql`,
          pid: hop.pid,
          headers: BENCH_HEADERS,
        },
        path: paths[0] as CallerPath,
      },
      ...paths.map((caller) => ({
        target: {
          name: caller.name,
          url: gatewayUrl,
          pid: gateway.pid,
          headers: caller.headers,
          authorizations: caller.authorizations,
        },
        path: caller,
      })),
    ];
    const perTarget = new Map<string, Measurement[]>();
    const connections = ctx.config.connections.includes(10)
      ? 10
      : (ctx.config.connections[0] ?? 10);
    for (let round = 1; round <= ctx.config.rounds; round++) {
      console.error(`callers table, round ${round}/${ctx.config.rounds}`);
      for (const { target, path } of round % 2 ? runs : [...runs].reverse()) {
        const m = await measure(target, {
          connections,
          durationS: ctx.config.durationS,
          warmupS: ctx.config.warmupS,
          body: path.body,
          expectData: path.expectData,
          upstreamUrl: ctx.upstream.url,
        });
        perTarget.set(target.name, [...(perTarget.get(target.name) ?? []), m]);
      }
    }
    const rows = [...perTarget.values()].map(combineRounds);
    return { rows, markdown: formatCallers(rows, connections, ctx.config) };
  } finally {
    for (const server of servers.reverse()) await server.stop();
    manifest.remove();
  }
}

const formatCallers = (rows: Measurement[], connections: number, config: BenchConfig) => {
  const hop = rows.find((row) => row.target === 'raw hop');
  const fastLane = rows.find((row) => row.target === 'service query (fast lane)');
  const table = markdownTable(
    [
      'path',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'CPU ÷ hop',
      'CPU ÷ fast lane',
      'upstream req/req',
      'non-2xx',
    ],
    rows.map((row) => [
      row.target,
      fmt(row.reqPerSec),
      fmt(row.p50Ms, 2),
      fmt(row.p99Ms, 2),
      fmt(row.cpuUsPerReq),
      hop ? `${fmt(row.cpuUsPerReq / hop.cpuUsPerReq, 2)}x` : '-',
      fastLane && row.target !== 'raw hop'
        ? `${fmt(row.cpuUsPerReq / fastLane.cpuUsPerReq, 2)}x`
        : '-',
      fmt(row.upstreamPerReq, 2),
      row.non2xx,
    ]),
  );
  const cached = rows.find((row) => row.target === 'user: browserToken (cached)');
  const verdict =
    cached && fastLane
      ? `- Cached \`browserToken\` (JWT verification included) costs ${fmt(cached.cpuUsPerReq / fastLane.cpuUsPerReq, 2)}x the fast lane per request: ${cached.cpuUsPerReq <= 2 * fastLane.cpuUsPerReq ? 'PASS' : 'FAIL'} (target ≤ 2x)`
      : '';
  const byId = rows.find((row) => row.target === 'service: trusted document by id');
  const byIdVerdict =
    byId && fastLane
      ? `- A trusted document by id costs ${fmt(byId.cpuUsPerReq / fastLane.cpuUsPerReq, 2)}x the same request with its text (fast lane) per request: ${byId.cpuUsPerReq <= 1.1 * fastLane.cpuUsPerReq ? 'PASS' : 'FAIL'} (target: no more, within 10% for noise)`
      : '';
  return [
    table,
    '',
    `- ${connections} connections, ${config.durationS} s per cell after ${config.warmupS} s warm-up, median of ${config.rounds} round(s), order reversed every other round. All gateway paths hit one gateway process (Redis token cache, user JWTs on, HS256).`,
    `- "user: browserToken (cached)" takes ${USERS} users' JWTs in turn: each user's browser token is fetched from the stand-in once, then served from the cache; the per-user browserToken limit is raised for the run.`,
    '- "service: APQ by hash" sends only the hash of a document registered before the run.',
    '- "service: trusted document by id" sends only the `documentId` of the fast lane\'s query, from the manifest (PERSISTED_DOCUMENTS_FILE) the gateway loaded at start-up.',
    verdict,
    byIdVerdict,
  ]
    .filter(Boolean)
    .join('\n');
};
