/**
 * `npm run bench`: what the gateway adds over calling the upstream directly.
 *
 *   BENCH_DURATION_S=10  BENCH_QUICK=1 (2 s smoke run)  BENCH_ROUNDS=2  BENCH_TOKENS=1
 *   BENCH_GROWTH_DURATION_S=4  BENCH_WARMUP_S=2  BENCH_NO_PIN=1  BENCH_GATEWAY_PATH=/graphql
 *   BENCH_CASES=main,callers,large,tokens,tracing (default main,callers,large)  BENCH_CONNECTIONS=1,10,50 (main table)
 *   BENCH_CASES=tracing: tracing's cost per request (raw hop, gateway off, gateway on at 100%)
 *   REDIS_URL (default redis://127.0.0.1:6379): the Redis the gateways under test share
 *   BENCH_WRITE=1 or `npm run bench -- --write`: also write bench/results.md (the results are
 *     always printed to stdout; without the flag the committed results.md is left alone)
 *   BENCH_BASELINE_DIST=/path/to/other/dist/gateway.js: adds "gateway (baseline)" to the main
 *     table, started like the gateway but from that bundle, with a before/after table of each
 *     gateway's CPU/req, req/s and p99 as ratios to the raw hop.
 *
 * Before/after for one change, main case at 10 connections only (~2 min):
 *   BENCH_BASELINE_DIST=/tmp/baseline/dist/gateway.js BENCH_CASES=main BENCH_CONNECTIONS=10 npm run bench
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateLargeSchemaSdl, countSchemaTypes } from '../scripts/generate-large-schema';
import { runCallersCase } from './case-callers';
import { runLargeCase, largeCaseQueries } from './case-large';
import { runMainCase } from './case-main';
import { runTracingCase } from './case-tracing';
import { scratchDir, startBenchServer } from './child';
import { benchEnvSummary, loadConfig } from './config';
import { warnings } from './load';
import { setUpBenchProcess } from './lifecycle';
import { machineInfo } from './machine';
import { GATEWAY_ENTRY } from './gateway';
import { BENCH_SDL, buildBenchSchema, fixtureFile, SELF_QUERY, VERSION_QUERY } from './queries';
import { calibrateInfoOverhead, redisAvailable, shownRedisUrl } from './redis-stats';
import { headerMarkdown, targetsMarkdown, writeResults } from './report';
import { runTokenLifetime } from './token-lifetime';

async function main(): Promise<void> {
  const config = loadConfig();
  const runMain = config.cases.has('main');
  const runLarge = config.cases.has('large');
  const runCallers = config.cases.has('callers');
  const runTracing = config.cases.has('tracing');
  // Rough upper bound of the run, doubled, as a hard stop.
  const mainTargets = config.baselineEntry ? 5 : 4;
  const cells = runMain ? config.rounds * config.connections.length * mainTargets : 0;
  const estimateS =
    cells * (config.durationS + config.warmupS + 1) +
    (runLarge ? 2 * (config.durationS + config.warmupS) + 12 * (config.growthDurationS + 2) : 0) +
    (runCallers ? config.rounds * 6 * (config.durationS + config.warmupS + 1) + 10 : 0) +
    (runTracing ? config.rounds * 3 * (config.durationS + config.warmupS + 4) + 10 : 0) +
    (config.tokens ? 90 : 0) +
    60;
  const { pin } = setUpBenchProcess(Math.max(300, estimateS * 2));
  const machine = machineInfo();
  const event = process.env.npm_lifecycle_event;
  const runner = event?.startsWith('bench') ? `npm run ${event}` : 'tsx bench/run.ts';
  const command = [benchEnvSummary(), runner].filter(Boolean).join(' ');
  console.error(`estimated duration: ~${Math.round(estimateS)} s`);

  const dir = scratchDir();
  const benchSchemaFile = path.join(dir, 'bench-schema.graphql');
  writeFileSync(benchSchemaFile, BENCH_SDL);
  const largeSdl = generateLargeSchemaSdl();
  const largeSchemaFile = path.join(dir, 'large-schema.graphql');
  writeFileSync(largeSchemaFile, largeSdl);
  const largeSchema = buildBenchSchema(largeSdl);
  buildBenchSchema(BENCH_SDL);

  const fixturesPath = path.join(dir, 'fixtures.json');
  const queries = [VERSION_QUERY, SELF_QUERY, ...largeCaseQueries(largeSchema)];
  writeFileSync(fixturesPath, JSON.stringify(fixtureFile(queries)));

  let redisInfoOverhead: number | undefined;
  if (await redisAvailable()) redisInfoOverhead = await calibrateInfoOverhead();
  else
    console.error(
      `!!!!!!!! Redis not reachable at ${shownRedisUrl()} (REDIS_URL): no Redis figures`,
    );

  const upstream = await startBenchServer(
    'upstream',
    'upstream',
    { UPSTREAM_FIXTURES: fixturesPath },
    pin,
  );
  const header = headerMarkdown(machine, pin, command, {
    gateway: GATEWAY_ENTRY,
    baseline: config.baselineEntry,
  });
  console.log(`${header}\n`);
  const sections: string[] = [header];
  try {
    const main = runMain
      ? await runMainCase({ config, pin, upstream, benchSchemaFile, redisInfoOverhead })
      : undefined;
    const mainSection = main
      ? `## Main table: small query, ${config.connections.join(' / ')} connections\n\n${main.markdown}`
      : undefined;
    if (mainSection) console.log(`${mainSection}\n`);

    const callers = runCallers
      ? await runCallersCase({ config, pin, upstream, benchSchemaFile })
      : undefined;
    const callersSection = callers
      ? `## Every caller's hot path\n\n${callers.markdown}`
      : undefined;
    if (callersSection) console.log(`${callersSection}\n`);

    const tracing = runTracing
      ? await runTracingCase({ config, pin, upstream, benchSchemaFile })
      : undefined;
    const tracingSection = tracing
      ? `## What tracing costs per request\n\n${tracing.markdown}`
      : undefined;
    if (tracingSection) console.log(`${tracingSection}\n`);

    const large = runLarge
      ? await runLargeCase({
          config,
          pin,
          upstream,
          largeSchemaFile,
          largeSchema,
          largeSdlBytes: Buffer.byteLength(largeSdl),
          largeTypeCount: countSchemaTypes(largeSdl),
        })
      : undefined;
    const largeSection = large ? `## Large schema\n\n${large.markdown}` : undefined;
    if (largeSection) console.log(`${largeSection}\n`);

    const readyLines = [
      main?.gatewayReadyMs === undefined
        ? ''
        : `\n- Gateway (bench schema) spawn → ready: ${main.gatewayReadyMs.toFixed(0)} ms`,
      main?.baselineReadyMs === undefined
        ? ''
        : `\n- Gateway (baseline, bench schema) spawn → ready: ${main.baselineReadyMs.toFixed(0)} ms`,
    ].join('');
    const targets = `## Targets\n\n${targetsMarkdown({
      main: main?.rows ?? [],
      sizeRows: large?.sizeRows,
      checkFloors: large?.checkFloors,
      largeSkipped: !large,
      largeReadyMs: large?.readyMs,
      largeIdleRssMb: large?.idleRssMb,
    })}${readyLines}`;
    console.log(`${targets}\n`);
    sections.push(
      ...[targets, mainSection, callersSection, tracingSection, largeSection].filter(
        (x): x is string => x !== undefined,
      ),
    );

    if (config.tokens) {
      const tokens = await runTokenLifetime(pin);
      const tokenSection = `## Token lifetime across replicas\n\n${tokens.markdown}`;
      console.log(`${tokenSection}\n`);
      sections.push(tokenSection);
    }
  } finally {
    await upstream.stop();
  }
  if (warnings.length) {
    const warningSection = `## WARNINGS\n\n${warnings.map((w) => `- ${w}`).join('\n')}`;
    console.log(`${warningSection}\n`);
    sections.push(warningSection);
  }
  if (config.write) {
    const file = writeResults(sections.join('\n\n'));
    console.error(`wrote ${file}`);
  } else {
    console.error('bench/results.md left as it is (BENCH_WRITE=1 or -- --write to write it)');
  }
}

main()
  .then(() => process.exit(warnings.length ? 1 : 0))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
