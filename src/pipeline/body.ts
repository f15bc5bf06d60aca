import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

import { ErrorCode, GatewayError } from '../errors';

export interface BodyLimits {
  /** Largest body accepted, after decoding (MAX_BODY_BYTES). */
  maxBytes: number;
  /** Time allowed for the whole body to arrive (HTTP_BODY_TIMEOUT_MS). */
  timeoutMs: number;
}

/** A refusal after which the rest of the request is not worth reading: answer, then close. */
export class BodyRefusal extends GatewayError {
  override name = 'BodyRefusal';
}

const tooLarge = () =>
  // The limit itself is not quoted: configured limits are not told to callers.
  new BodyRefusal(ErrorCode.PayloadTooLarge, 'The request body is too large');

/**
 * Body reads in progress and when each must be done by. One coarse sweep (a quarter-second
 * tick, running only while reads come in) replaces a timer per request: a timer's allocation and
 * bookkeeping was a measurable share of the fast lane, and the limit is seconds long anyway.
 */
const SWEEP_MS = 250;
const pendingReads = new Map<() => void, number>();
let sweeper: NodeJS.Timeout | undefined;
let idleSweeps = 0;
const sweep = () => {
  const now = performance.now();
  for (const [expire, deadline] of pendingReads) if (deadline <= now) expire();
  idleSweeps = pendingReads.size === 0 ? idleSweeps + 1 : 0;
  // Stopped after a few idle ticks, so an idle gateway does no work at all.
  if (idleSweeps >= 8) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
};
const watch = (expire: () => void, timeoutMs: number) => {
  pendingReads.set(expire, performance.now() + timeoutMs);
  idleSweeps = 0;
  if (!sweeper) {
    sweeper = setInterval(sweep, SWEEP_MS);
    sweeper.unref();
  }
};

const decoderFor = (encoding: string | undefined): Transform | undefined => {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new BodyRefusal(
        ErrorCode.UnsupportedMediaType,
        'Content-Encoding must be gzip, deflate, br or identity',
      );
  }
};

/**
 * Reads the whole request body within the size and time limits, decoding gzip, deflate and
 * br (the limit applies to the decoded bytes, so a small compressed bomb is refused too, and to
 * the bytes received).
 * The same reader serves every entry, so a body past the limit is refused the same way
 * whether it is declared or chunked, from a browser or a server.
 */
export const readBody = (req: IncomingMessage, limits: BodyLimits): Promise<Buffer> => {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limits.maxBytes) {
    return Promise.reject(tooLarge());
  }
  return new Promise<Buffer>((resolve, reject) => {
    // An unknown encoding throws here, which rejects the promise.
    const decoder: Transform | undefined = decoderFor(req.headers['content-encoding']);
    const source: NodeJS.ReadableStream = decoder ?? req;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      pendingReads.delete(expire);
      source.removeListener('data', onData);
      if (error) {
        if (decoder) {
          req.unpipe(decoder);
          decoder.destroy();
        }
        // Stop reading: the answer goes out and the connection closes after it.
        req.pause();
        reject(error);
        return;
      }
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const expire = () =>
      finish(new BodyRefusal(ErrorCode.RequestTimeout, 'The request body did not arrive in time'));
    watch(expire, limits.timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) {
        chunks.length = 0;
        finish(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    source.on('data', onData);
    source.once('end', () => finish(undefined));
    // A caller that hangs up mid-body makes the request emit 'error' (ECONNRESET, "aborted"),
    // which settles the read below; the sweep bounds anything else.
    source.once('error', () =>
      finish(
        decoder
          ? new BodyRefusal(ErrorCode.BadRequest, 'The request body could not be decoded')
          : new BodyRefusal(ErrorCode.BadRequest, 'The request body could not be read'),
      ),
    );
    if (decoder) {
      req.once('error', () =>
        finish(new BodyRefusal(ErrorCode.BadRequest, 'The request body could not be read')),
      );
      // The bytes on the wire are bounded too: a stream of empty compressed members decodes to
      // nothing and would otherwise be read until the time limit.
      let wireBytes = 0;
      req.on('data', (chunk: Buffer) => {
        wireBytes += chunk.length;
        if (wireBytes > limits.maxBytes) finish(tooLarge());
      });
      req.pipe(decoder);
    }
  });
};
