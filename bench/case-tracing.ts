/**
 * What tracing costs per request: the same service query (the fast lane) through the raw hop,
 * the gateway with tracing off, and the same gateway build with tracing on at 100% sampling
 * (OTEL_TRACES_SAMPLER=always_on) exporting to a local OTLP/HTTP receiver that counts the spans
 * it gets, all in one run. The exporter's work (batching, JSON encoding, the POSTs) happens in
 * the gateway process, so its CPU is in the "tracing on" figure.
 *
 * Opt-in (`BENCH_CASES=tracing`, ~40 s a round at the default 10 s per cell).
 */
import { startBenchServer, type ChildServer } from './child';
import { BENCH_HEADERS, sleep, type BenchConfig } from './config';
import { GATEWAY_GRAPHQL_PATH, gatewayBuilt, startGateway } from './gateway';
import { combineRounds, fire, measure, warnLoudly, type Measurement, type Target } from './load';
import { otlpCounts } from './otlp-receiver';
import { requestBody, VERSION_QUERY } from './queries';
import { fmt, markdownTable } from './table';

export interface TracingContext {
  config: BenchConfig;
  pin: boolean;
  upstream: ChildServer;
  benchSchemaFile: string;
}

export interface TracingResult {
  rows: TracingRow[];
  markdown: string;
}

interface TracingRow extends Measurement {
  /** Spans the receiver got per request of the window (tracing on only). */
  spansPerReq?: number;
}

const HOP = 'raw hop';
const OFF = 'gateway, tracing off';
const ON = 'gateway, tracing on (100%)';

/** Longer than the span processor's 1 s batch delay: what was queued has been exported. */
const FLUSH_MS = 1_500;

/**
 * The spans of a fast-lane request on a warm gateway: the server span, "read operation",
 * "forward to SEEK" and its "SEEK graphql" client span (validation is cached, tokens in memory).
 */
const EXPECTED_SPANS_PER_REQUEST = 4;

export async function runTracingCase(ctx: TracingContext): Promise<TracingResult | undefined> {
  if (!gatewayBuilt()) {
    warnLoudly('tracing case: dist/gateway.js missing (npm run build), skipped');
    return undefined;
  }
  const servers: ChildServer[] = [];
  try {
    const hop = await startBenchServer(
      'raw hop',
      'raw-hop',
      { UPSTREAM_URL: ctx.upstream.url },
      ctx.pin,
    );
    servers.push(hop);
    const receiver = await startBenchServer('otlp receiver', 'otlp-receiver', {}, false);
    servers.push(receiver);
    const common = { upstreamUrl: ctx.upstream.url, schemaFile: ctx.benchSchemaFile, pin: ctx.pin };
    const off = await startGateway({ ...common, label: OFF, clientId: 'bench-tracing-off' });
    servers.push(off);
    const on = await startGateway({
      ...common,
      label: ON,
      clientId: 'bench-tracing-on',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_SERVICE_NAME: 'seek-gateway-bench',
      },
    });
    servers.push(on);

    const targets: Target[] = [
      { name: HOP, url: `${hop.url}/graphql`, pid: hop.pid, headers: BENCH_HEADERS },
      { name: OFF, url: `${off.url}${GATEWAY_GRAPHQL_PATH}`, pid: off.pid, headers: BENCH_HEADERS },
      { name: ON, url: `${on.url}${GATEWAY_GRAPHQL_PATH}`, pid: on.pid, headers: BENCH_HEADERS },
    ];
    const body = requestBody(VERSION_QUERY);
    const connections = ctx.config.connections.includes(10)
      ? 10
      : (ctx.config.connections[0] ?? 10);
    const perTarget = new Map<string, TracingRow[]>();
    for (let round = 1; round <= ctx.config.rounds; round++) {
      console.error(`tracing table, round ${round}/${ctx.config.rounds}`);
      for (const target of round % 2 ? targets : [...targets].reverse()) {
        // Warm up here, then let the warm-up's spans reach the receiver before counting, so the
        // window's count is the window's spans (every target waits the same).
        if (ctx.config.warmupS > 0) await fire(target, body, connections, ctx.config.warmupS);
        await sleep(FLUSH_MS);
        const before = await otlpCounts(receiver.url);
        const measured: TracingRow = await measure(target, {
          connections,
          durationS: ctx.config.durationS,
          warmupS: 0,
          body,
          expectData: VERSION_QUERY.data,
          upstreamUrl: ctx.upstream.url,
        });
        await sleep(FLUSH_MS);
        const after = await otlpCounts(receiver.url);
        if (target.name === ON) {
          // One request more than the window: measure's sanity check.
          measured.spansPerReq = (after.spans - before.spans) / (measured.requests + 1);
        } else if (after.spans !== before.spans) {
          warnLoudly(`${target.name}: the receiver got spans from a target without tracing`);
        }
        perTarget.set(target.name, [...(perTarget.get(target.name) ?? []), measured]);
      }
    }
    const rows = [...perTarget.values()].map((rounds): TracingRow => {
      const spans = rounds.map((row) => row.spansPerReq).filter((v) => v !== undefined);
      return {
        ...combineRounds(rounds),
        spansPerReq: spans.length ? Math.min(...spans) : undefined,
      };
    });
    const traced = rows.find((row) => row.target === ON);
    if (traced?.spansPerReq !== undefined && traced.spansPerReq < EXPECTED_SPANS_PER_REQUEST * 0.95)
      warnLoudly(
        `tracing case: ${fmt(traced.spansPerReq, 2)} spans per request reached the receiver (expected ${EXPECTED_SPANS_PER_REQUEST}): spans were dropped`,
      );
    return { rows, markdown: formatTracing(rows, connections, ctx.config) };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

const formatTracing = (rows: TracingRow[], connections: number, config: BenchConfig) => {
  const hop = rows.find((row) => row.target === HOP);
  const off = rows.find((row) => row.target === OFF);
  const on = rows.find((row) => row.target === ON);
  const table = markdownTable(
    [
      'target',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'CPU ÷ hop',
      'CPU ÷ off',
      'spans/req',
      'non-2xx',
    ],
    rows.map((row) => [
      row.target,
      fmt(row.reqPerSec),
      fmt(row.p50Ms, 2),
      fmt(row.p99Ms, 2),
      fmt(row.cpuUsPerReq),
      hop ? `${fmt(row.cpuUsPerReq / hop.cpuUsPerReq, 2)}x` : '-',
      off && row.target !== HOP ? `${fmt(row.cpuUsPerReq / off.cpuUsPerReq, 2)}x` : '-',
      row.spansPerReq === undefined ? '-' : fmt(row.spansPerReq, 2),
      row.non2xx,
    ]),
  );
  const cost =
    on && off
      ? `- Tracing at 100% sampling costs ${fmt(on.cpuUsPerReq - off.cpuUsPerReq)} µs of CPU per request (${fmt(on.cpuUsPerReq / off.cpuUsPerReq, 2)}x the gateway with tracing off), exporter included; req/s ${fmt(on.reqPerSec)} vs ${fmt(off.reqPerSec)}.`
      : '';
  return [
    table,
    '',
    `- ${connections} connections, ${config.durationS} s per cell after ${config.warmupS} s warm-up, median of ${config.rounds} round(s), order reversed every other round. Service query (the fast lane) on two gateway processes of the same build; "tracing on" exports OTLP/HTTP to a local receiver (its own process) that counts spans.`,
    `- spans/req: spans the receiver got for the window ÷ requests (${EXPECTED_SPANS_PER_REQUEST} expected: server, read operation, forward to SEEK, SEEK graphql).`,
    cost,
  ]
    .filter(Boolean)
    .join('\n');
};
