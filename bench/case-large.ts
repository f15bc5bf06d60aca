/**
 * Large schema (SEEK-sized SDL): gateway start-up time, idle RSS, a 10-field query with
 * fragments; then growth with query size (1/10/100 root fields) and response size (1 KB–1 MB).
 */
import type { GraphQLSchema } from 'graphql';
import { measureCheckFloor, type CheckFloor } from './checkFloor';
import { startBenchServer, type ChildServer } from './child';
import { BENCH_HEADERS, sleep, type BenchConfig } from './config';
import { GATEWAY_GRAPHQL_PATH, gatewayBuilt, startGateway, type GatewayProcess } from './gateway';
import { measure, warnLoudly, type Measurement, type Target } from './load';
import { IDLE_RSS_TARGET_MB, IDLE_SETTLE_MS, idleRssVerdict } from './memory';
import { rssMb } from './procstat';
import {
  growthQuery,
  largeTenQuery,
  listQuery,
  padQuery,
  requestBody,
  type BenchQuery,
} from './queries';
import { fmt, markdownTable } from './table';

export interface LargeContext {
  config: BenchConfig;
  pin: boolean;
  upstream: ChildServer;
  largeSchemaFile: string;
  largeSchema: GraphQLSchema;
  largeSdlBytes: number;
  largeTypeCount: number;
}

export interface LargeResult {
  /** The response-size rows, for the targets (large answers against the raw hop). */
  sizeRows?: { label: string; m: Measurement }[];
  /** The JSON check's own cost on each large answer's bytes (in the bench process). */
  checkFloors?: CheckFloor[];
  readyMs?: number;
  idleRssMb?: number;
  markdown: string;
}

export function largeCaseQueries(schema: GraphQLSchema): BenchQuery[] {
  return [
    largeTenQuery(schema),
    growthQuery(schema, 1),
    growthQuery(schema, 10),
    growthQuery(schema, 100),
    padQuery('1kb'),
    padQuery('100kb'),
    padQuery('1mb'),
    listQuery('100kb'),
    listQuery('1mb'),
  ];
}

const GROWTH_CONNECTIONS = 10;
/** Concurrent 1 MB answers for the memory row (issue 15: RSS under 50 concurrent 1 MB answers). */
const MEMORY_CONNECTIONS = 50;

export async function runLargeCase(ctx: LargeContext): Promise<LargeResult> {
  const direct: Target = {
    name: 'direct',
    url: `${ctx.upstream.url}/graphql`,
    pid: ctx.upstream.pid,
    headers: BENCH_HEADERS,
  };
  const header =
    `Synthetic SEEK-sized SDL: ${fmt(ctx.largeSdlBytes / 1024, 1)} KB, ${ctx.largeTypeCount} types ` +
    '(`scripts/generate-large-schema.ts`).';
  if (!gatewayBuilt()) {
    warnLoudly('large schema case skipped: dist/gateway.js missing');
    return { markdown: `${header}\n\nSkipped: gateway not built.` };
  }
  let gateway: GatewayProcess | undefined;
  let hop: ChildServer | undefined;
  try {
    // The floor for the response-size rows: a Node hop piping the same bytes untouched.
    hop = await startBenchServer('raw hop', 'raw-hop', { UPSTREAM_URL: ctx.upstream.url }, ctx.pin);
    gateway = await startGateway({
      label: 'gateway (large schema)',
      upstreamUrl: ctx.upstream.url,
      schemaFile: ctx.largeSchemaFile,
      pin: ctx.pin,
    });
  } catch (err) {
    warnLoudly(`gateway (large schema) did not start: ${(err as Error).message}`);
    await hop?.stop();
    return { markdown: `${header}\n\nGateway did not start: ${(err as Error).message}` };
  }
  try {
    const readyMs = gateway.readyMs;
    await sleep(IDLE_SETTLE_MS);
    const idleRssMb = rssMb(gateway.pid);
    console.error(
      `large schema: ready in ${readyMs.toFixed(0)} ms, idle RSS ${idleRssMb.toFixed(1)} MB`,
    );
    const gw: Target = {
      name: 'gateway',
      url: `${gateway.url}${GATEWAY_GRAPHQL_PATH}`,
      pid: gateway.pid,
      headers: BENCH_HEADERS,
    };
    const [ten, ...growth] = largeCaseQueries(ctx.largeSchema);
    if (!ten) throw new Error('no large query');

    const tenRows: Measurement[] = [];
    for (const target of [direct, gw]) {
      tenRows.push(
        await measure(target, {
          connections: GROWTH_CONNECTIONS,
          durationS: ctx.config.durationS,
          warmupS: ctx.config.warmupS,
          body: requestBody(ten),
          expectData: ten.data,
          upstreamUrl: ctx.upstream.url,
        }),
      );
    }

    const rawHop: Target = {
      name: 'raw hop',
      url: `${hop.url}/graphql`,
      pid: hop.pid,
      headers: BENCH_HEADERS,
    };
    const growthRows: { label: string; m: Measurement }[] = [];
    for (const q of growth) {
      const sized = q.operationName.startsWith('pad_') || q.operationName.startsWith('list_');
      const targets = sized ? [direct, rawHop, gw] : [direct, gw];
      for (const target of targets) {
        const m = await measure(target, {
          connections: GROWTH_CONNECTIONS,
          durationS: ctx.config.growthDurationS,
          warmupS: Math.min(ctx.config.warmupS, 1),
          body: requestBody(q),
          expectData: q.data,
          upstreamUrl: ctx.upstream.url,
        });
        growthRows.push({ label: q.operationName, m });
      }
    }
    // RSS right after 50 connections fetched 1 MB answers back to back (streamed by the gateway).
    const oneMb = growth.find((q) => q.operationName === 'pad_1mb');
    const memoryRows: Measurement[] = [];
    if (oneMb) {
      for (const target of [rawHop, gw]) {
        memoryRows.push(
          await measure(target, {
            connections: MEMORY_CONNECTIONS,
            durationS: ctx.config.growthDurationS,
            warmupS: 0,
            body: requestBody(oneMb),
            expectData: oneMb.data,
            upstreamUrl: ctx.upstream.url,
          }),
        );
      }
    }
    const memoryTable = markdownTable(
      ['target', 'conns', 'req/s', 'p99 ms', 'CPU µs/req', 'RSS MB after', 'non-2xx', 'errors'],
      memoryRows.map((m) => [
        m.target,
        m.connections,
        fmt(m.reqPerSec),
        fmt(m.p99Ms, 2),
        fmt(m.cpuUsPerReq),
        fmt(m.rssMb, 1),
        m.non2xx,
        m.errors + m.timeouts,
      ]),
    );
    const startup = markdownTable(
      ['metric', 'value', 'target'],
      [
        ['spawn → /ready 200', `${fmt(readyMs)} ms`, '≤ 1,000 ms'],
        [
          'idle RSS (ready + 1 s)',
          `${fmt(idleRssMb, 1)} MB`,
          `≤ ${IDLE_RSS_TARGET_MB} MB: ${idleRssVerdict(idleRssMb)} (median of 5: npm run bench:memory)`,
        ],
      ],
    );
    const tenTable = markdownTable(
      [
        'target',
        'conns',
        'req/s',
        'p50 ms',
        'p99 ms',
        'CPU µs/req',
        'upstream req/req',
        'non-2xx',
        'errors',
      ],
      tenRows.map((m) => [
        m.target,
        m.connections,
        fmt(m.reqPerSec),
        fmt(m.p50Ms, 2),
        fmt(m.p99Ms, 2),
        fmt(m.cpuUsPerReq),
        fmt(m.upstreamPerReq, 2),
        m.non2xx,
        m.errors + m.timeouts,
      ]),
    );
    const growthTable = markdownTable(
      [
        'case',
        'target',
        'response KB',
        'req/s',
        'p50 ms',
        'p99 ms',
        'CPU µs/req',
        'CPU µs/KB resp',
        'upstream req/req',
        'non-2xx',
        'errors',
      ],
      growthRows.map(({ label, m }) => [
        label.startsWith('growth_')
          ? `${label.slice('growth_'.length)} root field(s)`
          : label.startsWith('list_')
            ? `objects ${label.slice('list_'.length)}`
            : `response ${label.slice('pad_'.length)}`,
        m.target,
        fmt(m.responseBytes / 1024, 2),
        fmt(m.reqPerSec),
        fmt(m.p50Ms, 2),
        fmt(m.p99Ms, 2),
        fmt(m.cpuUsPerReq),
        label.startsWith('growth_') ? '-' : fmt(m.cpuUsPerReq / (m.responseBytes / 1024), 2),
        fmt(m.upstreamPerReq, 2),
        m.non2xx,
        m.errors + m.timeouts,
      ]),
    );
    const markdown = [
      header,
      '',
      startup,
      '',
      `10-field query with fragments (\`largeTen\`), ${GROWTH_CONNECTIONS} connections, ${ctx.config.durationS} s:`,
      '',
      tenTable,
      '',
      `### Growth (large schema, ${GROWTH_CONNECTIONS} connections, ${ctx.config.growthDurationS} s per row)`,
      '',
      growthTable,
      '',
      `### ${MEMORY_CONNECTIONS} concurrent 1 MB answers (${ctx.config.growthDurationS} s; idle gateway RSS ${fmt(idleRssMb, 1)} MB)`,
      '',
      memoryTable,
    ].join('\n');
    const sizeRows = growthRows.filter(({ label }) => !label.startsWith('growth_'));
    // Timed after the load, on the load generator's core, when nothing else runs there.
    const checkFloors = growth
      .filter((q) => ['pad_100kb', 'pad_1mb', 'list_100kb', 'list_1mb'].includes(q.operationName))
      .map(measureCheckFloor);
    const floorTable = markdownTable(
      ['answer', 'bytes', 'JSON check µs', 'ns/byte', 'JSON.parse µs', 'ns/byte'],
      checkFloors.map((f) => [
        f.label,
        fmt(f.bodyBytes),
        fmt(f.checkUs),
        fmt((f.checkUs * 1000) / f.bodyBytes, 2),
        fmt(f.parseUs),
        fmt((f.parseUs * 1000) / f.bodyBytes, 2),
      ]),
    );
    return {
      readyMs,
      idleRssMb,
      sizeRows,
      checkFloors,
      markdown: [
        markdown,
        '',
        "### The streamed answer's JSON check by itself (bench process, 64 KiB chunks, median of 41)",
        '',
        floorTable,
      ].join('\n'),
    };
  } finally {
    await gateway.stop();
    await hop.stop();
  }
}
