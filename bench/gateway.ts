/**
 * The real product, spawned as `node dist/gateway.js` with its production env contract,
 * pinned to core 0; stdout (one pino line per request) goes to /dev/null.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT, scratchDir, stopChild, trackChild, type ChildServer } from './child';
import { GATEWAY_API_KEY } from './config';
import { serverPinPrefix } from './procstat';
import { BENCH_REDIS_URL } from './redis-stats';

export const GATEWAY_ENTRY = path.resolve(
  process.env.BENCH_GATEWAY_ENTRY ?? path.join(REPO_ROOT, 'dist', 'gateway.js'),
);
export const GATEWAY_GRAPHQL_PATH = process.env.BENCH_GATEWAY_PATH ?? '/graphql';

/**
 * The node flags `npm start` runs the gateway with (e.g. its young-generation cap), read from
 * package.json so the bench measures exactly what users run. `BENCH_GATEWAY_NODE_FLAGS` replaces
 * them (space-separated; `none` for no flags), to measure a flag before putting it in `start`.
 */
export const GATEWAY_NODE_FLAGS: string[] = (() => {
  const override = process.env.BENCH_GATEWAY_NODE_FLAGS;
  if (override !== undefined && override.trim() !== '') {
    return override.trim() === 'none' ? [] : override.trim().split(/\s+/);
  }
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  return (pkg.scripts?.start ?? '').split(/\s+/).filter((part) => part.startsWith('--'));
})();

export function gatewayBuilt(entry = GATEWAY_ENTRY): boolean {
  return existsSync(entry);
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function getStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export interface GatewayOptions {
  label: string;
  upstreamUrl: string;
  schemaFile: string;
  pin: boolean;
  clientId?: string;
  readyTimeoutMs?: number;
  /** The bundle to run; default dist/gateway.js (BENCH_GATEWAY_ENTRY). Same flags, env, cwd. */
  entry?: string;
  /** More configuration, on top of the bench's (user JWTs for the callers case). */
  env?: Record<string, string>;
  /** Node flags after `npm start`'s (`--cpu-prof` for the profile). */
  extraNodeFlags?: string[];
}

export interface GatewayProcess extends ChildServer {
  /** Time from spawn to the first `GET /ready` 200, in ms. */
  readyMs: number;
  /** Bytes the gateway wrote to stderr so far (it should log to stdout only). */
  stderrBytes(): number;
  stderrFile: string;
}

let gatewayCount = 0;

/** The end of the gateway's stderr (the scratch dir holding it is removed when the bench exits). */
function stderrTail(file: string): string {
  if (!existsSync(file)) return '(none)';
  const text = readFileSync(file, 'utf8').trim();
  return text ? text.slice(-600) : '(empty)';
}

export async function startGateway(options: GatewayOptions): Promise<GatewayProcess> {
  const entry = options.entry ?? GATEWAY_ENTRY;
  if (!gatewayBuilt(entry)) throw new Error(`${entry} not found: run npm run build`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    // Not part of the contract (the gateway defaults to 0.0.0.0): keep it on loopback.
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    SEEK_API_URL: `${options.upstreamUrl}/graphql`,
    SEEK_AUTH_URL: `${options.upstreamUrl}/oauth/token`,
    SEEK_BROWSER_TOKEN_URL: `${options.upstreamUrl}/auth/token`,
    SEEK_CLIENT_ID: options.clientId ?? 'bench',
    SEEK_CLIENT_SECRET: 'bench-secret',
    GATEWAY_API_KEYS: GATEWAY_API_KEY,
    REDIS_URL: BENCH_REDIS_URL,
    // Production with Redis requires it (a fixed one: bench runs compare like with like).
    TOKEN_ENCRYPTION_KEY: 'be'.repeat(32),
    SEEK_SCHEMA_FILE: options.schemaFile,
    LOG_LEVEL: 'info',
    ...options.env,
  };
  // stdout → /dev/null (honest production logging cost, nothing buffered by the bench);
  // stderr → a temp file so a startup crash can be explained.
  gatewayCount++;
  const stderrFile = path.join(scratchDir(), `gateway-${gatewayCount}.stderr.log`);
  const devNull = openSync('/dev/null', 'w');
  const stderrFd = openSync(stderrFile, 'w');
  const argv = [
    ...serverPinPrefix(options.pin),
    process.execPath,
    ...GATEWAY_NODE_FLAGS,
    ...(options.extraNodeFlags ?? []),
    entry,
  ];
  const started = performance.now();
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', devNull, stderrFd],
  });
  closeSync(devNull);
  closeSync(stderrFd);
  trackChild(child);
  const stderrBytes = (): number => (existsSync(stderrFile) ? statSync(stderrFile).size : 0);

  const deadline = started + (options.readyTimeoutMs ?? 30_000);
  let readyMs = NaN;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${options.label} exited before ready (code ${child.exitCode}, ` +
          `signal ${child.signalCode}); stderr: ${stderrTail(stderrFile)}`,
      );
    }
    if ((await getStatus(`${url}/ready`, 500)) === 200) {
      readyMs = performance.now() - started;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (Number.isNaN(readyMs)) {
    await stopChild(child);
    throw new Error(
      `gateway (${options.label}) not ready after ${options.readyTimeoutMs ?? 30_000} ms`,
    );
  }
  if (child.pid === undefined) throw new Error('gateway has no pid');
  return {
    name: options.label,
    pid: child.pid,
    port,
    url,
    process: child,
    readyMs,
    stderrFile,
    stderrBytes,
    stop: () => stopChild(child, 5000),
  };
}
