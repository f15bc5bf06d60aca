/**
 * CPU profile of the gateway's hot path: a service-key query through a warm gateway (Redis,
 * passthrough lane) at 10 connections, recorded with `node --cpu-prof`, summarised by self time.
 *
 *   npm run bench:profile            (PROFILE_DURATION_S=8 by default)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';

import { BENCH_HEADERS, GATEWAY_API_KEY } from './config';
import { GATEWAY_ENTRY, GATEWAY_NODE_FLAGS, freePort } from './gateway';
import { BENCH_SDL, VERSION_QUERY, requestBody } from './queries';
import { createUpstream } from './upstream';
import { BENCH_REDIS_URL } from './redis-stats';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const durationS = Number(process.env.PROFILE_DURATION_S ?? 8);

const waitReady = async (url: string) => {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    try {
      if ((await fetch(`${url}/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('gateway never became ready');
};

const summarise = (profile: CpuProfile) => {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((nodeId, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const frame = byNode.get(nodeId)?.callFrame;
    if (!frame) return;
    const file = frame.url
      .replace(/^.*node_modules\//, '')
      .replace(/^file:\/\/.*\/(dist|src)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'}  ${file || '(native)'}:${frame.lineNumber + 1}`;
    selfTime.set(key, (selfTime.get(key) ?? 0) + delta);
    total += delta;
  });
  const idle = [...selfTime.entries()]
    .filter(([key]) => key.startsWith('(idle)'))
    .reduce((sum, [, value]) => sum + value, 0);
  const busy = total - idle;
  const rows = [...selfTime.entries()]
    .filter(([key]) => !key.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(([key, value]) => `| ${((value / busy) * 100).toFixed(1).padStart(5)}% | \`${key}\` |`);
  return { busyMs: busy / 1_000, rows };
};

const main = async () => {
  const upstream = createUpstream({});
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const scratch = mkdtempSync(path.join(tmpdir(), 'gateway-profile-'));
  const schemaFile = path.join(scratch, 'schema.graphql');
  writeFileSync(schemaFile, BENCH_SDL);
  const port = await freePort();
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [...GATEWAY_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${scratch}`, GATEWAY_ENTRY],
    {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        SEEK_API_URL: `${upstreamUrl}/graphql`,
        SEEK_AUTH_URL: `${upstreamUrl}/oauth/token`,
        SEEK_BROWSER_TOKEN_URL: `${upstreamUrl}/auth/token`,
        SEEK_CLIENT_ID: `profile-${Date.now()}`,
        SEEK_CLIENT_SECRET: 'profile-secret',
        GATEWAY_API_KEYS: GATEWAY_API_KEY,
        REDIS_URL: BENCH_REDIS_URL,
        // Production with Redis requires it (a fixed one: bench runs compare like with like).
        TOKEN_ENCRYPTION_KEY: 'be'.repeat(32),
        SEEK_SCHEMA_FILE: schemaFile,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await waitReady(gatewayUrl);
    const run = (duration: number) =>
      autocannon({
        url: `${gatewayUrl}/graphql`,
        method: 'POST',
        connections: 10,
        duration,
        headers: BENCH_HEADERS,
        body: requestBody(VERSION_QUERY),
      });
    await run(2);
    const result = await run(durationS);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    const file = readdirSync(scratch).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    const { busyMs, rows } = summarise(
      JSON.parse(readFileSync(path.join(scratch, file), 'utf8')) as CpuProfile,
    );
    const requests = result.requests.total;
    process.stdout.write(
      [
        `# Gateway hot path: CPU profile (${durationS + 2} s recorded, ${requests} requests measured, ${result.requests.average} req/s, non-2xx ${result.non2xx})`,
        '',
        `Busy CPU over the whole recording ${busyMs.toFixed(0)} ms. Top functions by self time:`,
        '',
        '| self | function  file:line |',
        '| ---: | --- |',
        ...rows,
        '',
        `Profile: ${path.join(scratch, file)} (open in Chrome DevTools > Performance)`,
        '',
      ].join('\n'),
    );
  } finally {
    child.kill('SIGKILL');
    upstream.close();
    upstream.closeAllConnections();
  }
};

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
