/**
 * `npm run bench:memory`: the gateway's memory with the SEEK-size schema. Idle RSS (ready + 1 s)
 * over several starts, median reported against the target, with where it sits
 * (/proc/<pid>/smaps_rollup: anonymous memory is the heap and code; file-backed is the node
 * binary and libraries); then one gateway under 50 connections for 60 s, its RSS after the run
 * and after 5 s of rest, beside idle.
 *
 *   env: BENCH_MEMORY_STARTS (5), BENCH_MEMORY_LOAD_S (60; 10 with BENCH_QUICK=1; 0: idle only),
 *        BENCH_MEMORY_CONNECTIONS (50), BENCH_GATEWAY_ENTRY (another bundle to measure),
 *        BENCH_GATEWAY_NODE_FLAGS (other node flags than `npm start`'s, e.g. to try one)
 *
 * The large case of `npm run bench` measures one start against the same target.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { countSchemaTypes, generateLargeSchemaSdl } from '../scripts/generate-large-schema';
import { scratchDir, startBenchServer } from './child';
import { BENCH_HEADERS, sleep } from './config';
import { GATEWAY_ENTRY, GATEWAY_GRAPHQL_PATH, GATEWAY_NODE_FLAGS, startGateway } from './gateway';
import { fire, median, sanityCheck, warnings, warnLoudly, type Target } from './load';
import { setUpBenchProcess } from './lifecycle';
import { rssMb } from './procstat';
import {
  buildBenchSchema,
  fixtureFile,
  largeTenQuery,
  requestBody,
  type BenchQuery,
} from './queries';
import { fmt, markdownTable } from './table';

/** Idle RSS of the gateway with the SEEK-size schema, ready + 1 s (issue 15 item 4). */
export const IDLE_RSS_TARGET_MB = 90;

/** How long after /ready the idle RSS is read: start-up's garbage has been collected by then. */
export const IDLE_SETTLE_MS = 1000;

export const idleRssVerdict = (mb: number | undefined): string =>
  mb === undefined || Number.isNaN(mb) ? 'n/a' : mb <= IDLE_RSS_TARGET_MB ? 'PASS' : 'FAIL';

/** Resident memory by kind, in MB, from /proc/<pid>/smaps_rollup (Linux). */
export interface RssParts {
  rss: number;
  anonymous: number;
  file: number;
}

export function rssParts(pid: number): RssParts {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  const rss = kb('Rss');
  const anonymous = kb('Anonymous');
  return { rss: rss / 1024, anonymous: anonymous / 1024, file: (rss - anonymous) / 1024 };
}

function envCount(name: string, fallback: number, min = 1): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
}

interface LoadRun {
  reqPerSec: number;
  peakMb: number;
  after: RssParts;
  rested: RssParts;
}

/** Traffic on one gateway: the peak RSS (sampled every 500 ms), then RSS right after and 5 s on. */
async function loadRun(target: Target, query: BenchQuery, connections: number, loadS: number) {
  const body = requestBody(query);
  await sanityCheck(target, body, query.data);
  let peakMb = 0;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(target.pid))), 500);
  const { result } = await fire(target, body, connections, loadS).finally(() =>
    clearInterval(sampler),
  );
  const after = rssParts(target.pid);
  await sleep(5000);
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) warnLoudly(`memory run: ${failures} non-2xx/errors/timeouts`);
  return {
    reqPerSec: result.requests.total / result.duration,
    peakMb,
    after,
    rested: rssParts(target.pid),
  } satisfies LoadRun;
}

function markdown(
  sdl: string,
  idle: RssParts[],
  load: LoadRun | undefined,
  connections: number,
  loadS: number,
): string {
  const idleMedian = median(idle.map((p) => p.rss));
  const row = (label: string, parts: RssParts, target = '-') => [
    label,
    fmt(parts.rss, 1),
    fmt(parts.anonymous, 1),
    fmt(parts.file, 1),
    target,
  ];
  const rows = [
    row(
      `idle, ready + ${IDLE_SETTLE_MS / 1000} s (median of ${idle.length} starts; ` +
        `min ${fmt(Math.min(...idle.map((p) => p.rss)), 1)}, max ${fmt(Math.max(...idle.map((p) => p.rss)), 1)})`,
      {
        rss: idleMedian,
        anonymous: median(idle.map((p) => p.anonymous)),
        file: median(idle.map((p) => p.file)),
      },
      `≤ ${IDLE_RSS_TARGET_MB} MB: ${idleRssVerdict(idleMedian)}`,
    ),
  ];
  if (load) {
    rows.push(
      [`peak during ${loadS} s at ${connections} connections`, fmt(load.peakMb, 1), '-', '-', '-'],
      row(`right after the run (${fmt(load.reqPerSec)} req/s)`, load.after),
      row('5 s after the run', load.rested),
    );
  }
  return [
    '## Memory (SEEK-size schema)',
    '',
    `Synthetic SDL ${fmt(Buffer.byteLength(sdl) / 1024, 1)} KB, ${countSchemaTypes(sdl)} types; ` +
      `\`node ${[...GATEWAY_NODE_FLAGS, path.relative(process.cwd(), GATEWAY_ENTRY)].join(' ')}\`; ` +
      'anonymous is the heap, code and malloc; file-backed the node binary and libraries.',
    '',
    markdownTable(['gateway RSS', 'MB', 'anonymous MB', 'file-backed MB', 'target'], rows),
  ].join('\n');
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const starts = envCount('BENCH_MEMORY_STARTS', 5);
  const loadS = envCount('BENCH_MEMORY_LOAD_S', quick ? 10 : 60, 0);
  const connections = envCount('BENCH_MEMORY_CONNECTIONS', 50);
  const { pin } = setUpBenchProcess(starts * 40 + loadS + 120);

  const dir = scratchDir();
  const sdl = generateLargeSchemaSdl();
  const schemaFile = path.join(dir, 'large-schema.graphql');
  writeFileSync(schemaFile, sdl);
  const query = largeTenQuery(buildBenchSchema(sdl));
  const fixtures = path.join(dir, 'fixtures.json');
  writeFileSync(fixtures, JSON.stringify(fixtureFile([query])));
  const upstream = await startBenchServer(
    'upstream',
    'upstream',
    { UPSTREAM_FIXTURES: fixtures },
    pin,
  );
  const idle: RssParts[] = [];
  let load: LoadRun | undefined;
  try {
    for (let i = 0; i < starts; i++) {
      const gateway = await startGateway({
        label: `gateway (large schema, start ${i + 1})`,
        upstreamUrl: upstream.url,
        schemaFile,
        pin,
      });
      try {
        await sleep(IDLE_SETTLE_MS);
        const parts = rssParts(gateway.pid);
        idle.push(parts);
        console.error(
          `start ${i + 1}: ready in ${gateway.readyMs.toFixed(0)} ms, idle RSS ${parts.rss.toFixed(1)} MB ` +
            `(anonymous ${parts.anonymous.toFixed(1)}, file-backed ${parts.file.toFixed(1)})`,
        );
        // The last start takes the traffic.
        if (i === starts - 1 && loadS > 0) {
          const target: Target = {
            name: 'gateway',
            url: `${gateway.url}${GATEWAY_GRAPHQL_PATH}`,
            pid: gateway.pid,
            headers: BENCH_HEADERS,
          };
          load = await loadRun(target, query, connections, loadS);
        }
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    await upstream.stop();
  }
  console.log(markdown(sdl, idle, load, connections, loadS));
}

if (require.main === module) {
  main()
    .then(() => process.exit(warnings.length ? 1 : 0))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
