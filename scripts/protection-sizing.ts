// Sizing run for SEEK_MAX_CONCURRENCY / SEEK_QUEUE_MAX (README "Protecting the gateway"): a
// SEEK stand-in that answers after a fixed latency, the gateway in front of it on loopback,
// and a fixed number of clients sending service-key queries back to back for a few seconds.
// Prints, per setting: answers per second, how many got 503 GATEWAY_BUSY, the most calls SEEK
// saw at once, and the median and 99th percentile time of an answer.
//
//   npx tsx scripts/protection-sizing.ts
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { printSchema } from 'graphql';
import { Agent, request } from 'undici';

import { createGateway } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/observability/logger';
import { startSeekSimulator } from '../src/seek/simulator';
import { schemaForRevision } from '../src/seek/simulator/executableSchema';

const SEEK_LATENCY_MS = Number(process.env.SIZING_SEEK_LATENCY_MS ?? 50);
const CLIENTS = Number(process.env.SIZING_CLIENTS ?? 64);
const SECONDS = Number(process.env.SIZING_SECONDS ?? 4);
const KEY = `sizing-${randomBytes(12).toString('hex')}`;
const SETTINGS = [
  { maxConcurrency: 128, queueMax: 256 },
  { maxConcurrency: 16, queueMax: 32 },
  { maxConcurrency: 16, queueMax: 0 },
];

const startSeek = async () => {
  let inFlight = 0;
  let max = 0;
  const body = '{"data":{"version":"sizing"}}';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      inFlight += 1;
      max = Math.max(max, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      }, SEEK_LATENCY_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    takeMax: () => {
      const seen = max;
      max = 0;
      return seen;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const main = async () => {
  const schemaFile = join(tmpdir(), `sizing-schema-${process.pid}.graphql`);
  writeFileSync(schemaFile, printSchema(schemaForRevision(1)));
  const simulator = await startSeekSimulator({
    clientId: `sizing-${randomBytes(4).toString('hex')}`,
    clientSecret: randomBytes(16).toString('hex'),
  });
  const seek = await startSeek();
  const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  console.log(
    `SEEK latency ${SEEK_LATENCY_MS} ms, ${CLIENTS} clients back to back, ${SECONDS} s per setting`,
  );
  for (const setting of SETTINGS) {
    const config = loadConfig({
      NODE_ENV: 'test',
      SEEK_API_URL: seek.url,
      SEEK_AUTH_URL: simulator.authUrl,
      SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
      SEEK_AUDIENCE: simulator.audience,
      SEEK_CLIENT_ID: simulator.clientId,
      SEEK_CLIENT_SECRET: simulator.clientSecret,
      SEEK_SCHEMA_FILE: schemaFile,
      GATEWAY_API_KEYS: KEY,
      LOG_LEVEL: 'warn',
      SEEK_MAX_CONCURRENCY: String(setting.maxConcurrency),
      SEEK_QUEUE_MAX: String(setting.queueMax),
      SEEK_QUEUE_TIMEOUT_MS: '1000',
    });
    const gateway = await createGateway({
      config,
      logger: createLogger({ level: 'warn', destination: quiet }),
    });
    const server = createServer(gateway.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const agent = new Agent({ connections: CLIENTS });
    const send = async () => {
      const started = performance.now();
      const response = await request(url, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: '{"query":"{ version }"}',
      });
      await response.body.text();
      return { status: response.statusCode, ms: performance.now() - started };
    };
    await Promise.all(Array.from({ length: CLIENTS }, send)); // warm: partner token, connections
    seek.takeMax();
    const times: number[] = [];
    const statuses: Record<number, number> = {};
    const end = performance.now() + SECONDS * 1_000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < end) {
          const { status, ms } = await send();
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 200) times.push(ms);
        }
      }),
    );
    times.sort((a, b) => a - b);
    const total = Object.values(statuses).reduce((sum, count) => sum + count, 0);
    const at = (share: number) => (times[Math.floor(share * (times.length - 1))] ?? 0).toFixed(1);
    console.log(
      `SEEK_MAX_CONCURRENCY=${setting.maxConcurrency} SEEK_QUEUE_MAX=${setting.queueMax}: ` +
        `${Math.round((statuses[200] ?? 0) / SECONDS)} ok/s, ${statuses[503] ?? 0} of ${total} ` +
        `answered 503, at most ${seek.takeMax()} at SEEK at once, ok p50 ${at(0.5)} ms p99 ${at(0.99)} ms`,
    );
    await agent.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gateway.stop();
  }
  await seek.close();
  await simulator.close();
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
