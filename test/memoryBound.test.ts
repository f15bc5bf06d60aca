// Bounds (pipeline spec): every cache on the request path (the parsed/validated document
// cache, the APQ store) is bounded in entries AND bytes, whatever callers send. 1,000+ requests
// each with a unique ~500 KB operationName, then unique ~500 KB documents registered as
// persisted queries, must not grow the heap by more than a few tens of MB. The gateway runs in
// this process, so its heap is ours: measured after a full GC, with everything the test itself
// keeps (captured log lines, the simulator's record) dropped first.
import { createHash } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { SeekSimulator } from '../src/seek/simulator';
import {
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';

const NAME_BYTES = 500 * 1024;
const UNIQUE_NAMES = 1_000;
const UNIQUE_DOCUMENTS = 300;
/** Unique documents the cache judges and keeps: invalid ones, and valid ones with variables. */
const UNIQUE_JUDGED = 300;
const CONCURRENCY = 6;
const MAX_GROWTH_BYTES = 64 * 1024 * 1024;

/** global.gc when node runs with --expose-gc; otherwise the same function, exposed now. */
const gc: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

const settle = async () => {
  for (let round = 0; round < 4; round += 1) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
};

let simulator: SeekSimulator;
let gw: TestGateway;
let server: Server;
let port = 0;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

const post = (body: Buffer, headers: Record<string, string>) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/graphql',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

/** Runs `count` requests, CONCURRENCY at a time; `check` sees each answer (and keeps nothing). */
const run = async (
  count: number,
  make: (index: number) => { body: Buffer; headers: Record<string, string> },
  check: (answer: { status: number; text: string }) => void,
) => {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      const { body, headers } = make(index);
      check(await post(body, headers));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
};

const filler = 'a'.repeat(NAME_BYTES);
let salt = 0;

/** `{ version }` with a unique ~500 KB operationName, from any bearer: never reaches SEEK. */
const uniqueName = (index: number) => ({
  body: Buffer.from(
    JSON.stringify({ query: '{ version }', operationName: `Op${salt}x${index}_${filler}` }),
  ),
  headers: { authorization: `Bearer any-bearer-value-${index % 7}` },
});

/** A unique ~500 KB invalid document, no credential: its cached errors must not hold its text. */
const uniqueInvalidDocument = (index: number) => ({
  body: Buffer.from(JSON.stringify({ query: `{ nosuchfield${salt}x${index} } # ${filler}` })),
  headers: {},
});

/**
 * A unique ~500 KB valid document with a variable definition, no credential (refused before
 * SEEK): the operation the cache keeps must not hold the document's text through its AST.
 */
const uniqueDocumentWithVariables = (index: number) => ({
  body: Buffer.from(
    JSON.stringify({
      query: `query Q($a: Boolean = true) { version @include(if: $a) } # ${salt}x${index} ${filler}`,
    }),
  ),
  headers: {},
});

/** A unique ~500 KB document (a long comment), registered as a persisted query. */
const uniqueDocument = (index: number) => {
  const query = `{ __typename } # ${salt}x${index} ${filler}`;
  const sha256Hash = createHash('sha256').update(query).digest('hex');
  return {
    body: Buffer.from(
      JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    ),
    headers: {},
  };
};

const expectCode = (code: string) => (answer: { status: number; text: string }) => {
  const parsed = JSON.parse(answer.text) as { errors?: Array<{ extensions?: { code?: string } }> };
  if (parsed.errors?.[0]?.extensions?.code !== code) {
    throw new Error(`expected ${code}, got HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
  }
};
const expectTypename = (answer: { status: number; text: string }) => {
  if (answer.status !== 200 || answer.text !== '{"data":{"__typename":"Query"}}') {
    throw new Error(
      `expected { __typename } answered, got HTTP ${answer.status}: ${answer.text.slice(0, 300)}`,
    );
  }
};

const drop = () => {
  gw.logs.lines.length = 0;
  simulator.clearRequests();
};

beforeAll(async () => {
  simulator = await startSimulator({ clientId: uniqueClientId('memory') });
  // info: the request lines only (debug lines could hold what callers sent, kept by the capture).
  gw = await startGateway(simulator, {
    LOG_LEVEL: 'info',
    // Thousands of anonymous requests from one address: the address limit would refuse most of
    // them before they reach the caches this test is about.
    RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
  });
  server = createServer(gw.gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  agent.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gw.stop();
  await simulator.close();
});

it(`keeps the heap bounded over ${UNIQUE_NAMES} unique 500 KB operationNames, ${UNIQUE_DOCUMENTS} unique 500 KB persisted documents and ${UNIQUE_JUDGED} each of unique 500 KB invalid documents and documents with variables`, async () => {
  // Warm up (lazy initialisation, JIT, pools) with the same kinds of request, then measure.
  salt = 1;
  await run(40, uniqueName, expectCode('OPERATION_RESOLUTION_FAILURE'));
  await run(20, uniqueDocument, expectTypename);
  await run(20, uniqueInvalidDocument, expectCode('GRAPHQL_VALIDATION_FAILED'));
  await run(20, uniqueDocumentWithVariables, expectCode('UNAUTHENTICATED'));
  drop();
  await settle();
  const before = process.memoryUsage();

  salt = 2;
  await run(UNIQUE_NAMES, uniqueName, expectCode('OPERATION_RESOLUTION_FAILURE'));
  await run(UNIQUE_DOCUMENTS, uniqueDocument, expectTypename);
  await run(UNIQUE_JUDGED, uniqueInvalidDocument, expectCode('GRAPHQL_VALIDATION_FAILED'));
  await run(UNIQUE_JUDGED, uniqueDocumentWithVariables, expectCode('UNAUTHENTICATED'));
  // Nothing of it went to SEEK.
  expect(graphqlCalls(simulator)).toHaveLength(0);
  drop();
  await settle();
  const after = process.memoryUsage();

  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  const growth = {
    heapUsedMB: mb(after.heapUsed - before.heapUsed),
    heapPlusArrayBuffersMB: mb(
      after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers,
    ),
    rssMB: mb(after.rss - before.rss),
    sentMB: mb((UNIQUE_NAMES + UNIQUE_DOCUMENTS) * NAME_BYTES),
  };
  // One object, so a failure prints every number at once.
  expect({
    ...growth,
    heapBounded: after.heapUsed - before.heapUsed < MAX_GROWTH_BYTES,
    buffersBounded:
      after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers <
      MAX_GROWTH_BYTES,
  }).toEqual({ ...growth, heapBounded: true, buffersBounded: true });
}, 60_000);
