/**
 * The floor any Node gateway can reach: forward the request body untouched to the upstream
 * through a keep-alive agent and pipe the answer back. No parsing, no validation, no logging.
 *
 * Run as a child process by the bench; env: UPSTREAM_URL=http://127.0.0.1:<port>
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export function createRawHop(upstreamUrl: string): http.Server {
  const upstream = new URL(upstreamUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const headers: http.OutgoingHttpHeaders = { host: upstream.host };
    for (const name of ['content-type', 'content-length', 'authorization', 'accept']) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const out = http.request(
      {
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (answer) => {
        const back: http.OutgoingHttpHeaders = {};
        for (const name of ['content-type', 'content-length']) {
          const value = answer.headers[name];
          if (value !== undefined) back[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, back);
        answer.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":"upstream"}');
    });
    req.pipe(out);
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  return server;
}

if (require.main === module) {
  const upstreamUrl = process.env.UPSTREAM_URL;
  if (!upstreamUrl) throw new Error('UPSTREAM_URL is required');
  const server = createRawHop(upstreamUrl);
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => process.exit(0));
  // An orderly exit on the bench's SIGTERM (a profile, `--cpu-prof`, is written only then).
  process.on('SIGTERM', () => process.exit(0));
}
