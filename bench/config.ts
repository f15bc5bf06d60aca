/** Bench settings from the environment. */

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

export interface BenchConfig {
  quick: boolean;
  /** Measured window per target × connection count (main table and large-schema case). */
  durationS: number;
  warmupS: number;
  /** Rounds of the main table; the median of each metric is reported. */
  rounds: number;
  connections: number[];
  /** Window per row of the growth case. */
  growthDurationS: number;
  tokens: boolean;
}

export function loadConfig(): BenchConfig {
  const quick = process.env.BENCH_QUICK === '1';
  return {
    quick,
    durationS: envNumber('BENCH_DURATION_S', quick ? 2 : 10),
    warmupS: envNumber('BENCH_WARMUP_S', quick ? 1 : 2),
    rounds: Math.round(envNumber('BENCH_ROUNDS', quick ? 1 : 2)),
    connections: [1, 10, 50],
    growthDurationS: envNumber('BENCH_GROWTH_DURATION_S', quick ? 2 : 4),
    tokens: process.env.BENCH_TOKENS === '1',
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
