/** The header, target verdicts and results.md. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './child';
import { BASELINE_TARGET, byTarget } from './case-main';
import type { CheckFloor } from './checkFloor';
import type { Measurement } from './load';
import type { MachineInfo } from './machine';
import { IDLE_RSS_TARGET_MB, idleRssVerdict } from './memory';
import { fmt } from './table';

/** `path (sha256 0123456789ab, built <mtime>)`, to tell two builds apart in the header. */
export function buildId(file: string): string {
  if (!existsSync(file)) return `\`${file}\` (missing)`;
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
  return `\`${file}\` (sha256 ${sha}, modified ${statSync(file).mtime.toISOString()})`;
}

export function headerMarkdown(
  machine: MachineInfo,
  pin: boolean,
  command: string,
  builds: { gateway: string; baseline?: string },
): string {
  return [
    '# Gateway benchmark',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${machine.cpus} CPUs (nproc), ${machine.model}, ${fmt(machine.memoryGb, 1)} GB RAM, Node ${machine.node}`,
    `- Pinning: ${pin ? 'yes: servers `taskset -c 0` (upstream and server under test share core 0), load generator (autocannon) on core 1' : 'no (taskset missing or < 2 CPUs): numbers are noisier'}`,
    `- Command: \`${command}\``,
    ...(builds.baseline
      ? [
          `- Gateway: ${buildId(builds.gateway)}`,
          `- Gateway (baseline): ${buildId(builds.baseline)}`,
        ]
      : []),
  ].join('\n');
}

function verdict(ok: boolean | undefined): string {
  if (ok === undefined) return 'n/a';
  return ok ? 'PASS' : 'FAIL';
}

/** Issue 15's targets, CPU per request against the raw hop's in the same run. */
const SMALL_QUERY_CPU_RATIO = 1.3;
const P99_RATIO = 1.5;
const LARGE_ANSWER_CPU_RATIO = 1.3;

export interface TargetInputs {
  main: Measurement[];
  /** The large case's response-size rows (pad_…, list_…), each target's measurement. */
  sizeRows?: { label: string; m: Measurement }[];
  /** The JSON check's own cost on the same answers. */
  checkFloors?: CheckFloor[];
  /** The large-schema case did not run (BENCH_CASES). */
  largeSkipped?: boolean;
  largeReadyMs?: number;
  largeIdleRssMb?: number;
}

export function targetsMarkdown({
  main,
  sizeRows = [],
  checkFloors = [],
  largeSkipped,
  largeReadyMs,
  largeIdleRssMb,
}: TargetInputs): string {
  const gw = byTarget(main, 'gateway', 10);
  const hop = byTarget(main, 'raw hop', 10);
  const apollo = byTarget(main, 'apollo + wrapSchema', 10);
  const base = byTarget(main, BASELINE_TARGET, 10);
  const lines: string[] = [];
  const connectionCounts = [...new Set(main.map((m) => m.connections))].sort((a, b) => a - b);
  for (const connections of connectionCounts) {
    const gateway = byTarget(main, 'gateway', connections);
    const floor = byTarget(main, 'raw hop', connections);
    if (!gateway || !floor) continue;
    const ratio = gateway.cpuUsPerReq / floor.cpuUsPerReq;
    lines.push(
      `Small query, ${connections} connection(s): gateway ${fmt(gateway.cpuUsPerReq)} µs/req CPU, ` +
        `raw hop ${fmt(floor.cpuUsPerReq)} µs/req (${fmt(ratio, 2)}x): ${verdict(ratio <= SMALL_QUERY_CPU_RATIO)} (target ≤ ${SMALL_QUERY_CPU_RATIO}x)`,
    );
    if (connections === 50) {
      const p99Ratio = gateway.p99Ms / floor.p99Ms;
      lines.push(
        `p99 at 50 connections: gateway ${fmt(gateway.p99Ms, 2)} ms, raw hop ${fmt(floor.p99Ms, 2)} ms ` +
          `(${fmt(p99Ratio, 2)}x): ${verdict(p99Ratio <= P99_RATIO)} (target ≤ ${P99_RATIO}x)`,
      );
    }
  }
  if (connectionCounts.length === 0) lines.push('Small query vs raw hop: n/a (main case not run)');
  for (const label of ['pad_100kb', 'pad_1mb', 'list_100kb', 'list_1mb']) {
    const gateway = sizeRows.find((row) => row.label === label && row.m.target === 'gateway');
    const floor = sizeRows.find((row) => row.label === label && row.m.target === 'raw hop');
    if (!gateway || !floor) continue;
    const ratio = gateway.m.cpuUsPerReq / floor.m.cpuUsPerReq;
    const what = label.startsWith('pad_')
      ? `Large answer ${label.slice(4)} (one long string)`
      : `Large answer ${label.slice(5)} of objects`;
    // What the target leaves above the hop, beside what the JSON check alone costs.
    const allowance = (LARGE_ANSWER_CPU_RATIO - 1) * floor.m.cpuUsPerReq;
    const check = checkFloors.find((f) => f.label === label);
    const checkNote = check
      ? `; the JSON check alone ${fmt(check.checkUs)} µs against ${fmt(allowance)} µs the target leaves above the hop`
      : '';
    lines.push(
      `${what}: gateway ${fmt(gateway.m.cpuUsPerReq)} µs/req CPU, raw hop ${fmt(floor.m.cpuUsPerReq)} µs/req ` +
        `(${fmt(ratio, 2)}x): ${verdict(ratio <= LARGE_ANSWER_CPU_RATIO)} (target ≤ ${LARGE_ANSWER_CPU_RATIO}x)${checkNote}`,
    );
  }
  if (base && hop) {
    const before = base.cpuUsPerReq / hop.cpuUsPerReq;
    const after = gw ? gw.cpuUsPerReq / hop.cpuUsPerReq : NaN;
    lines.push(
      `Fast-lane cost vs baseline at 10 connections (same run): gateway ${gw ? fmt(gw.cpuUsPerReq) : '-'} µs/req = ` +
        `${fmt(after, 2)}x the hop, baseline ${fmt(base.cpuUsPerReq)} µs/req = ${fmt(before, 2)}x the hop ` +
        `(raw hop ${fmt(hop.cpuUsPerReq)} µs/req): ` +
        `${verdict(gw ? after <= before : undefined)} (target: gateway ratio ≤ baseline ratio)`,
    );
  } else if (main.some((m) => m.target === BASELINE_TARGET)) {
    lines.push('Fast-lane cost vs baseline: n/a (no rows at 10 connections)');
  }
  if (gw && apollo) {
    const ratio = gw.reqPerSec / apollo.reqPerSec;
    lines.push(
      `Gateway throughput at 10 connections: ${fmt(gw.reqPerSec)} req/s vs 3x apollo+wrapSchema = ` +
        `${fmt(3 * apollo.reqPerSec)} req/s (${fmt(ratio, 2)}x): ${verdict(ratio >= 3)} (target ≥ 3x)`,
    );
  } else lines.push('Gateway throughput vs apollo+wrapSchema: n/a (no gateway rows)');
  if (largeSkipped) {
    lines.push('Large-schema ready and idle RSS: not run (BENCH_CASES)');
    return lines.map((l) => `- ${l}`).join('\n');
  }
  lines.push(
    `Large-schema ready: ${largeReadyMs === undefined ? 'n/a' : `${fmt(largeReadyMs)} ms`}: ` +
      `${verdict(largeReadyMs === undefined ? undefined : largeReadyMs <= 1000)} (target ≤ 1 s)`,
  );
  lines.push(
    `Large-schema idle RSS: ${largeIdleRssMb === undefined ? 'n/a' : `${fmt(largeIdleRssMb, 1)} MB`}: ` +
      `${idleRssVerdict(largeIdleRssMb)} (target ≤ ${IDLE_RSS_TARGET_MB} MB; one start: \`npm run bench:memory\` takes the median of 5)`,
  );
  return lines.map((l) => `- ${l}`).join('\n');
}

export function writeResults(markdown: string): string {
  const file = path.join(REPO_ROOT, 'bench', 'results.md');
  writeFileSync(file, `${markdown.trimEnd()}\n`);
  return file;
}
