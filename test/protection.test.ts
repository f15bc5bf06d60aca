// Caller protection (issue 17) with real traffic on loopback: rate limits per address, per
// browser token and per service key name; refused browser tokens remembered; the bound on
// concurrent calls to SEEK and SEEK's 429 lowering it; limits shared by two replicas through
// Redis, and a Redis killed mid-flood changing nothing but the sharing. Every assertion is a
// count (answers by status, calls SEEK saw), never a duration.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { SERVICE_FIRST_BURST } from '../src/pipeline/protect';
import { clientAddressOf } from '../src/protection/clientAddress';
import { keyDigest } from '../src/protection/keyDigest';
import { createRefusedTokens } from '../src/protection/refusedTokens';
import type { SeekSimulator } from '../src/seek/simulator';
import { startPasswordRedis, stopAllRedisServers, type StartedRedis } from './support/redisServers';
import {
  FAKE_LTD,
  SERVICE_KEY,
  graphqlCalls,
  serveGateway,
  startGateway,
  startSimulator,
  uniqueClientId,
  userJwt,
  type TestGateway,
} from './support/harness';
import { simulatorSchemaFile } from './support/simulatorSchemaFile';
import { browserTokenFromSimulator } from './support/callers';

const QUERY = '{ version }';

interface Answer {
  status: number;
  retryAfter: string | null;
  code: string | undefined;
  text: string;
}

const post = async (
  url: string,
  authorization: string | undefined,
  headers: Record<string, string> = {},
): Promise<Answer> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
      ...headers,
    },
    body: JSON.stringify({ query: QUERY }),
  });
  const text = await response.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]
      ?.extensions?.code;
  } catch {
    code = undefined;
  }
  return { status: response.status, retryAfter: response.headers.get('retry-after'), code, text };
};

/** A SEEK browser token straight from the simulator (partner token, then the exchange). */
const browserTokenFrom = (simulator: SeekSimulator) =>
  browserTokenFromSimulator(simulator, {
    hirerId: FAKE_LTD,
    scope: 'query:ontologies',
    userId: 'user-1',
  });

const junkToken = () => `junk-${randomBytes(12).toString('hex')}`;

/** Runs `count` calls, `concurrency` at a time. */
const flood = async <T>(
  count: number,
  concurrency: number,
  call: (index: number) => Promise<T>,
) => {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        results.push(await call(index));
      }
    }),
  );
  return results;
};

const countBy = (answers: Answer[]) => {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
};

const metricValue = async (gw: TestGateway, name: string, labels = '') => {
  const text = await gw.gateway.metrics.registry.metrics();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ').pop()) : undefined;
};

const serving: Array<{ close(): Promise<void> }> = [];
const gateways: TestGateway[] = [];
const start = async (
  simulator: SeekSimulator,
  env: Record<string, string | undefined>,
  deps: Parameters<typeof startGateway>[2] = {},
) => {
  // Counts are exact only while Redis answers within its bound: on a busy machine a loopback
  // call can pass the default 50 ms, and memory then decides that one call.
  const gw = await startGateway(simulator, { REDIS_COMMAND_TIMEOUT_MS: '1000', ...env }, deps);
  gateways.push(gw);
  const served = await serveGateway(gw);
  serving.push(served);
  return { gw, url: served.url };
};

afterEach(async () => {
  for (const served of serving.splice(0)) await served.close();
  for (const gw of gateways.splice(0)) await gw.stop();
});
afterAll(() => stopAllRedisServers());

describe('rate limits per caller', () => {
  let simulator: SeekSimulator;
  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('protection') });
  });
  afterEach(() => simulator.close());

  it('holds a flood of distinct junk tokens from one address to its limit, while a service keeps its full rate', async () => {
    const { gw, url } = await start(simulator, {
      RATE_LIMIT_ADDRESS_PER_MINUTE: '20',
      RATE_LIMIT_SERVICE_PER_MINUTE: '1000',
    });
    simulator.clearRequests();
    const tokens: string[] = [];
    const [junk, service] = await Promise.all([
      flood(100, 8, () => {
        const token = junkToken();
        tokens.push(token);
        return post(url, `Bearer ${token}`);
      }),
      flood(60, 2, () => post(url, `Bearer ${SERVICE_KEY}`)),
    ]);
    // SEEK judged 20 junk tokens (200 with its UNAUTHENTICATED); the other 80 never left.
    expect(countBy(junk)).toEqual({ 200: 20, 429: 80 });
    expect(countBy(service)).toEqual({ 200: 60 });
    expect(graphqlCalls(simulator).length).toBe(80);
    const refused = junk.filter((answer) => answer.status === 429);
    for (const answer of refused) {
      expect(answer.code).toBe('RATE_LIMITED');
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(
      await metricValue(gw, 'gateway_rate_limit_refusals_total', '{limit="address",service=""}'),
    ).toBe(80);
    // No token in an answer or a log line.
    const everything = `${junk.map((answer) => answer.text).join('\n')}\n${gw.logs.text()}`;
    for (const token of tokens) expect(everything).not.toContain(token);
    expect(everything).not.toContain(SERVICE_KEY);
  });

  it('counts junk user JWTs and malformed headers against the address before verifying them', async () => {
    const { gw, url } = await start(simulator, { RATE_LIMIT_ADDRESS_PER_MINUTE: '20' });
    // Claims our issuer, signed with another secret: verification fails.
    const forged = await userJwt({
      hirerIds: [FAKE_LTD],
      secret: 'another-secret-that-is-at-least-32-bytes-long',
    });
    simulator.clearRequests();
    const answers = await flood(160, 8, (index) =>
      post(url, index % 2 === 0 ? `Bearer ${forged}` : 'Basic not-a-bearer'),
    );
    expect(countBy(answers)).toEqual({ 401: 20, 429: 140 });
    expect(graphqlCalls(simulator).length).toBe(0);
    expect(
      await metricValue(gw, 'gateway_rate_limit_refusals_total', '{limit="address",service=""}'),
    ).toBe(140);
  });

  it('admits at most the limit and the first burst of 100 concurrent service calls on a fresh window (Redis)', async () => {
    const { gw, url } = await start(simulator, { RATE_LIMIT_SERVICE_PER_MINUTE: '30' });
    while (gw.gateway.sharedStore.state !== 'ready')
      await new Promise((resolve) => setTimeout(resolve, 20));
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => post(url, `Bearer ${SERVICE_KEY}`)),
    );
    const counts = countBy(answers);
    expect((counts[200] ?? 0) + (counts[429] ?? 0)).toBe(100);
    expect(counts[200]).toBeGreaterThanOrEqual(30);
    expect(counts[200]).toBeLessThanOrEqual(30 + SERVICE_FIRST_BURST);
    // The window is known now: the next calls are refused without waiting.
    const after = await flood(20, 4, () => post(url, `Bearer ${SERVICE_KEY}`));
    expect(countBy(after)).toEqual({ 429: 20 });
  });

  it('trusts X-Forwarded-For for TRUST_PROXY_HOPS hops only', async () => {
    const { url } = await start(simulator, {
      RATE_LIMIT_ADDRESS_PER_MINUTE: '2',
      TRUST_PROXY_HOPS: '1',
    });
    // The entry our one proxy added counts: two clients behind it have budgets of their own …
    const a = await flood(3, 1, () =>
      post(url, `Bearer ${junkToken()}`, { 'x-forwarded-for': '203.0.113.7' }),
    );
    const b = await flood(3, 1, () =>
      post(url, `Bearer ${junkToken()}`, { 'x-forwarded-for': '203.0.113.8' }),
    );
    expect(countBy(a)).toEqual({ 200: 2, 429: 1 });
    expect(countBy(b)).toEqual({ 200: 2, 429: 1 });
    // … and what a client writes further left changes nothing.
    const spoofed = await flood(3, 1, (index) =>
      post(url, `Bearer ${junkToken()}`, { 'x-forwarded-for': `10.0.0.${index}, 203.0.113.9` }),
    );
    expect(countBy(spoofed)).toEqual({ 200: 2, 429: 1 });
  });

  it('limits a browser token on its own, and refuses a token SEEK refused without asking again', async () => {
    const { gw, url } = await start(simulator, {
      RATE_LIMIT_BROWSER_PER_MINUTE: '3',
      RATE_LIMIT_ADDRESS_PER_MINUTE: '1000',
    });
    simulator.clearRequests();
    const junk = junkToken();
    const first = await post(url, `Bearer ${junk}`);
    expect(first.status).toBe(200);
    expect(first.code).toBe('UNAUTHENTICATED'); // SEEK's own answer
    expect(graphqlCalls(simulator).length).toBe(1);
    const again = await flood(5, 1, () => post(url, `Bearer ${junk}`));
    expect(again.map((answer) => [answer.status, answer.code])).toEqual(
      Array(5).fill([200, 'UNAUTHENTICATED']),
    );
    expect(graphqlCalls(simulator).length).toBe(1);
    expect(
      await metricValue(
        gw,
        'gateway_rate_limit_refusals_total',
        '{limit="refused_token",service=""}',
      ),
    ).toBe(5);

    // A token SEEK accepts is held to RATE_LIMIT_BROWSER_PER_MINUTE.
    const token = await browserTokenFrom(simulator);
    const answers = await flood(5, 1, () => post(url, `Bearer ${token}`));
    expect(countBy(answers)).toEqual({ 200: 3, 429: 2 });
    expect(answers[4]?.code).toBe('RATE_LIMITED');
    expect(gw.logs.text()).not.toContain(junk);
  });

  it('a service over its limit gets 429 with Retry-After, its name in the log and metrics, and recovers', async () => {
    const { gw, url } = await start(
      simulator,
      { RATE_LIMIT_SERVICE_PER_MINUTE: '5' },
      { protection: { windowSeconds: 2 } },
    );
    const answers = await flood(8, 1, () => post(url, `Bearer ${SERVICE_KEY}`));
    expect(answers.map((answer) => answer.status)).toEqual([
      200, 200, 200, 200, 200, 429, 429, 429,
    ]);
    const refused = answers[7] as Answer;
    expect(refused.code).toBe('RATE_LIMITED');
    const seconds = Number(refused.retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(2);

    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000 + 100));
    expect((await post(url, `Bearer ${SERVICE_KEY}`)).status).toBe(200);

    const lines = gw.logs.lines.filter((line) => line.includes('"graphql request"'));
    expect(lines.length).toBe(9);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ serviceName: 'env-1' });
    expect(
      await metricValue(
        gw,
        'gateway_rate_limit_refusals_total',
        '{limit="service",service="env-1"}',
      ),
    ).toBe(3);
    expect(gw.logs.text()).not.toContain(SERVICE_KEY);
  });
});

/** A SEEK GraphQL stand-in that counts calls in flight and answers when told to. */
const startSeekStandIn = async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  let hold = false;
  let tooManyLeft = 0;
  const held: Array<() => void> = [];
  const arrivals: Array<() => void> = [];
  const answer = (res: ServerResponse) => {
    inFlight -= 1;
    const body = '{"data":{"version":"stand-in"}}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      calls += 1;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      for (const arrived of arrivals.splice(0)) arrived();
      if (tooManyLeft > 0) {
        tooManyLeft -= 1;
        inFlight -= 1;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end('{"errors":[{"message":"slow down"}]}');
        return;
      }
      if (hold) held.push(() => answer(res));
      else answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get calls() {
      return calls;
    },
    resetMax() {
      maxInFlight = inFlight;
    },
    hold() {
      hold = true;
    },
    release() {
      hold = false;
      for (const respond of held.splice(0)) respond();
    },
    tooMany(times: number) {
      tooManyLeft = times;
    },
    /** Resolves once `count` calls are in flight. */
    async untilInFlight(count: number) {
      while (inFlight < count) await new Promise<void>((resolve) => arrivals.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

describe('the client address as counted', () => {
  const request = (forwardedFor: string, socket = '10.1.2.3') =>
    ({
      headers: { 'x-forwarded-for': forwardedFor },
      socket: { remoteAddress: socket },
    }) as unknown as IncomingMessage;

  it.each([
    ['1.2.3.4:5555', '1.2.3.4'],
    ['1.2.3.4', '1.2.3.4'],
    ['[2001:db8:1:2::5]:443', '2001:db8:1:2::/64'],
    ['::ffff:198.51.100.4', '198.51.100.4'],
    ['unknown', '10.1.2.3'],
    ['not-an-address', '10.1.2.3'],
    ['1.2.3.4:notaport', '10.1.2.3'],
    ['999.1.1.1', '10.1.2.3'],
    ['', '10.1.2.3'],
  ])('X-Forwarded-For %j one hop in counts as %s', (forwardedFor, expected) => {
    expect(clientAddressOf(request(forwardedFor), 1)).toBe(expected);
  });

  it('a socket that is no address counts as unknown; no trusted hops: the socket', () => {
    expect(clientAddressOf(request('1.2.3.4', 'weird'), 0)).toBe('unknown');
    expect(clientAddressOf(request('1.2.3.4', 'weird'), 1)).toBe('1.2.3.4');
    expect(clientAddressOf(request('1.2.3.4'), 0)).toBe('10.1.2.3');
  });
});

describe('refused browser tokens in memory', () => {
  const jwtShaped = (exp: number) =>
    `x.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.y`;

  it('remembers a token already past its exp for the full five minutes, and one with a near exp until it', () => {
    let now = 1_000_000_000_000;
    const refused = createRefusedTokens({ clock: { now: () => now } });
    const expired = jwtShaped(now / 1_000 - 60);
    const soon = jwtShaped(now / 1_000 + 60);
    const opaque = 'opaque-token';
    for (const token of [expired, soon, opaque]) refused.remember(token);
    expect(refused.size).toBe(3);
    now += 59_000;
    expect([expired, soon, opaque].map((token) => refused.isRefused(keyDigest(token)))).toEqual([
      true,
      true,
      true,
    ]);
    now += 2_000; // past `soon`'s exp
    expect([expired, soon, opaque].map((token) => refused.isRefused(keyDigest(token)))).toEqual([
      true,
      false,
      true,
    ]);
    now = 1_000_000_000_000 + 5 * 60_000 + 1;
    expect([expired, opaque].map((token) => refused.isRefused(keyDigest(token)))).toEqual([
      false,
      false,
    ]);
  });
});

describe('the bound on concurrent calls to SEEK', () => {
  let simulator: SeekSimulator;
  let seek: Awaited<ReturnType<typeof startSeekStandIn>>;
  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('seek-bound') });
    seek = await startSeekStandIn();
  });
  afterEach(async () => {
    seek.release();
    await seek.close();
    await simulator.close();
  });

  const env = (overrides: Record<string, string>) => ({
    SEEK_API_URL: seek.url,
    SEEK_SCHEMA_FILE: simulatorSchemaFile(),
    ...overrides,
  });

  it('holds no more calls in flight than the bound with SEEK slowed down; the excess gets 503 GATEWAY_BUSY at once', async () => {
    const { gw, url } = await start(
      simulator,
      env({ SEEK_MAX_CONCURRENCY: '4', SEEK_QUEUE_MAX: '4', SEEK_QUEUE_TIMEOUT_MS: '30000' }),
    );
    seek.hold();
    const pending = Array.from({ length: 20 }, () => post(url, `Bearer ${SERVICE_KEY}`));
    await seek.untilInFlight(4);
    // With SEEK still holding every call: 4 in flight, 4 queued, and 12 already answered.
    const settled: Answer[] = [];
    for (const answer of pending) void answer.then((value) => settled.push(value));
    while (settled.length < 12) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seek.inFlight).toBe(4);
    expect(await metricValue(gw, 'gateway_seek_in_flight')).toBe(4);
    expect(await metricValue(gw, 'gateway_seek_queue_length')).toBe(4);
    expect(settled.map((answer) => [answer.status, answer.code, answer.retryAfter])).toEqual(
      Array(12).fill([503, 'GATEWAY_BUSY', '1']),
    );
    seek.release();
    const all = await Promise.all(pending);
    expect(countBy(all)).toEqual({ 200: 8, 503: 12 });
    expect(seek.maxInFlight).toBe(4);
    expect(seek.calls).toBe(8);
  });

  it("SEEK's 429 halves the bound for everyone, and answers that are not 429 bring it back", async () => {
    const { gw, url } = await start(
      simulator,
      env({ SEEK_MAX_CONCURRENCY: '8', SEEK_QUEUE_MAX: '100', SEEK_QUEUE_TIMEOUT_MS: '30000' }),
    );
    expect(await metricValue(gw, 'gateway_seek_concurrency_limit')).toBe(8);
    seek.tooMany(1);
    // The query is retried once after SEEK's 429 and then answered.
    expect((await post(url, `Bearer ${SERVICE_KEY}`)).status).toBe(200);
    expect(await metricValue(gw, 'gateway_seek_concurrency_limit')).toBe(4);
    expect(await metricValue(gw, 'gateway_seek_backoffs_total')).toBe(1);

    // 8 at once: only 4 reach SEEK together.
    seek.hold();
    seek.resetMax();
    const burst = Array.from({ length: 8 }, () => post(url, `Bearer ${SERVICE_KEY}`));
    await seek.untilInFlight(4);
    seek.release();
    expect(countBy(await Promise.all(burst))).toEqual({ 200: 8 });
    expect(seek.maxInFlight).toBe(4);

    // Each `limit` answers raise it by one: 4+5+6+7 answers bring it back to 8.
    await flood(30, 1, () => post(url, `Bearer ${SERVICE_KEY}`));
    expect(await metricValue(gw, 'gateway_seek_concurrency_limit')).toBe(8);
    seek.hold();
    seek.resetMax();
    const again = Array.from({ length: 8 }, () => post(url, `Bearer ${SERVICE_KEY}`));
    await seek.untilInFlight(8);
    seek.release();
    expect(countBy(await Promise.all(again))).toEqual({ 200: 8 });
    expect(seek.maxInFlight).toBe(8);
  });
});

describe('limits shared by replicas through Redis', () => {
  let simulator: SeekSimulator;
  let redis: StartedRedis;
  const REDIS_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('protection-shared') });
    redis = await startPasswordRedis({ password: REDIS_PASSWORD });
  });
  afterEach(async () => {
    await redis.stop();
    await simulator.close();
  });

  const replicas = async (limit: string) => {
    const env = { REDIS_URL: redis.url, REDIS_PASSWORD, RATE_LIMIT_ADDRESS_PER_MINUTE: limit };
    const a = await start(simulator, env);
    const b = await start(simulator, env);
    // Both connected before the counting starts.
    for (const { gw } of [a, b]) {
      while (gw.gateway.sharedStore.state !== 'ready')
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return [a, b] as const;
  };

  it('two replicas share one budget per address', async () => {
    const [a, b] = await replicas('10');
    const onA = await flood(8, 2, () => post(a.url, `Bearer ${junkToken()}`));
    const onB = await flood(8, 2, () => post(b.url, `Bearer ${junkToken()}`));
    expect(countBy([...onA, ...onB])).toEqual({ 200: 10, 429: 6 });
    expect(countBy(onA)).toEqual({ 200: 8 });
  });

  it('Redis killed during a flood changes nothing but the sharing: each replica then counts alone', async () => {
    const [a, b] = await replicas('10');
    // Shared: 5 + 5 use the whole budget of 10.
    const before = [
      ...(await flood(5, 2, () => post(a.url, `Bearer ${junkToken()}`))),
      ...(await flood(5, 2, () => post(b.url, `Bearer ${junkToken()}`))),
    ];
    expect(countBy(before)).toEqual({ 200: 10 });
    await redis.stop();
    // Per replica: each has a budget of 10 of its own in memory; every request is answered.
    const onA = await flood(15, 3, () => post(a.url, `Bearer ${junkToken()}`));
    const onB = await flood(15, 3, () => post(b.url, `Bearer ${junkToken()}`));
    expect(countBy(onA)).toEqual({ 200: 10, 429: 5 });
    expect(countBy(onB)).toEqual({ 200: 10, 429: 5 });
    expect(await metricValue(a.gw, 'gateway_rate_limit_fallbacks_total')).toBeGreaterThanOrEqual(1);
    for (const { gw } of [a, b]) expect(gw.logs.text()).not.toContain(REDIS_PASSWORD);
  });
});

describe('named service keys from GATEWAY_API_KEYS_FILE', () => {
  let simulator: SeekSimulator;
  let directory: string;
  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('keys-file') });
    directory = mkdtempSync(join(tmpdir(), 'keys-file-'));
  });
  afterEach(async () => {
    rmSync(directory, { recursive: true, force: true });
    await simulator.close();
  });

  const lastLine = (gw: TestGateway) =>
    JSON.parse(
      gw.logs.lines.filter((line) => line.includes('"graphql request"')).pop() ?? '{}',
    ) as Record<string, unknown>;
  /** Sends with `key` until the request log names `expected` (the file is re-read on change). */
  const until = async (gw: TestGateway, url: string, key: string, expected: unknown) => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      await post(url, `Bearer ${key}`);
      const line = lastLine(gw);
      if ((line.serviceName ?? line.caller) === expected) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the log never said ${String(expected)}`);
  };

  it('rotates a key with no restart, logs the name (never the key), and keeps the last good keys when the file is bad', async () => {
    const file = join(directory, 'keys');
    const oldKey = `old-${randomBytes(12).toString('hex')}`;
    const newKey = `new-${randomBytes(12).toString('hex')}`;
    // Written by rename, as editors and Kubernetes do.
    const write = (text: string) => {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    write(`# services\npayroll=${oldKey}\n`);
    const { gw, url } = await start(
      simulator,
      { GATEWAY_API_KEYS_FILE: file },
      { protection: { keysFilePollMs: 200 } },
    );
    expect((await post(url, `Bearer ${oldKey}`)).status).toBe(200);
    expect(lastLine(gw)).toMatchObject({ caller: 'service', serviceName: 'payroll' });
    // GATEWAY_API_KEYS serves next to the file.
    expect((await post(url, `Bearer ${SERVICE_KEY}`)).status).toBe(200);
    expect(lastLine(gw)).toMatchObject({ caller: 'service', serviceName: 'env-1' });

    // 1. The new key added next to the old one: both are payroll's.
    write(`payroll=${oldKey}\npayroll=${newKey}\n`);
    await until(gw, url, newKey, 'payroll');
    await until(gw, url, oldKey, 'payroll');
    // 2. The old one removed: it is no service key any more.
    write(`payroll=${newKey}\n`);
    await until(gw, url, oldKey, 'seek-token');
    await until(gw, url, newKey, 'payroll');
    // 3. A bad file: the last good keys stay, and the log says why (the line, not the key).
    write(`payroll=${newKey}\nthis line has no equals sign\n`);
    for (let attempt = 0; attempt < 100 && !gw.logs.text().includes('not reloaded'); attempt += 1)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gw.logs.text()).toContain('line 2: not name=key');
    await until(gw, url, newKey, 'payroll');
    expect(
      await metricValue(gw, 'gateway_service_requests_total', '{service="payroll",outcome="ok"}'),
    ).toBeGreaterThanOrEqual(3);

    const logs = gw.logs.text();
    expect(logs).not.toContain(oldKey.slice(4));
    expect(logs).not.toContain(newKey.slice(4));
    expect(logs).not.toContain(SERVICE_KEY);
  });

  it('refuses to start on a keys file it cannot use, naming the line', async () => {
    const file = join(directory, 'keys');
    writeFileSync(file, 'payroll=short\n');
    await expect(startGateway(simulator, { GATEWAY_API_KEYS_FILE: file })).rejects.toThrow(
      /GATEWAY_API_KEYS_FILE: .*line 1: the key of "payroll" is shorter than 16 characters/,
    );
  });
});
