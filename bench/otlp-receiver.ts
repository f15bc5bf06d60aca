/**
 * A stand-in for an OpenTelemetry collector, as small as one can be: POST /v1/traces (OTLP over
 * HTTP, JSON as the gateway's exporter sends it, gzip or not) is answered 200 and its spans
 * counted, without decoding more than it takes to count them. GET /counts reports
 * `{ exports, spans, bytes }`, so the bench sees that every request's spans arrived.
 *
 * Run as a child process by the bench (its own process: its CPU is not the gateway's).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** Each span in OTLP JSON has exactly one `"spanId":` (its parent is `"parentSpanId"`). */
const SPAN_ID = /"spanId":/g;

/** Bound on one export body: the gateway's batches are far smaller (512 spans of ~1 KiB). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface OtlpCounts {
  exports: number;
  spans: number;
  bytes: number;
}

export function createOtlpReceiver(): http.Server {
  const counts: OtlpCounts = { exports: 0, spans: 0, bytes: 0 };
  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/counts') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      counts.exports += 1;
      counts.bytes += body.length;
      counts.spans += body.toString('utf8').match(SPAN_ID)?.length ?? 0;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
}

export async function otlpCounts(receiverUrl: string): Promise<OtlpCounts> {
  const response = await fetch(`${receiverUrl}/counts`);
  return (await response.json()) as OtlpCounts;
}

if (require.main === module) {
  const server = createOtlpReceiver();
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => process.exit(0));
}
