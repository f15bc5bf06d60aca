/**
 * `npm run bench:profile`: a CPU profile of each caller's hot path. For each path a fresh gateway
 * (the built bundle, `npm start`'s flags plus `--cpu-prof`) serves a warm-up, then the measured
 * window at 10 connections; its profile is read back and summarised per request: the self time of
 * each source file (mapped through the bundle's source map: our modules by path, dependencies by
 * package, Node's own `node:` modules, the garbage collector) and the busiest functions.
 *
 *   env: PROFILE_PATHS (all; comma-separated keys below), PROFILE_DURATION_S (6),
 *        PROFILE_CONNECTIONS (10), PROFILE_TOP (12 rows per table)
 *
 * The figures are a profile's: sampled (~1 ms), with the profiler's own overhead in them. Use them
 * for where the time goes; `npm run bench` measures what a request costs.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';

import {
  callerPaths,
  callersGatewayEnv,
  primeCallerPaths,
  writeCallersManifest,
  type CallerPath,
} from './case-callers';
import { scratchDir, startBenchServer, type ChildServer } from './child';
import { BENCH_HEADERS } from './config';
import { GATEWAY_GRAPHQL_PATH, startGateway } from './gateway';
import { fire, sanityCheck, warnLoudly, warnings, type Target } from './load';
import { setUpBenchProcess } from './lifecycle';
import {
  BENCH_SDL,
  listQuery,
  fixtureFile,
  padQuery,
  requestBody,
  SELF_QUERY,
  VERSION_QUERY,
  type BenchQuery,
} from './queries';
import { fmt, markdownTable } from './table';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  /** µs, V8's clock. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The profiled paths, by the key PROFILE_PATHS names them with. */
const PATH_KEYS: Record<string, string> = {
  hop: 'raw hop (the floor), the fast lane query',
  service: 'service query (fast lane)',
  self: 'browser token: self',
  browserToken: 'user: browserToken (cached)',
  apq: 'service: APQ by hash',
  document: 'service: trusted document by id',
  mixed: 'service: browserToken (Apollo)',
  large100k: 'service: 100 KB answer (streamed)',
  large: 'service: 1 MB answer (streamed)',
  objects100k: 'service: 100 KB answer of objects (streamed)',
  objects: 'service: 1 MB answer of objects (streamed)',
  hopObjects100k: 'raw hop: 100 KB answer of objects',
  hopObjects: 'raw hop: 1 MB answer of objects',
};

/** The paths the raw hop serves (the floor), by their names. */
const HOP_PATHS = new Set([PATH_KEYS.hop, PATH_KEYS.hopObjects100k, PATH_KEYS.hopObjects]);

const LARGE_100K = padQuery('100kb');
const LARGE = padQuery('1mb');
const OBJECTS_100K = listQuery('100kb');
const OBJECTS = listQuery('1mb');

/** A path that sends `query` with the service key, under the name PROFILE_PATHS knows it by. */
const servicePath = (key: keyof typeof PATH_KEYS, query: BenchQuery): CallerPath => ({
  name: PATH_KEYS[key] as string,
  body: requestBody(query),
  expectData: query.data,
  headers: BENCH_HEADERS,
});

const profilePaths = async (): Promise<CallerPath[]> => [
  servicePath('hop', VERSION_QUERY),
  ...(await callerPaths()),
  servicePath('large100k', LARGE_100K),
  servicePath('large', LARGE),
  servicePath('objects100k', OBJECTS_100K),
  servicePath('objects', OBJECTS),
  servicePath('hopObjects100k', OBJECTS_100K),
  servicePath('hopObjects', OBJECTS),
];

const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be an integer ≥ 1`);
  return value;
};

/** The functions of the gateway's own WebAssembly (src/seek/wasm/jsonNested.c). */
const OUR_WASM_FUNCTIONS = new Set(['check_nested', 'plain_run_end']);

/** Where a profiled frame's code comes from: a source file of ours, a package, Node, V8. */
class FrameOrigins {
  private readonly maps = new Map<string, SourceMap | undefined>();

  of(frame: ProfileNode['callFrame']): string {
    const { url, functionName } = frame;
    if (!url) return functionName.startsWith('(') ? functionName : '(native)';
    // WebAssembly: ours by its function names (kept in the module), any other by V8's module hash.
    if (url.startsWith('wasm://'))
      return OUR_WASM_FUNCTIONS.has(functionName)
        ? 'src/seek/wasm/jsonNested.c'
        : `wasm ${url.split('/').pop() ?? ''}`;
    if (url.startsWith('node:')) return url;
    const map = this.mapOf(url);
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
    const source = entry && 'originalSource' in entry ? entry.originalSource : url;
    return originName(source);
  }

  private mapOf(url: string): SourceMap | undefined {
    if (this.maps.has(url)) return this.maps.get(url);
    let map: SourceMap | undefined;
    try {
      const file = url.replace(/^file:\/\//, '');
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload);
    } catch {
      map = undefined;
    }
    this.maps.set(url, map);
    return map;
  }
}

/** `…/node_modules/@apollo/server/dist/x.js` → `@apollo/server`; `…/src/pipeline/body.ts` → `src/pipeline/body.ts`. */
const originName = (source: string): string => {
  const modules = source.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [scope, name] = source.slice(modules + 'node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name ?? ''}` : (scope ?? source);
  }
  const ours = /(?:^|\/)((?:src|scripts)\/.*)$/.exec(source);
  // No source of its own (esbuild's module helpers, a bench server's file): the file's name.
  return ours?.[1] ?? path.basename(source.replace(/^file:\/\//, ''));
};

interface PathProfile {
  name: string;
  requests: number;
  reqPerSec: number;
  /** Sampled CPU per request, in µs (idle excluded). */
  busyUsPerReq: number;
  byOrigin: [string, number][];
  byFunction: [string, number][];
}

/**
 * The measured window's part of a recording: its last `windowMs` before the `tailMs` the gateway
 * took from the window's end to its exit (the recording ends at the exit).
 */
const summarise = (
  name: string,
  profile: CpuProfile,
  window: { requests: number; seconds: number; tailMs: number },
) => {
  const { requests } = window;
  const to = profile.endTime - window.tailMs * 1000;
  const from = to - window.seconds * 1_000_000;
  let at = profile.startTime;
  const origins = new FrameOrigins();
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const frame = nodes.get(id)?.callFrame;
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < from || at > to) return;
    if (!frame || frame.functionName === '(idle)') return;
    const origin = origins.of(frame);
    busy += delta;
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + delta);
    const fn = `${frame.functionName || '(anonymous)'} (${origin})`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + delta);
  });
  const perRequest = (entries: Map<string, number>) =>
    [...entries.entries()]
      .map(([key, us]): [string, number] => [key, us / requests])
      .sort((a, b) => b[1] - a[1]);
  return {
    name,
    requests,
    reqPerSec: requests / window.seconds,
    busyUsPerReq: busy / requests,
    byOrigin: perRequest(byOrigin),
    byFunction: perRequest(byFunction),
  } satisfies PathProfile;
};

/** The kinds of code a path's time is summed by in the summary. */
const KINDS = ['syscalls and natives', 'GC', 'this gateway (src/)', 'Node (node:)', 'dependencies'];

const kindOf = (origin: string): string => {
  if (origin === '(garbage collector)') return 'GC';
  if (origin.startsWith('src/')) return 'this gateway (src/)';
  if (origin.startsWith('node:')) return 'Node (node:)';
  if (origin.startsWith('(')) return 'syscalls and natives';
  return 'dependencies';
};

/** One row per path: its sampled CPU per request by kind of code, and its busiest dependencies. */
const summaryTable = (profiles: readonly PathProfile[]) =>
  markdownTable(
    ['path', 'µs/req', ...KINDS, 'top dependencies'],
    profiles.map((profile) => {
      const byKind = new Map<string, number>();
      for (const [origin, us] of profile.byOrigin)
        byKind.set(kindOf(origin), (byKind.get(kindOf(origin)) ?? 0) + us);
      const dependencies = profile.byOrigin
        .filter(([origin]) => kindOf(origin) === 'dependencies')
        .slice(0, 3)
        .map(([origin, us]) => `${origin.replace(/^wasm:\/\/.*/, 'wasm')} ${fmt(us, 1)}`)
        .join(', ');
      return [
        profile.name,
        fmt(profile.busyUsPerReq),
        ...KINDS.map((kind) => fmt(byKind.get(kind) ?? 0, 1)),
        dependencies,
      ];
    }),
  );

const profileTable = (rows: [string, number][], total: number, top: number, what: string) =>
  markdownTable(
    [what, 'µs/req', 'share'],
    rows
      .slice(0, top)
      .map(([key, us]) => [`\`${key}\``, fmt(us, 1), `${fmt((us / total) * 100, 1)}%`]),
  );

const profileOne = async (
  caller: CallerPath,
  upstreamUrl: string,
  schemaFile: string,
  pin: boolean,
  connections: number,
  durationS: number,
): Promise<PathProfile> => {
  const manifest = writeCallersManifest();
  const profileDir = scratchDir();
  const prefix = `profile-${Date.now()}`;
  const profileFlags = [
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
    `--cpu-prof-name=${prefix}.cpuprofile`,
  ];
  // The raw hop, profiled the same way, is the floor the other paths are read against.
  const server: ChildServer = HOP_PATHS.has(caller.name)
    ? await startBenchServer(
        'raw hop',
        'raw-hop',
        { UPSTREAM_URL: upstreamUrl },
        pin,
        20_000,
        profileFlags,
      )
    : await startGateway({
        label: `gateway (${caller.name})`,
        upstreamUrl,
        schemaFile,
        pin,
        clientId: 'bench-profile',
        env: callersGatewayEnv(manifest.file),
        extraNodeFlags: profileFlags,
      });
  const graphqlPath = HOP_PATHS.has(caller.name) ? '/graphql' : GATEWAY_GRAPHQL_PATH;
  try {
    const target: Target = {
      name: caller.name,
      url: `${server.url}${graphqlPath}`,
      pid: server.pid,
      headers: caller.headers,
      authorizations: caller.authorizations,
    };
    await primeCallerPaths(target.url, [caller]);
    await sanityCheck(target, caller.body, caller.expectData);
    await fire(target, caller.body, connections, 2);
    const { result } = await fire(target, caller.body, connections, durationS);
    const windowEnd = performance.now();
    if (result.non2xx > 0 || result.errors > 0)
      warnLoudly(`${caller.name}: ${result.non2xx} non-2xx, ${result.errors} errors (must be 0)`);
    await server.stop();
    const tailMs = performance.now() - windowEnd;
    const file = readdirSync(profileDir).find((name) => name === `${prefix}.cpuprofile`);
    if (!file) throw new Error(`${caller.name}: the gateway wrote no profile`);
    const profile = JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile;
    return summarise(caller.name, profile, {
      requests: result.requests.total,
      seconds: result.duration,
      tailMs,
    });
  } finally {
    await server.stop();
    manifest.remove();
  }
};

async function main() {
  const { pin } = setUpBenchProcess(900);
  const keys = (process.env.PROFILE_PATHS ?? Object.keys(PATH_KEYS).join(','))
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  for (const key of keys)
    if (!PATH_KEYS[key])
      throw new Error(
        `PROFILE_PATHS: unknown path "${key}" (known: ${Object.keys(PATH_KEYS).join(', ')})`,
      );
  const durationS = envInt('PROFILE_DURATION_S', 6);
  const connections = envInt('PROFILE_CONNECTIONS', 10);
  const top = envInt('PROFILE_TOP', 12);

  const dir = scratchDir();
  const schemaFile = path.join(dir, 'bench-schema.graphql');
  writeFileSync(schemaFile, BENCH_SDL);
  const fixtures = path.join(dir, 'fixtures.json');
  writeFileSync(
    fixtures,
    JSON.stringify(fixtureFile([VERSION_QUERY, SELF_QUERY, OBJECTS_100K, OBJECTS])),
  );
  const upstream = await startBenchServer(
    'upstream',
    'upstream',
    { UPSTREAM_FIXTURES: fixtures },
    pin,
  );
  const paths = await profilePaths();
  const sections: string[] = [];
  const profiles: PathProfile[] = [];
  try {
    for (const key of keys) {
      const caller = paths.find((candidate) => candidate.name === PATH_KEYS[key]);
      if (!caller) throw new Error(`no bench path named ${PATH_KEYS[key]}`);
      console.error(`profiling: ${caller.name}`);
      const profile = await profileOne(
        caller,
        upstream.url,
        schemaFile,
        pin,
        connections,
        durationS,
      );
      const section = [
        `### ${profile.name} (\`PROFILE_PATHS=${key}\`)`,
        '',
        `${fmt(profile.reqPerSec)} req/s at ${connections} connections; sampled CPU ${fmt(profile.busyUsPerReq)} µs per request (the measured window only).`,
        '',
        profileTable(profile.byOrigin, profile.busyUsPerReq, top, 'where (self time)'),
        '',
        profileTable(profile.byFunction, profile.busyUsPerReq, top, 'function (self time)'),
      ].join('\n');
      console.log(`${section}\n`);
      sections.push(section);
      profiles.push(profile);
    }
  } finally {
    await upstream.stop();
  }
  console.log(
    `### All paths, by kind of code (µs of sampled CPU per request)\n\n${summaryTable(profiles)}\n`,
  );
  if (warnings.length) console.log(`Warnings:\n${warnings.map((w) => `- ${w}`).join('\n')}`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
