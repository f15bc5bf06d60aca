/**
 * What checking a large answer costs by itself, measured in the bench process on the very bytes
 * the upstream serves: the gateway's streamed JSON check (src/seek/jsonStreamCheck.ts, fed in
 * 64 KiB chunks as a socket hands them over) and, for scale, V8's own JSON.parse of the same
 * body. Issue 15 allows the gateway 1.3x the raw hop's CPU on a large answer: the report sets
 * the check's cost beside that allowance (0.3x the hop's), so a verdict can be read as "the
 * forwarding is over budget" or "the check alone is".
 */
import { performance } from 'node:perf_hooks';
import { JsonStreamCheck } from '../src/seek/jsonStreamCheck';
import { MAX_STREAMED_ERRORS_BYTES } from '../src/seek/streamedAnswer';
import { median } from './load';
import type { BenchQuery } from './queries';

/** A chunk as large as Node's socket reads hand over on loopback. */
const CHUNK_BYTES = 64 * 1024;
const WARM_UP_RUNS = 20;
/** Each figure is the median of this many timed runs. */
const TIMED_RUNS = 41;

export interface CheckFloor {
  label: string;
  bodyBytes: number;
  /** The gateway's check of the whole body, µs (median). */
  checkUs: number;
  /** JSON.parse of the body as a string, µs (median), decoding included. */
  parseUs: number;
}

function timeEach(run: () => void): number {
  for (let i = 0; i < WARM_UP_RUNS; i += 1) run();
  const samples: number[] = [];
  for (let i = 0; i < TIMED_RUNS; i += 1) {
    const start = performance.now();
    run();
    samples.push((performance.now() - start) * 1000);
  }
  return median(samples);
}

/** The answer the upstream stand-in serves for `query`, as bytes. */
const answerBody = (query: BenchQuery): Buffer => Buffer.from(JSON.stringify({ data: query.data }));

export function measureCheckFloor(query: BenchQuery): CheckFloor {
  const body = answerBody(query);
  const checkUs = timeEach(() => {
    const check = new JsonStreamCheck('errors', MAX_STREAMED_ERRORS_BYTES);
    for (let at = 0; at < body.length; at += CHUNK_BYTES) {
      check.write(body.subarray(at, Math.min(body.length, at + CHUNK_BYTES)));
    }
    if (!check.complete) throw new Error(`${query.operationName}: the check refused the answer`);
  });
  const parseUs = timeEach(() => JSON.parse(body.toString('utf8')) as unknown);
  return { label: query.operationName, bodyBytes: body.length, checkUs, parseUs };
}
