/**
 * Main table: direct vs raw hop vs apollo+wrapSchema vs gateway, small query, alternating
 * targets at each connection count, `rounds` times (median reported).
 */
import { startBenchServer, type ChildServer } from './child';
import { BENCH_HEADERS, sleep, type BenchConfig } from './config';
import { GATEWAY_GRAPHQL_PATH, gatewayBuilt, startGateway, type GatewayProcess } from './gateway';
import { combineRounds, measure, warnLoudly, type Measurement, type Target } from './load';
import { requestBody, VERSION_QUERY } from './queries';
import { totalCommandsProcessed } from './redis-stats';
import { fmt, markdownTable } from './table';

export const TARGETS = ['direct', 'raw hop', 'apollo + wrapSchema', 'gateway'] as const;
export type TargetName = (typeof TARGETS)[number];

export interface MainContext {
  config: BenchConfig;
  pin: boolean;
  upstream: ChildServer;
  benchSchemaFile: string;
  /** Our own INFO overhead, if Redis is reachable. */
  redisInfoOverhead?: number;
}

export interface MainResult {
  rows: Measurement[];
  gatewayReadyMs?: number;
  gatewayIdleRedisPerS?: number;
  gatewayStderrBytes?: number;
  markdown: string;
}

export function byTarget(
  rows: Measurement[],
  target: string,
  connections: number,
): Measurement | undefined {
  return rows.find((r) => r.target === target && r.connections === connections);
}

export async function runMainCase(ctx: MainContext): Promise<MainResult> {
  const servers: ChildServer[] = [];
  const targets: Target[] = [];
  const upstreamEnv = { UPSTREAM_URL: ctx.upstream.url };
  let gateway: GatewayProcess | undefined;
  try {
    targets.push({
      name: 'direct',
      url: `${ctx.upstream.url}/graphql`,
      pid: ctx.upstream.pid,
      headers: BENCH_HEADERS,
    });
    const hop = await startBenchServer('raw hop', 'raw-hop', upstreamEnv, ctx.pin);
    servers.push(hop);
    targets.push({
      name: 'raw hop',
      url: `${hop.url}/graphql`,
      pid: hop.pid,
      headers: BENCH_HEADERS,
    });
    const apollo = await startBenchServer(
      'apollo + wrapSchema',
      'apollo-wrap-baseline',
      { ...upstreamEnv, BENCH_SCHEMA_FILE: ctx.benchSchemaFile },
      ctx.pin,
    );
    servers.push(apollo);
    targets.push({
      name: 'apollo + wrapSchema',
      url: `${apollo.url}/graphql`,
      pid: apollo.pid,
      headers: BENCH_HEADERS,
    });
    if (gatewayBuilt()) {
      try {
        gateway = await startGateway({
          label: 'gateway',
          upstreamUrl: ctx.upstream.url,
          schemaFile: ctx.benchSchemaFile,
          pin: ctx.pin,
        });
        servers.push(gateway);
        targets.push({
          name: 'gateway',
          url: `${gateway.url}${GATEWAY_GRAPHQL_PATH}`,
          pid: gateway.pid,
          headers: BENCH_HEADERS,
        });
        console.error(`gateway ready in ${gateway.readyMs.toFixed(0)} ms`);
      } catch (err) {
        warnLoudly(`gateway did not start: ${(err as Error).message}`);
      }
    } else {
      warnLoudly('gateway: dist/gateway.js missing (npm run build), gateway rows skipped');
    }

    const body = requestBody(VERSION_QUERY);
    const perKey = new Map<string, Measurement[]>();
    for (let round = 1; round <= ctx.config.rounds; round++) {
      console.error(`main table, round ${round}/${ctx.config.rounds}`);
      for (const connections of ctx.config.connections) {
        for (const target of targets) {
          const m = await measure(target, {
            connections,
            durationS: ctx.config.durationS,
            warmupS: ctx.config.warmupS,
            body,
            expectData: VERSION_QUERY.data,
            upstreamUrl: ctx.upstream.url,
            redisInfoOverhead: target.name === 'gateway' ? ctx.redisInfoOverhead : undefined,
          });
          const key = `${target.name}@${connections}`;
          perKey.set(key, [...(perKey.get(key) ?? []), m]);
        }
      }
    }
    const rows = [...perKey.values()].map(combineRounds);

    let gatewayIdleRedisPerS: number | undefined;
    if (gateway && ctx.redisInfoOverhead !== undefined) {
      const before = await totalCommandsProcessed();
      await sleep(2000);
      const after = await totalCommandsProcessed();
      gatewayIdleRedisPerS = (after - before - ctx.redisInfoOverhead) / 2;
    }
    const gatewayStderrBytes = gateway?.stderrBytes();
    if (gatewayStderrBytes) {
      warnLoudly(`gateway wrote ${gatewayStderrBytes} bytes to stderr (${gateway?.stderrFile})`);
    }
    return {
      rows,
      gatewayReadyMs: gateway?.readyMs,
      gatewayIdleRedisPerS,
      gatewayStderrBytes,
      markdown: formatMain(rows, ctx.config, gatewayIdleRedisPerS),
    };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

function formatMain(rows: Measurement[], config: BenchConfig, idleRedisPerS?: number): string {
  const ordered = config.connections.flatMap((c) =>
    TARGETS.map((t) => byTarget(rows, t, c)).filter((m): m is Measurement => m !== undefined),
  );
  const table = markdownTable(
    [
      'target',
      'conns',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'RSS MB',
      'upstream req/req',
      'non-2xx',
      'errors',
      'Redis cmds/1k req',
    ],
    ordered.map((m) => [
      m.target,
      m.connections,
      fmt(m.reqPerSec),
      fmt(m.p50Ms, 2),
      fmt(m.p99Ms, 2),
      fmt(m.cpuUsPerReq),
      fmt(m.rssMb, 1),
      fmt(m.upstreamPerReq, 2),
      m.non2xx,
      m.errors + m.timeouts,
      fmt(m.redisPer1k, 1),
    ]),
  );
  const notes = [
    `Query \`query version { version }\` (operationName \`version\`), POST JSON; ${config.durationS} s ` +
      `per cell after ${config.warmupS} s warm-up, median of ${config.rounds} round(s), targets alternated.`,
    'CPU µs/req: utime+stime of the server process only (direct: the upstream; raw hop: the hop; ' +
      'gateway: the gateway) over the measured window ÷ requests completed.',
  ];
  if (idleRedisPerS !== undefined) {
    notes.push(
      `Gateway Redis background rate (idle, 2 s): ${fmt(idleRedisPerS, 1)} commands/s ` +
        '(included in the Redis cmds/1k req column, which is measured as is).',
    );
  }
  return `${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}`;
}
