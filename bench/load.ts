/**
 * One measurement: a sanity request, a warm-up, then an autocannon window with the server's
 * CPU (from /proc), the upstream's request counters and Redis' command counter read around it.
 */
import { createHistogram } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { cpuTicks, rssMb, ticksToMicros } from './procstat';
import { totalCommandsProcessed } from './redis-stats';
import type { UpstreamCounts } from './upstream';

export interface Target {
  name: string;
  /** Full URL of the GraphQL endpoint. */
  url: string;
  /** The process whose CPU and RSS are reported. */
  pid: number;
  headers: Record<string, string>;
  /**
   * Authorization values taken in turn, one per request (callers with a limit per credential,
   * such as users asking for browser tokens); otherwise headers.authorization on every request.
   */
  authorizations?: readonly string[];
}

export interface MeasureOptions {
  connections: number;
  durationS: number;
  warmupS: number;
  body: string;
  /** The `data` a correct answer carries (checked once before the window). */
  expectData: unknown;
  upstreamUrl: string;
  /** Measure Redis commands during the window; the value is our own INFO overhead. */
  redisInfoOverhead?: number;
}

export interface Measurement {
  target: string;
  connections: number;
  requests: number;
  durationS: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  rssMb: number;
  upstreamPerReq: number;
  tokenFetches: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  responseBytes: number;
  redisPer1k?: number;
}

export const warnings: string[] = [];

export function warnLoudly(message: string): void {
  warnings.push(message);
  console.error(`\n!!!!!!!! ${message}\n`);
}

export async function upstreamCounts(upstreamUrl: string): Promise<UpstreamCounts> {
  const res = await fetch(`${upstreamUrl}/__counts`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as UpstreamCounts;
}

/** For answers the gateway makes itself (tokens): any `data`, as long as there are no errors. */
export const ANY_DATA = Symbol('any data');

/** One request, checked: 2xx, JSON, no `errors`, `data` as the upstream answered. */
export async function sanityCheck(
  target: Target,
  body: string,
  expectData: unknown,
): Promise<number> {
  const res = await fetch(target.url, {
    method: 'POST',
    headers: target.headers,
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const bytes = Buffer.byteLength(text);
  if (res.status < 200 || res.status >= 300) {
    warnLoudly(`${target.name}: sanity request answered ${res.status}: ${text.slice(0, 300)}`);
    return bytes;
  }
  try {
    const parsed = JSON.parse(text) as { data?: unknown; errors?: unknown };
    if (parsed.errors) {
      warnLoudly(
        `${target.name}: answer has errors: ${JSON.stringify(parsed.errors).slice(0, 300)}`,
      );
    } else if (expectData !== ANY_DATA && !isDeepStrictEqual(parsed.data, expectData)) {
      warnLoudly(`${target.name}: answer data differs from upstream's: ${text.slice(0, 300)}`);
    }
  } catch {
    warnLoudly(`${target.name}: answer is not JSON: ${text.slice(0, 300)}`);
  }
  return bytes;
}

export interface Fired {
  result: autocannon.Result;
  /** Latency percentiles at µs resolution (autocannon's own histogram rounds to whole ms). */
  p50Ms: number;
  p99Ms: number;
}

/** An autocannon request whose Authorization header takes the next of `values` each time. */
function rotating(values: readonly string[]): autocannon.Request {
  let next = 0;
  return {
    setupRequest: (request) => {
      const authorization = values[next % values.length] as string;
      next += 1;
      return { ...request, headers: { ...request.headers, authorization } };
    },
  };
}

export function fire(
  target: Target,
  body: string,
  connections: number,
  durationS: number,
): Promise<Fired> {
  return new Promise((resolve, reject) => {
    const histogram = createHistogram();
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: target.headers,
        body,
        ...(target.authorizations ? { requests: [rotating(target.authorizations)] } : {}),
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) return reject(err instanceof Error ? err : new Error('autocannon failed'));
        const has = histogram.count > 0;
        resolve({
          result,
          p50Ms: has ? histogram.percentile(50) / 1000 : NaN,
          p99Ms: has ? histogram.percentile(99) / 1000 : NaN,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      histogram.record(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
  });
}

export async function measure(target: Target, options: MeasureOptions): Promise<Measurement> {
  const { connections } = options;
  const responseBytes = await sanityCheck(target, options.body, options.expectData);
  if (options.warmupS > 0) await fire(target, options.body, connections, options.warmupS);

  const countsBefore = await upstreamCounts(options.upstreamUrl);
  const redisBefore =
    options.redisInfoOverhead !== undefined ? await totalCommandsProcessed() : undefined;
  const ticksBefore = cpuTicks(target.pid);
  const fired = await fire(target, options.body, connections, options.durationS);
  const { result } = fired;
  const ticksAfter = cpuTicks(target.pid);
  const redisAfter = redisBefore !== undefined ? await totalCommandsProcessed() : undefined;
  const countsAfter = await upstreamCounts(options.upstreamUrl);

  const requests = result.requests.total;
  const perReq = (n: number): number => (requests > 0 ? n / requests : NaN);
  const m: Measurement = {
    target: target.name,
    connections,
    requests,
    durationS: result.duration,
    reqPerSec: requests / result.duration,
    p50Ms: fired.p50Ms,
    p99Ms: fired.p99Ms,
    cpuUsPerReq: perReq(ticksToMicros(ticksAfter - ticksBefore)),
    rssMb: rssMb(target.pid),
    upstreamPerReq: perReq(countsAfter.graphql - countsBefore.graphql),
    tokenFetches: countsAfter.oauthToken - countsBefore.oauthToken,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    responseBytes,
  };
  if (redisBefore !== undefined && redisAfter !== undefined) {
    const commands = redisAfter - redisBefore - (options.redisInfoOverhead ?? 0);
    m.redisPer1k = perReq(commands) * 1000;
  }
  if (m.non2xx > 0 || m.errors > 0 || m.timeouts > 0) {
    warnLoudly(
      `${target.name} @ ${connections} conns: ${m.non2xx} non-2xx, ${m.errors} errors, ` +
        `${m.timeouts} timeouts (must be 0)`,
    );
  }
  if (countsAfter.graphqlNoAuth > countsBefore.graphqlNoAuth) {
    warnLoudly(`${target.name}: upstream saw /graphql requests without Authorization`);
  }
  if (countsAfter.graphqlUnknownOperation > countsBefore.graphqlUnknownOperation) {
    warnLoudly(`${target.name}: upstream saw operations it has no fixture for (renamed?)`);
  }
  console.error(
    `  ${target.name.padEnd(26)} c=${String(connections).padStart(2)} ` +
      `${m.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${m.p50Ms.toFixed(2)} ms  ` +
      `p99 ${m.p99Ms.toFixed(2)} ms  ` +
      `${m.cpuUsPerReq.toFixed(0)} µs CPU/req`,
  );
  return m;
}

/** The median of the values that are numbers (NaN for none). */
export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median of each metric over rounds; failure counts are summed. */
export function combineRounds(rounds: Measurement[]): Measurement {
  const first = rounds[0];
  if (!first) throw new Error('no rounds');
  const med = (pick: (m: Measurement) => number | undefined): number =>
    median(rounds.map((m) => pick(m) ?? NaN));
  const sum = (pick: (m: Measurement) => number): number =>
    rounds.reduce((acc, m) => acc + pick(m), 0);
  return {
    target: first.target,
    connections: first.connections,
    requests: sum((m) => m.requests),
    durationS: sum((m) => m.durationS),
    reqPerSec: med((m) => m.reqPerSec),
    p50Ms: med((m) => m.p50Ms),
    p99Ms: med((m) => m.p99Ms),
    cpuUsPerReq: med((m) => m.cpuUsPerReq),
    rssMb: Math.max(...rounds.map((m) => m.rssMb)),
    upstreamPerReq: med((m) => m.upstreamPerReq),
    tokenFetches: sum((m) => m.tokenFetches),
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
    responseBytes: first.responseBytes,
    redisPer1k: first.redisPer1k === undefined ? undefined : med((m) => m.redisPer1k),
  };
}
