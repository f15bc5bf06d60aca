/**
 * A fast stand-in for the SEEK API: fixed answers, no GraphQL work, keep-alive on.
 *
 *   POST /graphql      → canned body by operationName (fixture file), `pad_<n>kb|mb` padding,
 *                        `{"data":{"version":"bench"}}` otherwise
 *   POST /oauth/token  → partner token `bench-partner-<n>` (expires_in from env, default 1800)
 *   POST /auth/token   → browser token `bench-browser-<n>`
 *   GET  /__counts     → requests per route;  POST /__reset → zero them
 *
 * Run as a child process by the bench (it reports its port over IPC); env:
 *   UPSTREAM_FIXTURES=<json file: operationName → body>  UPSTREAM_TOKEN_EXPIRES_IN=<seconds>
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamCounts {
  graphql: number;
  /** /graphql requests that arrived without an Authorization header. */
  graphqlNoAuth: number;
  /** /graphql requests whose operationName had no fixture (answered with the default). */
  graphqlUnknownOperation: number;
  oauthToken: number;
  authToken: number;
  other: number;
}

export interface UpstreamOptions {
  fixtures?: Record<string, unknown>;
  tokenExpiresInS?: number;
}

const DEFAULT_BODY = Buffer.from('{"data":{"version":"bench"}}');
const OPERATION_NAME_RE = /"operationName"\s*:\s*"([A-Za-z0-9_]+)"/;
const QUERY_NAME_RE = /"query"\s*:\s*"\s*(?:query|mutation)\s+([A-Za-z0-9_]+)/;
const PAD_RE = /^pad_(\d+)(b|kb|mb)$/;
const PREBUILT_PADS = ['pad_1kb', 'pad_100kb', 'pad_1mb'];

function zeroCounts(): UpstreamCounts {
  return {
    graphql: 0,
    graphqlNoAuth: 0,
    graphqlUnknownOperation: 0,
    oauthToken: 0,
    authToken: 0,
    other: 0,
  };
}

export function createUpstream(options: UpstreamOptions = {}): http.Server {
  const expiresIn = options.tokenExpiresInS ?? 1800;
  const bodies = new Map<string, Buffer>();
  for (const [name, body] of Object.entries(options.fixtures ?? {})) {
    bodies.set(name, Buffer.from(JSON.stringify(body)));
  }
  let counts = zeroCounts();
  let partnerTokens = 0;
  let browserTokens = 0;

  const bodyFor = (operationName: string | undefined): Buffer | undefined => {
    if (!operationName) return undefined;
    const known = bodies.get(operationName);
    if (known) return known;
    const pad = PAD_RE.exec(operationName);
    if (!pad) return undefined;
    const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[pad[2] as 'b' | 'kb' | 'mb'];
    const body = Buffer.from(
      JSON.stringify({ data: { version: 'x'.repeat(Number(pad[1]) * unit) } }),
    );
    bodies.set(operationName, body);
    return body;
  };

  // The bench's pad sizes are built before the first request: the stand-in only writes a Buffer
  // it already holds, so it is never what limits a large-answer row.
  for (const name of PREBUILT_PADS) bodyFor(name);

  const send = (res: http.ServerResponse, status: number, body: Buffer): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (req.method === 'POST' && url.startsWith('/graphql')) {
        counts.graphql++;
        if (!req.headers.authorization) counts.graphqlNoAuth++;
        const text = Buffer.concat(chunks).toString('utf8');
        const name = OPERATION_NAME_RE.exec(text)?.[1] ?? QUERY_NAME_RE.exec(text)?.[1];
        const body = bodyFor(name);
        if (!body) counts.graphqlUnknownOperation++;
        send(res, 200, body ?? DEFAULT_BODY);
      } else if (req.method === 'POST' && url.startsWith('/oauth/token')) {
        counts.oauthToken++;
        partnerTokens++;
        const token = {
          access_token: `bench-partner-${partnerTokens}`,
          expires_in: expiresIn,
          token_type: 'Bearer',
        };
        send(res, 200, Buffer.from(JSON.stringify(token)));
      } else if (req.method === 'POST' && url.startsWith('/auth/token')) {
        counts.authToken++;
        browserTokens++;
        const token = {
          access_token: `bench-browser-${browserTokens}`,
          expires_in: expiresIn,
          token_type: 'Bearer',
        };
        send(res, 200, Buffer.from(JSON.stringify(token)));
      } else if (req.method === 'GET' && url === '/__counts') {
        send(res, 200, Buffer.from(JSON.stringify(counts)));
      } else if (req.method === 'POST' && url === '/__reset') {
        counts = zeroCounts();
        send(res, 200, Buffer.from('{"ok":true}'));
      } else {
        counts.other++;
        send(res, 404, Buffer.from('{"error":"not found"}'));
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  return server;
}

if (require.main === module) {
  const fixturesFile = process.env.UPSTREAM_FIXTURES;
  const fixtures = fixturesFile
    ? (JSON.parse(readFileSync(fixturesFile, 'utf8')) as Record<string, unknown>)
    : {};
  const tokenExpiresInS = Number(process.env.UPSTREAM_TOKEN_EXPIRES_IN ?? 1800);
  const server = createUpstream({ fixtures, tokenExpiresInS });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => process.exit(0));
}
