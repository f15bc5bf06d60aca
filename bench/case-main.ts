/**
 * Main table: direct vs raw hop vs apollo+wrapSchema vs gateway, small query, alternating
 * targets at each connection count, `rounds` times (median reported). With
 * BENCH_BASELINE_DIST, "gateway (baseline)" (another build, started the same way) runs too,
 * and a before/after table gives each gateway's CPU, req/s and p99 as a ratio to the raw hop.
 */
import { startBenchServer, type ChildServer } from './child';
import { BENCH_HEADERS, sleep, type BenchConfig } from './config';
import { GATEWAY_GRAPHQL_PATH, gatewayBuilt, startGateway, type GatewayProcess } from './gateway';
import { combineRounds, measure, warnLoudly, type Measurement, type Target } from './load';
import { requestBody, VERSION_QUERY } from './queries';
import { totalCommandsProcessed } from './redis-stats';
import { fmt, markdownTable } from './table';

export const BASELINE_TARGET = 'gateway (baseline)';
export const TARGETS = [
  'direct',
  'raw hop',
  'apollo + wrapSchema',
  BASELINE_TARGET,
  'gateway',
] as const;
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
  baselineReadyMs?: number;
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
  let baseline: GatewayProcess | undefined;
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

    // Started after the gateway, so the gateway's spawn → ready is timed as without a baseline.
    if (ctx.config.baselineEntry) {
      try {
        baseline = await startGateway({
          label: BASELINE_TARGET,
          entry: ctx.config.baselineEntry,
          upstreamUrl: ctx.upstream.url,
          schemaFile: ctx.benchSchemaFile,
          pin: ctx.pin,
          // Its own token-cache namespace in the shared Redis, so neither build reads the
          // other's entry (the two may store it differently). Nothing else differs.
          clientId: 'bench-baseline',
        });
        servers.push(baseline);
        targets.push({
          name: BASELINE_TARGET,
          url: `${baseline.url}${GATEWAY_GRAPHQL_PATH}`,
          pid: baseline.pid,
          headers: BENCH_HEADERS,
        });
        console.error(
          `${BASELINE_TARGET} (${ctx.config.baselineEntry}) ready in ${baseline.readyMs.toFixed(0)} ms`,
        );
      } catch (err) {
        warnLoudly(`${BASELINE_TARGET} did not start: ${(err as Error).message}`);
      }
    }
    // Measured in TARGETS order (baseline before gateway), whatever the start order.
    targets.sort(
      (x, y) => TARGETS.indexOf(x.name as TargetName) - TARGETS.indexOf(y.name as TargetName),
    );

    const body = requestBody(VERSION_QUERY);
    const perKey = new Map<string, Measurement[]>();
    for (let round = 1; round <= ctx.config.rounds; round++) {
      console.error(`main table, round ${round}/${ctx.config.rounds}`);
      for (const connections of ctx.config.connections) {
        for (const target of roundOrder(targets, round)) {
          const m = await measure(target, {
            connections,
            durationS: ctx.config.durationS,
            warmupS: ctx.config.warmupS,
            body,
            expectData: VERSION_QUERY.data,
            upstreamUrl: ctx.upstream.url,
            redisInfoOverhead:
              target.name === 'gateway' || target.name === BASELINE_TARGET
                ? ctx.redisInfoOverhead
                : undefined,
          });
          const key = `${target.name}@${connections}`;
          perKey.set(key, [...(perKey.get(key) ?? []), m]);
        }
      }
    }
    const rows = [...perKey.values()].map(combineRounds);

    // The idle Redis rate below is the current gateway's alone.
    const baselineStderrBytes = baseline?.stderrBytes();
    if (baseline) {
      await baseline.stop();
      servers.splice(servers.indexOf(baseline), 1);
    }
    if (baselineStderrBytes) {
      warnLoudly(
        `${BASELINE_TARGET} wrote ${baselineStderrBytes} bytes to stderr (${baseline?.stderrFile})`,
      );
    }

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
      baselineReadyMs: baseline?.readyMs,
      gatewayIdleRedisPerS,
      gatewayStderrBytes,
      markdown: formatMain(rows, ctx.config, gatewayIdleRedisPerS),
    };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

/**
 * The targets in the order one round measures them: as listed, except that with a baseline
 * the two gateways swap places every other round, so neither one always runs right after
 * apollo + wrapSchema or right after the other gateway: a position effect is split evenly.
 */
function roundOrder(targets: Target[], round: number): Target[] {
  const a = targets.findIndex((t) => t.name === BASELINE_TARGET);
  const b = targets.findIndex((t) => t.name === 'gateway');
  if (a < 0 || b < 0 || round % 2 === 1) return targets;
  const order = [...targets];
  [order[a], order[b]] = [order[b] as Target, order[a] as Target];
  return order;
}

/** `value` as a multiple of the raw hop's at the same connection count, e.g. `1.88x`. */
export function ratioToHop(
  rows: Measurement[],
  m: Measurement,
  pick: (m: Measurement) => number,
): number {
  const hop = byTarget(rows, 'raw hop', m.connections);
  return hop ? pick(m) / pick(hop) : NaN;
}

function fmtRatio(value: number): string {
  return Number.isNaN(value) ? '-' : `${fmt(value, 2)}x`;
}

const cpu = (m: Measurement): number => m.cpuUsPerReq;
const rps = (m: Measurement): number => m.reqPerSec;
const p99 = (m: Measurement): number => m.p99Ms;

/**
 * Raw hop, gateway (baseline) and gateway side by side, each with its ratio to the raw hop
 * measured in the same run (the before/after figures issue 9 asks for). Empty without a
 * baseline row.
 */
export function baselineComparison(rows: Measurement[], config: BenchConfig): string {
  if (!rows.some((r) => r.target === BASELINE_TARGET)) return '';
  const names = ['raw hop', BASELINE_TARGET, 'gateway'];
  const ordered = config.connections.flatMap((c) =>
    names.map((t) => byTarget(rows, t, c)).filter((m): m is Measurement => m !== undefined),
  );
  return markdownTable(
    ['conns', 'target', 'CPU µs/req', 'CPU ÷ hop', 'req/s', 'req/s ÷ hop', 'p99 ms', 'p99 ÷ hop'],
    ordered.map((m) => [
      m.connections,
      m.target,
      fmt(m.cpuUsPerReq),
      fmtRatio(ratioToHop(rows, m, cpu)),
      fmt(m.reqPerSec),
      fmtRatio(ratioToHop(rows, m, rps)),
      fmt(m.p99Ms, 2),
      fmtRatio(ratioToHop(rows, m, p99)),
    ]),
  );
}

function formatMain(rows: Measurement[], config: BenchConfig, idleRedisPerS?: number): string {
  // The CPU ÷ hop column only with a baseline, so the default table stays as it was.
  const hasBaseline = rows.some((r) => r.target === BASELINE_TARGET);
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
      ...(hasBaseline ? ['CPU ÷ hop'] : []),
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
      ...(hasBaseline ? [fmtRatio(ratioToHop(rows, m, cpu))] : []),
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
    hasBaseline
      ? 'CPU µs/req: utime+stime of the server process only (direct: the upstream; raw hop: the hop; ' +
        'gateway and gateway (baseline): that gateway) over the measured window ÷ requests completed. ' +
        "CPU ÷ hop: that figure over the raw hop's at the same connection count, same run."
      : 'CPU µs/req: utime+stime of the server process only (direct: the upstream; raw hop: the hop; ' +
        'gateway: the gateway) over the measured window ÷ requests completed.',
  ];
  if (hasBaseline) {
    notes.push(
      `gateway (baseline): \`${config.baselineEntry}\`, started like the gateway (same node flags, ` +
        'env, schema file, cwd) except its SEEK_CLIENT_ID (`bench-baseline`, a separate token-cache ' +
        'key in the shared Redis). Both gateways are up during every window, so each Redis ' +
        "column includes the other's idle background commands.",
    );
  }
  if (idleRedisPerS !== undefined) {
    notes.push(
      `Gateway Redis background rate (idle, 2 s${hasBaseline ? ', baseline stopped' : ''}): ${fmt(idleRedisPerS, 1)} commands/s ` +
        '(included in the Redis cmds/1k req column, which is measured as is).',
    );
  }
  const comparison = baselineComparison(rows, config);
  const comparisonSection = comparison
    ? `\n\n### Before / after: gateway (baseline) vs gateway, ratios to the raw hop (same run)\n\n${comparison}`
    : '';
  return `${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}${comparisonSection}`;
}
