/**
 * `npm run bench:replicas`: the shape of the capacity model (README, "Capacity"). N gateway
 * replicas on one Redis, one client id, behind a round-robin balancer (bench/balancer.ts), with
 * a short partner-token lifetime, under steady load for a few lifetimes. What it checks is shape,
 * not speed (the replicas share core 0 of a 2-core machine): token exchanges stay about one per
 * lifetime for all replicas together, Redis commands per request stay flat, every replica gets
 * its share, and SEEK sees one request per client request.
 *
 *   env: BENCH_REPLICAS (4), BENCH_REPLICAS_DURATION_S (30; 16 with BENCH_QUICK=1),
 *        BENCH_TOKEN_TTL_S (10), BENCH_REPLICAS_CONNECTIONS (16)
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBalancer } from './balancer';
import { scratchDir, startBenchServer } from './child';
import { BENCH_HEADERS } from './config';
import { GATEWAY_GRAPHQL_PATH, startGateway, type GatewayProcess } from './gateway';
import { fire, sanityCheck, upstreamCounts, warnings, warnLoudly } from './load';
import { setUpBenchProcess } from './lifecycle';
import { cpuTicks, ticksToMicros } from './procstat';
import { BENCH_SDL, requestBody, VERSION_QUERY } from './queries';
import { calibrateInfoOverhead, redisAvailable, totalCommandsProcessed } from './redis-stats';
import { fmt, markdownTable } from './table';

function envCount(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const replicas = envCount('BENCH_REPLICAS', 4);
  const durationS = envCount('BENCH_REPLICAS_DURATION_S', quick ? 16 : 30);
  const ttlS = envCount('BENCH_TOKEN_TTL_S', 10);
  const connections = envCount('BENCH_REPLICAS_CONNECTIONS', 16);
  const { pin } = setUpBenchProcess(replicas * 30 + durationS + 120);
  if (!(await redisAvailable())) throw new Error('the replicas bench needs Redis (REDIS_URL)');
  const infoOverhead = await calibrateInfoOverhead();

  const schemaFile = path.join(scratchDir(), 'replicas-schema.graphql');
  writeFileSync(schemaFile, BENCH_SDL);
  const upstream = await startBenchServer(
    'upstream (replicas)',
    'upstream',
    { UPSTREAM_TOKEN_EXPIRES_IN: String(ttlS) },
    pin,
  );
  // A client id of its own: no token left in Redis by an earlier run.
  const clientId = `bench-replicas-${Date.now()}`;
  const gateways: GatewayProcess[] = [];
  try {
    for (let i = 0; i < replicas; i++) {
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
    const balancer = await startBalancer(gateways.map((gw) => gw.url));
    try {
      const target = {
        name: `${replicas} replicas behind round-robin`,
        url: `${balancer.url}${GATEWAY_GRAPHQL_PATH}`,
        pid: process.pid,
        headers: BENCH_HEADERS,
      };
      const body = requestBody(VERSION_QUERY);
      await sanityCheck(target, body, VERSION_QUERY.data);
      // Warm every replica (its caches, its JIT) before the window.
      await fire(target, body, connections, 2);
      const spreadBefore = balancer.counts();
      const countsBefore = await upstreamCounts(upstream.url);
      const redisBefore = await totalCommandsProcessed();
      const ticksBefore = gateways.map((gw) => cpuTicks(gw.pid));
      console.error(
        `replicas: ${replicas} gateways, token ttl ${ttlS} s, ${durationS} s at ${connections} connections`,
      );
      const { result, p99Ms } = await fire(target, body, connections, durationS);
      const cpuUs = gateways.reduce(
        (sum, gw, i) => sum + ticksToMicros(cpuTicks(gw.pid) - (ticksBefore[i] ?? 0)),
        0,
      );
      const redisCommands = (await totalCommandsProcessed()) - redisBefore - infoOverhead;
      const countsAfter = await upstreamCounts(upstream.url);
      const spread = balancer.counts().map((n, i) => n - (spreadBefore[i] ?? 0));

      const requests = result.requests.total;
      const failures = result.non2xx + result.errors + result.timeouts;
      if (failures > 0) warnLoudly(`replicas: ${failures} non-2xx/errors/timeouts (must be 0)`);
      const lifetimes = result.duration / ttlS;
      const exchanges = countsAfter.oauthToken - countsBefore.oauthToken;
      const summary = markdownTable(
        ['metric', 'value'],
        [
          ['replicas (one Redis, one client id)', replicas],
          ['partner-token lifetime', `${ttlS} s`],
          ['window', `${fmt(result.duration, 1)} s (${fmt(lifetimes, 1)} lifetimes)`],
          ['requests (all replicas)', requests],
          ['req/s (all replicas, sharing one core)', fmt(requests / result.duration)],
          ['p99 ms (through the balancer)', fmt(p99Ms, 2)],
          ['gateway CPU µs per request (all replicas)', fmt(cpuUs / requests)],
          ['partner-token exchanges in the window', exchanges],
          ['token exchanges per lifetime (all replicas)', fmt(exchanges / lifetimes, 2)],
          ['Redis commands per 1,000 requests', fmt((redisCommands / requests) * 1000, 2)],
          [
            'SEEK /graphql requests per client request',
            fmt((countsAfter.graphql - countsBefore.graphql) / requests, 2),
          ],
          ['non-2xx / errors', failures],
        ],
      );
      const perReplica = markdownTable(
        ['replica', 'share of requests', 'CPU µs/req'],
        gateways.map((gw, i) => [
          `replica ${i + 1}`,
          `${fmt(((spread[i] ?? 0) / requests) * 100, 1)} %`,
          fmt(ticksToMicros(cpuTicks(gw.pid) - (ticksBefore[i] ?? 0)) / (spread[i] ?? 1)),
        ]),
      );
      console.log(
        `## ${replicas} replicas behind a round-robin balancer\n\n${summary}\n\n${perReplica}\n\n` +
          'Shape: about 1 token exchange per lifetime (a refresh ahead of expiry, shared through ' +
          `Redis), not ${replicas}; Redis commands per request flat (no Redis on the hot path).`,
      );
    } finally {
      await balancer.close();
    }
  } finally {
    for (const gw of gateways) await gw.stop();
    await upstream.stop();
  }
}

if (require.main === module) {
  main()
    .then(() => process.exit(warnings.length ? 1 : 0))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
