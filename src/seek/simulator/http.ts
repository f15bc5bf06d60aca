// Small HTTP helpers shared by the routes. Handlers return a SimulatorResponse value instead of
// writing to the socket themselves, so the server can apply faults and bookkeeping in one place.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** SEEK rejects bodies well below this; 1 MB keeps a runaway client from eating memory. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface SimulatorResponse {
  status: number;
  /** Serialised with JSON.stringify unless `rawBody` is set. */
  body?: unknown;
  /** Sent verbatim (used by faults that must send something that is not JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export function json(status: number, body: unknown): SimulatorResponse {
  return { status, body };
}

export type BodyResult = { tooLarge: false; text: string } | { tooLarge: true };

/**
 * Reads the whole body. An oversized body is drained and discarded rather than cut off by
 * destroying the socket: the client then gets a clean 413 and its keep-alive connection survives.
 */
export function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      } else if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    req.on('end', () =>
      resolve(
        tooLarge
          ? { tooLarge: true }
          : { tooLarge: false, text: Buffer.concat(chunks).toString('utf8') },
      ),
    );
    req.on('error', reject);
  });
}

/** JSON.parse that reports failure instead of throwing. */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The token of an `Authorization: Bearer …` header, or undefined when there is none. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // A malformed header still counts as "a token was presented" so it is rejected, not ignored.
  return match?.[1] ?? header;
}

export function writeResponse(res: ServerResponse, response: SimulatorResponse): void {
  // The client may have gone away while a delay fault was pending.
  if (res.destroyed || res.writableEnded) return;
  const payload =
    response.rawBody ?? (response.body === undefined ? '' : JSON.stringify(response.body));
  res.writeHead(response.status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload).toString(),
    ...lowerCaseKeys(response.headers ?? {}),
  });
  res.end(payload);
}

// Lower-casing lets a fault's `Content-Type` replace the default instead of duplicating it.
function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
