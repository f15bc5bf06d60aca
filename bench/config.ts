/** Bench settings from the environment. */
import { existsSync } from 'node:fs';
import path from 'node:path';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/**
 * Cases `BENCH_CASES` can select (comma-separated); the default runs main, callers and large.
 * `tracing` (the cost of tracing at 100% sampling) is opt-in: ~40 s a round.
 */
export const CASES = ['main', 'large', 'tokens', 'callers', 'tracing'] as const;
export type CaseName = (typeof CASES)[number];

function envList(name: string): string[] | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

function envConnections(): number[] {
  const list = envList('BENCH_CONNECTIONS');
  if (!list) return [1, 10, 50];
  const values = list.map(Number);
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error('BENCH_CONNECTIONS must be positive integers, e.g. 10 or 1,10,50');
  }
  return [...new Set(values)];
}

function envCases(): Set<CaseName> {
  const list = envList('BENCH_CASES');
  const cases = new Set<CaseName>(list ? [] : ['main', 'callers', 'large']);
  for (const name of list ?? []) {
    if (!(CASES as readonly string[]).includes(name)) {
      throw new Error(`BENCH_CASES: unknown case "${name}" (known: ${CASES.join(', ')})`);
    }
    cases.add(name as CaseName);
  }
  // BENCH_TOKENS=1 keeps working as before, on top of whatever BENCH_CASES selects.
  if (process.env.BENCH_TOKENS === '1') cases.add('tokens');
  return cases;
}

function envBaselineDist(): string | undefined {
  const raw = process.env.BENCH_BASELINE_DIST;
  if (raw === undefined || raw.trim() === '') return undefined;
  const file = path.resolve(raw.trim());
  if (!existsSync(file)) throw new Error(`BENCH_BASELINE_DIST: ${file} not found`);
  return file;
}

export interface BenchConfig {
  quick: boolean;
  /** Measured window per target × connection count (main table and large-schema case). */
  durationS: number;
  warmupS: number;
  /** Rounds of the main table; the median of each metric is reported. */
  rounds: number;
  /** Connection counts of the main table (`BENCH_CONNECTIONS=10` or `1,10,50`). */
  connections: number[];
  /** Which cases run (`BENCH_CASES=main`); `tokens` is also switched on by `BENCH_TOKENS=1`. */
  cases: Set<CaseName>;
  /** Window per row of the growth case. */
  growthDurationS: number;
  tokens: boolean;
  /**
   * `BENCH_BASELINE_DIST`: another build of the gateway (e.g. the code before a rewrite), run
   * in the main table as "gateway (baseline)" beside the current dist/gateway.js.
   */
  baselineEntry?: string;
  /** `BENCH_WRITE=1` or `-- --write`: write bench/results.md; otherwise the results go to stdout only. */
  write: boolean;
}

export function loadConfig(): BenchConfig {
  const quick = process.env.BENCH_QUICK === '1';
  const cases = envCases();
  return {
    quick,
    durationS: envNumber('BENCH_DURATION_S', quick ? 2 : 10),
    warmupS: envNumber('BENCH_WARMUP_S', quick ? 1 : 2),
    rounds: Math.round(envNumber('BENCH_ROUNDS', quick ? 1 : 2)),
    connections: envConnections(),
    cases,
    growthDurationS: envNumber('BENCH_GROWTH_DURATION_S', quick ? 2 : 4),
    tokens: cases.has('tokens'),
    baselineEntry: envBaselineDist(),
    write: process.env.BENCH_WRITE === '1' || process.argv.includes('--write'),
  };
}

/** Bench-related env vars that were set, for the results header. */
export function benchEnvSummary(): string {
  return Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(' ');
}

/**
 * The gateway's API key. The brief said `bench-key`, but the gateway's config rejects service
 * keys shorter than 16 characters, so the bench uses a longer one (same key in env and header).
 */
export const GATEWAY_API_KEY = 'bench-key-0123456789abcdef';

export const BENCH_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  authorization: `Bearer ${GATEWAY_API_KEY}`,
};

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
