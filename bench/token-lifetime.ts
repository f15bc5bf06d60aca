/**
 * Token sharing across replicas: 3 gateway processes on one Redis, a short upstream token
 * lifetime, steady traffic spread over the 3 for ~40 s. A shared, well-refreshed token cache
 * fetches about one partner token per lifetime, not one per replica.
 *
 *   npm run bench:tokens        (or BENCH_TOKENS=1 npm run bench, at the end)
 *   env: BENCH_TOKEN_TTL_S (12), BENCH_TOKENS_DURATION_S (40; 24 with BENCH_QUICK=1),
 *        BENCH_TOKENS_RATE (req/s per replica, 100)
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { scratchDir, startBenchServer } from './child';
import { BENCH_HEADERS } from './config';
import { GATEWAY_GRAPHQL_PATH, gatewayBuilt, startGateway, type GatewayProcess } from './gateway';
import { sanityCheck, upstreamCounts, warnLoudly } from './load';
import { setUpBenchProcess } from './lifecycle';
import { BENCH_SDL, requestBody, VERSION_QUERY } from './queries';
import { fmt, markdownTable } from './table';

const REPLICAS = 3;

export interface TokenLifetimeResult {
  markdown: string;
}

export async function runTokenLifetime(pin: boolean): Promise<TokenLifetimeResult> {
  const quick = process.env.BENCH_QUICK === '1';
  const ttlS = Number(process.env.BENCH_TOKEN_TTL_S ?? 12);
  const durationS = Number(process.env.BENCH_TOKENS_DURATION_S ?? (quick ? 24 : 40));
  const ratePerReplica = Number(process.env.BENCH_TOKENS_RATE ?? 100);
  if (!gatewayBuilt()) {
    warnLoudly('token lifetime case skipped: dist/gateway.js missing');
    return { markdown: 'Skipped: gateway not built.' };
  }
  const schemaFile = path.join(scratchDir(), 'tokens-schema.graphql');
  writeFileSync(schemaFile, BENCH_SDL);
  const upstream = await startBenchServer(
    'upstream (tokens)',
    'upstream',
    { UPSTREAM_TOKEN_EXPIRES_IN: String(ttlS) },
    pin,
  );
  const clientId = `bench-${Date.now()}`;
  const gateways: GatewayProcess[] = [];
  try {
    for (let i = 0; i < REPLICAS; i++) {
      gateways.push(
        await startGateway({
          label: `gateway replica ${i + 1}`,
          upstreamUrl: upstream.url,
          schemaFile,
          pin,
          clientId,
        }),
      );
    }
    const body = requestBody(VERSION_QUERY);
    for (const gw of gateways) {
      await sanityCheck(
        {
          name: gw.name,
          url: `${gw.url}${GATEWAY_GRAPHQL_PATH}`,
          pid: gw.pid,
          headers: BENCH_HEADERS,
        },
        body,
        VERSION_QUERY.data,
      );
    }
    const before = await upstreamCounts(upstream.url);
    console.error(
      `token lifetime: ${REPLICAS} replicas, client id ${clientId}, token ttl ${ttlS} s, ` +
        `${durationS} s of traffic at ${ratePerReplica} req/s per replica`,
    );
    const results = await Promise.all(
      gateways.map((gw) =>
        autocannon({
          url: `${gw.url}${GATEWAY_GRAPHQL_PATH}`,
          method: 'POST',
          headers: BENCH_HEADERS,
          body,
          connections: 2,
          overallRate: ratePerReplica,
          duration: durationS,
          timeout: 10,
        }),
      ),
    );
    const after = await upstreamCounts(upstream.url);
    const fetches = after.oauthToken - before.oauthToken;
    const lifetimes = durationS / ttlS;
    const rows = results.map((r, i) => [
      `replica ${i + 1}`,
      fmt(r.requests.total / r.duration),
      fmt(r.latency.p99, 1),
      r.non2xx,
      r.errors + r.timeouts,
    ]);
    const failures = results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
    if (failures > 0) warnLoudly(`token lifetime: ${failures} non-2xx/errors during traffic`);
    const summary = markdownTable(
      ['metric', 'value'],
      [
        ['replicas (same Redis, same client id)', REPLICAS],
        ['upstream token lifetime', `${ttlS} s`],
        ['traffic window', `${durationS} s (${fmt(lifetimes, 1)} lifetimes)`],
        ['token fetches during startup (all replicas)', before.oauthToken],
        ['token fetches during traffic', fetches],
        ['token fetches per lifetime elapsed', fmt(fetches / lifetimes, 2)],
        [
          'upstream /graphql per client request',
          fmt(
            (after.graphql - before.graphql) / results.reduce((n, r) => n + r.requests.total, 0),
            2,
          ),
        ],
      ],
    );
    const perReplica = markdownTable(['replica', 'req/s', 'p99 ms', 'non-2xx', 'errors'], rows);
    return {
      markdown: `${summary}\n\n${perReplica}\n\nIdeal: about 1 fetch per lifetime (a shared cache refreshed once, shortly before expiry), not ${REPLICAS}.`,
    };
  } finally {
    for (const gw of gateways) await gw.stop();
    await upstream.stop();
  }
}

if (require.main === module) {
  const { pin } = setUpBenchProcess(300);
  runTokenLifetime(pin)
    .then(({ markdown }) => {
      console.log(`## Token lifetime across replicas\n\n${markdown}`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
