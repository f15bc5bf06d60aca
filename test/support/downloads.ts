import { createHash } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type Agent,
  type IncomingHttpHeaders,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import { generatedAttachmentBytes } from '../../src/seek/simulator';

export interface Download {
  status: number;
  headers: IncomingHttpHeaders;
  /** Bytes received (kept only when `keep` is set: big files are hashed, not held). */
  body: Buffer | undefined;
  bytes: number;
  sha256: string;
  /** The transfer failed after the headers (the connection dropped before the end). */
  failed: boolean;
}

/**
 * A GET of `path` (sent exactly as given: no URL parser rewrites it) with node:http, the body
 * hashed as it arrives. Resolves also when the transfer breaks mid-body (`failed`), which a
 * fetch() would report only as an exception.
 */
export const download = (
  origin: string,
  path: string,
  options: {
    headers?: Record<string, string>;
    keep?: boolean;
    agent?: Agent;
    method?: string;
  } = {},
) =>
  new Promise<Download>((resolve, reject) => {
    const { hostname, port } = new URL(origin);
    const req = httpRequest(
      {
        host: hostname,
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent,
      },
      (res) => {
        const hash = createHash('sha256');
        const chunks: Buffer[] = [];
        let bytes = 0;
        let settled = false;
        const finish = (failed: boolean) => {
          if (settled) return;
          settled = true;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: options.keep ? Buffer.concat(chunks) : undefined,
            bytes,
            sha256: hash.digest('hex'),
            failed,
          });
        };
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
          if (options.keep) chunks.push(chunk);
        });
        res.on('end', () => finish(!res.complete));
        res.on('aborted', () => finish(true));
        res.on('error', () => finish(true));
        res.on('close', () => finish(!res.complete));
      },
    );
    req.on('error', reject);
    req.end();
  });

/**
 * A GET whose answer is not read: resolves with the status and headers once they are in, the
 * body left paused (the gateway's download held open by backpressure). `ended` resolves when
 * the connection closes, with whether the transfer was cut; `close()` hangs up.
 */
export const openPaused = (origin: string, path: string, headers: Record<string, string>) =>
  new Promise<{
    status: number;
    headers: IncomingHttpHeaders;
    ended: Promise<{ failed: boolean }>;
    close: () => void;
  }>((resolve, reject) => {
    const { hostname, port } = new URL(origin);
    const req = httpRequest({ host: hostname, port, path, headers, agent: false }, (res) => {
      res.pause();
      const ended = new Promise<{ failed: boolean }>((settle) => {
        res.on('aborted', () => settle({ failed: true }));
        res.on('error', () => settle({ failed: true }));
        res.on('close', () => settle({ failed: !res.complete }));
        res.socket.on('close', () => settle({ failed: !res.complete }));
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });

/** sha256 of a generated attachment of `size` bytes (the simulator's addAttachment pattern). */
export const generatedSha256 = (size: number) => {
  const hash = createHash('sha256');
  for (const chunk of generatedAttachmentBytes(size)) hash.update(chunk);
  return hash.digest('hex');
};

/** The request target of a download of `attachmentUrl` through the gateway. */
export const attachmentsPath = (attachmentUrl: string) =>
  `/attachments?url=${encodeURIComponent(attachmentUrl)}`;

/** A server on loopback that answers anything and counts what it saw: where a trick would go. */
export const startStandIn = async () => {
  let count = 0;
  const server = createServer((req, res) => {
    count += 1;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('stand-in');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    count: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
