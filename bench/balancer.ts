/**
 * A round-robin HTTP balancer for the replicas bench: each request goes to the next backend in
 * turn over a keep-alive agent, the body piped both ways. It counts requests per backend so the
 * run can show the spread. Runs in the bench process (the load generator's core).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  /** Requests sent to each backend, in the order given. */
  counts(): number[];
  close(): Promise<void>;
}

export async function startBalancer(backends: readonly string[]): Promise<Balancer> {
  if (backends.length === 0) throw new Error('startBalancer needs a backend');
  const targets = backends.map((backend) => new URL(backend));
  // Bounded like a proxy's upstream pool: enough sockets for the bench's connections.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const counts = targets.map(() => 0);
  let next = 0;
  const server = http.createServer((req, res) => {
    const index = next;
    next = (next + 1) % targets.length;
    counts[index] = (counts[index] ?? 0) + 1;
    const target = targets[index] as URL;
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => [...counts],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
