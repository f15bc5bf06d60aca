// Start-up and `schema:pull` as an operator meets them: the real entry files run as processes
// (tsx on the source, so a clean clone needs no build first), against the simulator, a closed
// port, or a simulator told to fail. What is asserted: exit codes, the one line on stderr, and
// how many times SEEK was asked. Never how long anything took.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { SCHEMA_ATTEMPTS } from '../src/seek/schemaSource';
import type { SeekSimulator } from '../src/seek/simulator';
import { freePort, startSimulator, uniqueClientId } from './support/harness';

const root = path.join(__dirname, '..');

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Running {
  /** Resolves with the first stdout match; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<Exited>;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs a TypeScript entry file with tsx, with exactly `env` (nothing from this shell). */
const run = (script: string, args: string[], env: Record<string, string>): Running => {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const watcher of [...watchers]) watcher();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // A start-up that wrongly succeeds would run forever: end it, and the assertions say why.
  const guard = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const exited = new Promise<Exited>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      for (const watcher of [...watchers]) watcher();
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    exited,
    kill: (signal = 'SIGTERM') => child.kill(signal),
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (match) {
            watchers.splice(watchers.indexOf(check), 1);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            reject(new Error(`exited before ${pattern}:\n${stdout}\n${stderr}`));
          }
        };
        watchers.push(check);
        check();
      }),
  };
};

const runToExit = (script: string, args: string[], env: Record<string, string>) =>
  run(script, args, env).exited;

/** The last line on stderr: the one the operator reads. */
const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

/** SEEK_* for the simulator, as an operator with Playground-style credentials would set them. */
const seekEnv = (simulator: SeekSimulator, overrides: Record<string, string> = {}) => ({
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  SEEK_API_URL: simulator.graphqlUrl,
  SEEK_AUTH_URL: simulator.authUrl,
  SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
  SEEK_AUDIENCE: simulator.audience,
  SEEK_CLIENT_ID: simulator.clientId,
  SEEK_CLIENT_SECRET: simulator.clientSecret,
  // Small, but roomy enough for a busy machine: only the counts and exit codes are asserted.
  SEEK_TIMEOUT_MS: '3000',
  SEEK_AUTH_TIMEOUT_MS: '3000',
  GATEWAY_API_KEYS: 'startup-test-service-key-0123456789',
  ...overrides,
});

const closedUrl = async (pathname: string) => `http://127.0.0.1:${await freePort()}${pathname}`;

describe('gateway start-up', () => {
  let simulator: SeekSimulator;
  let directory: string;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('startup') });
    directory = mkdtempSync(path.join(tmpdir(), 'startup-'));
  });
  afterEach(() => {
    simulator.clearFaults();
    simulator.clearRequests();
  });
  afterAll(async () => {
    await simulator.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it(`retries introspection ${SCHEMA_ATTEMPTS} times when SEEK answers 503, then exits 1 naming SEEK_API_URL`, async () => {
    simulator.fault('graphql', { kind: 'status', status: 503, body: 'unavailable' }, Infinity);
    const result = await runToExit('src/main.ts', [], seekEnv(simulator));
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
    expect(simulator.count('graphql')).toBe(SCHEMA_ATTEMPTS);
    expect(lastLine(result.stderr)).toMatch(
      new RegExp(
        `^gateway failed to start: Could not load SEEK's schema after ${SCHEMA_ATTEMPTS} attempts: .*HTTP 503.*Check SEEK_API_URL \\(http://127\\.0\\.0\\.1:\\d+/graphql\\)`,
      ),
    );
    // One human line: no stack, no secret.
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toContain(simulator.clientSecret);
  });

  it('exits 1 naming SEEK_API_URL when nothing listens there (no Redis, nothing else pending)', async () => {
    const result = await runToExit(
      'src/main.ts',
      [],
      seekEnv(simulator, { SEEK_API_URL: await closedUrl('/graphql') }),
    );
    expect(result.code).toBe(1);
    expect(lastLine(result.stderr)).toMatch(
      new RegExp(`after ${SCHEMA_ATTEMPTS} attempts: connection failed.*SEEK_API_URL`),
    );
    // Every attempt was made (the process did not exit during a backoff).
    expect(result.stdout.match(/SEEK schema introspection failed/g)).toHaveLength(SCHEMA_ATTEMPTS);
  });

  it('exits 1 naming SEEK_CLIENT_SECRET when the auth server rejects the credentials', async () => {
    const result = await runToExit(
      'src/main.ts',
      [],
      seekEnv(simulator, { SEEK_CLIENT_SECRET: 'not-the-simulator-secret' }),
    );
    expect(result.code).toBe(1);
    expect(simulator.count('auth')).toBe(1);
    expect(lastLine(result.stderr)).toMatch(
      /^gateway failed to start: SEEK's auth server \(SEEK_AUTH_URL http:\/\/127\.0\.0\.1:\d+\/oauth\/token\) rejected the client credentials \(HTTP 401\)\. Check SEEK_CLIENT_ID and SEEK_CLIENT_SECRET\.$/,
    );
    expect(result.stderr).not.toContain('not-the-simulator-secret');
  });

  it('starts anyway, with a warning, when the auth server is merely down', async () => {
    const gateway = run(
      'src/main.ts',
      [],
      seekEnv(simulator, { SEEK_AUTH_URL: await closedUrl('/oauth/token'), LOG_LEVEL: 'info' }),
    );
    try {
      const [, port] = await gateway.waitFor(/gateway listening on http:\/\/localhost:(\d+)\//);
      await gateway.waitFor(/no partner token at start-up/);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(503);
    } finally {
      gateway.kill('SIGTERM');
    }
    expect((await gateway.exited).code).toBe(0);
  });

  it.each([
    ['missing', () => path.join(directory, 'absent.graphql'), /ENOENT/],
    [
      'not SDL',
      () => {
        const file = path.join(directory, 'broken.graphql');
        writeFileSync(file, 'type Query { broken');
        return file;
      },
      /Syntax Error/,
    ],
    [
      'SDL without a Query type',
      () => {
        const file = path.join(directory, 'no-query.graphql');
        writeFileSync(file, 'type Thing { id: ID! }');
        return file;
      },
      /Query root type must be provided/,
    ],
  ])('exits 1 naming SEEK_SCHEMA_FILE when the file is %s', async (_label, makeFile, detail) => {
    const file = makeFile();
    const result = await runToExit(
      'src/main.ts',
      [],
      seekEnv(simulator, { SEEK_SCHEMA_FILE: file }),
    );
    expect(result.code).toBe(1);
    const line = lastLine(result.stderr);
    expect(
      line.startsWith(`gateway failed to start: SEEK_SCHEMA_FILE ${file} could not be loaded: `),
    ).toBe(true);
    expect(line).toMatch(detail);
    // A schema file means no introspection, not once.
    expect(simulator.count('graphql')).toBe(0);
  });

  it('exits 1 in production with Redis but no TOKEN_ENCRYPTION_KEY, printing how to make one', async () => {
    const result = await runToExit(
      'src/main.ts',
      [],
      seekEnv(simulator, { NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6379' }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "TOKEN_ENCRYPTION_KEY: required in production with REDIS_URL, so that replicas on an old and a rotated SEEK client secret read each other's cached tokens. " +
        `Make one with: openssl rand -hex 32 (or node -e "console.log(require('crypto').randomBytes(32).toString('hex'))"), and give every replica the same value`,
    );
    // Refused before anything was asked of SEEK.
    expect(simulator.count('auth')).toBe(0);
  });

  it('exits 1 naming both sources when two sources of SEEK credentials are set', async () => {
    const result = await runToExit(
      'src/main.ts',
      [],
      seekEnv(simulator, { SEEK_CREDENTIALS_AWS_SECRET_ID: 'seek-gateway/prod' }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Invalid configuration:\n' +
        '  - SEEK_CLIENT_SECRET and SEEK_CREDENTIALS_AWS_SECRET_ID: more than one source of SEEK credentials; set only one of them\n',
    );
  });

  it('runs the embedded default from source with no SEEK configuration, and exits 0 on SIGTERM', async () => {
    const gateway = run('src/main.ts', [], {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    try {
      const [, key] = await gateway.waitFor(/Service key \(Authorization: Bearer …\): (dev-\S+)/);
      const [, port] = await gateway.waitFor(/gateway listening on http:\/\/localhost:(\d+)\//);
      const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ self { partner { name } } }' }),
      });
      expect(await answer.json()).toEqual({
        data: { self: { partner: { name: 'Simulated Partner' } } },
      });
    } finally {
      gateway.kill('SIGTERM');
    }
    expect((await gateway.exited).code).toBe(0);
  });
});

describe('npm run schema:pull', () => {
  let simulator: SeekSimulator;
  let directory: string;
  let guard: Server | undefined;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('schema-pull') });
    directory = mkdtempSync(path.join(tmpdir(), 'schema-pull-'));
  });
  afterEach(async () => {
    simulator.clearFaults();
    simulator.clearRequests();
    await new Promise((resolve) => (guard ? guard.close(resolve) : resolve(undefined)));
    guard = undefined;
  });
  afterAll(async () => {
    await simulator.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /**
   * A SEEK that refuses introspection without a token, as SEEK may: without an Authorization
   * header it answers UNAUTHENTICATED; with one, it forwards to the simulator.
   */
  const startTokenRequiringSeek = async () => {
    const seen: Array<string | undefined> = [];
    guard = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push(req.headers.authorization);
        if (!req.headers.authorization) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              errors: [{ message: 'No token', extensions: { code: 'UNAUTHENTICATED' } }],
            }),
          );
          return;
        }
        void fetch(simulator.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: req.headers.authorization },
          body: Buffer.concat(chunks),
        }).then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve) => guard!.listen(0, '127.0.0.1', resolve));
    const address = guard.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { url: `http://127.0.0.1:${port}/graphql`, seen };
  };

  it('writes the schema and exits 0', async () => {
    const file = path.join(directory, 'seek.graphql');
    const result = await runToExit('scripts/schema-pull.ts', [file], {
      SEEK_API_URL: simulator.graphqlUrl,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^wrote .*seek\.graphql: \d+ bytes, \d+ types\n$/);
    expect(readFileSync(file, 'utf8')).toContain('type SelfOrganizations');
    expect(simulator.count('graphql')).toBe(1);
  });

  it('retries, then exits 1 naming SEEK_API_URL when nothing listens there', async () => {
    const file = path.join(directory, 'never.graphql');
    const result = await runToExit('scripts/schema-pull.ts', [file], {
      SEEK_API_URL: await closedUrl('/graphql'),
      SEEK_TIMEOUT_MS: '1000',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lastLine(result.stderr)).toMatch(
      new RegExp(
        `^schema:pull failed: Could not load SEEK's schema after ${SCHEMA_ATTEMPTS} attempts: connection failed.*Check SEEK_API_URL\\.$`,
      ),
    );
    expect(result.stderr.match(/SEEK schema introspection failed/g)).toHaveLength(SCHEMA_ATTEMPTS);
  });

  it('uses the configured SEEK credentials when SEEK refuses introspection without a token', async () => {
    const seek = await startTokenRequiringSeek();
    const file = path.join(directory, 'with-token.graphql');
    const result = await runToExit('scripts/schema-pull.ts', [file], {
      NODE_ENV: 'test',
      SEEK_API_URL: seek.url,
      SEEK_AUTH_URL: simulator.authUrl,
      SEEK_AUDIENCE: simulator.audience,
      SEEK_CLIENT_ID: simulator.clientId,
      SEEK_CLIENT_SECRET: simulator.clientSecret,
    });
    expect(result.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('type SelfOrganizations');
    expect(simulator.count('auth')).toBe(1);
    expect(seek.seen).toHaveLength(2);
    expect(seek.seen[0]).toBeUndefined();
    expect(seek.seen[1]).toMatch(/^Bearer \S+$/);
  });

  it('says to set the SEEK credentials when SEEK refuses introspection without a token and none are set', async () => {
    const seek = await startTokenRequiringSeek();
    const result = await runToExit('scripts/schema-pull.ts', [path.join(directory, 'y.graphql')], {
      SEEK_API_URL: seek.url,
    });
    expect(result.code).toBe(1);
    // A refusal, not an outage: asked once, not retried.
    expect(seek.seen).toHaveLength(1);
    expect(lastLine(result.stderr)).toBe(
      'schema:pull failed: SEEK refused introspection without a token; set SEEK_CLIENT_ID and SEEK_CLIENT_SECRET so the partner token is used',
    );
  });

  it('exits 1 naming SEEK_CLIENT_SECRET when the auth server rejects the credentials', async () => {
    const seek = await startTokenRequiringSeek();
    const result = await runToExit('scripts/schema-pull.ts', [path.join(directory, 'z.graphql')], {
      NODE_ENV: 'test',
      SEEK_API_URL: seek.url,
      SEEK_AUTH_URL: simulator.authUrl,
      SEEK_AUDIENCE: simulator.audience,
      SEEK_CLIENT_ID: simulator.clientId,
      SEEK_CLIENT_SECRET: 'wrong-secret-for-schema-pull',
    });
    expect(result.code).toBe(1);
    expect(simulator.count('auth')).toBe(1);
    expect(lastLine(result.stderr)).toMatch(/rejected the client credentials.*SEEK_CLIENT_SECRET/);
    expect(result.stderr).not.toContain('wrong-secret-for-schema-pull');
  });
});
