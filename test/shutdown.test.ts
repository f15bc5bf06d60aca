import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';

import type { SeekSimulator } from '../src/seek/simulator';
import { SERVICE_KEY, freePort, startSimulator, uniqueClientId } from './support/harness';

const REPO_ROOT = join(__dirname, '..');

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One HTTP request on a fresh connection (no agent, so no pooled socket outlives the test). */
const call = (
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: unknown },
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        agent: false,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(body);
  });

const graphql = (port: number, query: string, authorization = `Bearer ${SERVICE_KEY}`) =>
  call(port, {
    method: 'POST',
    path: '/graphql',
    headers: { authorization },
    body: { query },
  });

interface GatewayProcess {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name) and when it happened. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const running = new Set<ChildProcess>();

/** `node --import tsx src/main.ts` with exactly this environment (nothing inherited but PATH). */
const spawnGateway = (port: number, env: Record<string, string>): GatewayProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        resolve({ code, signal, at: performance.now() });
      }),
  );
  return { child, port, stdout: () => stdout, stderr: () => stderr, exited };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls /ready until it answers 200; fails early if the process dies. */
const waitForReady = async (gateway: GatewayProcess, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gateway.child.exitCode !== null) {
      throw new Error(`gateway exited early (${gateway.child.exitCode}): ${gateway.stderr()}`);
    }
    try {
      const ready = await call(gateway.port, { path: '/ready' });
      if (ready.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`gateway not ready within ${timeoutMs} ms: ${gateway.stderr()}`);
};

const waitFor = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(10);
  expect(condition()).toBe(true);
};

afterEach(async () => {
  // A test that failed half-way must not leave a gateway running.
  for (const child of running) child.kill('SIGKILL');
  const deadline = Date.now() + 5_000;
  while (running.size > 0 && Date.now() < deadline) await sleep(20);
});

describe('graceful shutdown of the real process', () => {
  let simulator: SeekSimulator;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('shutdown') });
  });
  afterAll(async () => {
    await simulator.close();
  });

  const seekEnv = (shutdownTimeoutMs: number): Record<string, string> => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    SEEK_API_URL: simulator.graphqlUrl,
    SEEK_AUTH_URL: simulator.authUrl,
    SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
    SEEK_AUDIENCE: simulator.audience,
    SEEK_CLIENT_ID: simulator.clientId,
    SEEK_CLIENT_SECRET: simulator.clientSecret,
    GATEWAY_API_KEYS: SERVICE_KEY,
    SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
  });

  it('on SIGTERM finishes the request in flight, refuses new connections and exits 0', async () => {
    const shutdownTimeoutMs = 5_000;
    const gateway = spawnGateway(await freePort(), seekEnv(shutdownTimeoutMs));
    await waitForReady(gateway);
    simulator.clearRequests();
    simulator.fault('graphql', { kind: 'delay', ms: 1_500 });

    const slow = graphql(gateway.port, '{ version }');
    await waitFor(() => simulator.count('graphql') === 1);
    const signalledAt = performance.now();
    gateway.child.kill('SIGTERM');
    await sleep(200);

    await expect(call(gateway.port, { path: '/health' })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ data: { version: expect.any(String) } });

    const exit = await gateway.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(shutdownTimeoutMs);
    expect(exit.at - signalledAt).toBeGreaterThan(1_000); // it waited for the slow request
    expect(gateway.stdout()).toMatch(/shutting down: finishing in-flight requests/);
    expect(gateway.stdout()).toMatch(/shutdown complete/);
  });

  it('on SIGTERM answers /ready 503 draining at once on METRICS_PORT while the request in flight completes', async () => {
    const metricsPort = await freePort();
    const gateway = spawnGateway(await freePort(), {
      ...seekEnv(5_000),
      METRICS_PORT: String(metricsPort),
    });
    await waitForReady(gateway);
    // The metrics port serves /ready and /metrics, and nothing else.
    const ready = await call(metricsPort, { path: '/ready' });
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'ready' });
    const metrics = await call(metricsPort, { path: '/metrics' });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^# HELP /m);
    expect((await call(metricsPort, { path: '/health' })).status).toBe(404);
    expect(
      (
        await call(metricsPort, {
          method: 'POST',
          path: '/graphql',
          body: { query: '{ version }' },
        })
      ).status,
    ).toBe(404);

    simulator.clearRequests();
    simulator.fault('graphql', { kind: 'delay', ms: 1_500 });
    const slow = graphql(gateway.port, '{ version }');
    await waitFor(() => simulator.count('graphql') === 1);
    gateway.child.kill('SIGTERM');
    await waitFor(() => /shutting down: finishing in-flight requests/.test(gateway.stdout()));

    // Still in flight (SEEK answers after 1.5 s), and /ready already says draining.
    const draining = await call(metricsPort, { path: '/ready' });
    expect(draining.status).toBe(503);
    expect(JSON.parse(draining.text)).toEqual({ status: 'draining' });
    expect(draining.headers['cache-control']).toBe('no-store');
    expect(simulator.count('graphql')).toBe(1);
    // Prometheus can still scrape during the drain.
    expect((await call(metricsPort, { path: '/metrics' })).status).toBe(200);

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ data: { version: expect.any(String) } });
    expect(await gateway.exited).toMatchObject({ code: 0, signal: null });
    expect(gateway.stdout()).toMatch(/shutdown complete/);
  });

  it('stops the start naming METRICS_PORT when that port is taken', async () => {
    const port = await freePort();
    const gateway = spawnGateway(await freePort(), { ...seekEnv(1_000), METRICS_PORT: '0' });
    await waitForReady(gateway);
    // Log lines are written in batches: the start-up line may follow /ready by a moment.
    await waitFor(() => /"metricsPort":(\d+)/.test(gateway.stdout()));
    const metricsPort = Number(/"metricsPort":(\d+)/.exec(gateway.stdout())?.[1]);
    expect(metricsPort).toBeGreaterThan(0);
    const second = spawnGateway(port, { ...seekEnv(1_000), METRICS_PORT: String(metricsPort) });
    const exit = await second.exited;
    expect(exit.code).toBe(1);
    expect(second.stderr()).toMatch(
      new RegExp(`METRICS_PORT ${metricsPort} \\(EADDRINUSE\\)\\. Set METRICS_PORT to a free port`),
    );
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toMatchObject({ code: 0 });
  });

  it('cuts a request that outlives SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    const shutdownTimeoutMs = 500;
    const gateway = spawnGateway(await freePort(), seekEnv(shutdownTimeoutMs));
    await waitForReady(gateway);
    simulator.clearRequests();
    simulator.fault('graphql', { kind: 'delay', ms: 4_000 });

    const slow = graphql(gateway.port, '{ version }').then(
      (reply) => ({ reply, error: undefined }),
      (error: Error) => ({ reply: undefined, error }),
    );
    await waitFor(() => simulator.count('graphql') === 1);
    const signalledAt = performance.now();
    gateway.child.kill('SIGTERM');

    const outcome = await slow;
    expect(outcome.reply).toBeUndefined();
    expect(outcome.error?.message).toMatch(/socket hang up|ECONNRESET/);
    const exit = await gateway.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(shutdownTimeoutMs + 1_500);
    expect(gateway.stdout()).toMatch(/shutdown timeout reached/);
  });
});

describe('the process on its own', () => {
  it('runs on the embedded default with no SEEK configuration: prints a key, answers, serves Sandbox', async () => {
    // No NODE_ENV, no REDIS_URL, no SEEK variables: only PATH, HOST and PORT.
    const gateway = spawnGateway(await freePort(), {});
    await waitForReady(gateway);
    const key = /Service key \(Authorization: Bearer …\): (\S+)/.exec(gateway.stdout())?.[1];
    expect(key).toEqual(expect.any(String));
    expect((key as string).length).toBeGreaterThanOrEqual(16);

    const answer = await graphql(
      gateway.port,
      '{ version self { partner { name } } }',
      `Bearer ${key}`,
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      data: { version: expect.any(String), self: { partner: { name: expect.any(String) } } },
    });
    const refused = await graphql(gateway.port, '{ version }', 'Bearer not-the-development-key');
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const sandbox = await call(gateway.port, {
      path: '/graphql',
      headers: { accept: 'text/html' },
    });
    expect(sandbox.status).toBe(200);
    expect(sandbox.headers['content-type']).toMatch(/text\/html/);
    expect(sandbox.text).toMatch(/sandbox/i);

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toMatchObject({ code: 0 });
  });

  it('exits non-zero within seconds naming PORT when PORT is not a number', async () => {
    const started = performance.now();
    const gateway = spawnGateway(0, { PORT: 'abc' });
    const exit = await gateway.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(exit.at - started).toBeLessThan(10_000);
    expect(gateway.stderr()).toMatch(/PORT/);
    expect(gateway.stderr()).toMatch(/Invalid configuration/);
  });
});
