import { Transform, type TransformCallback } from 'node:stream';

/** The error a ByteLimit fails with: the stream passed its limit. */
export class ByteLimitExceeded extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} bytes`);
    this.name = 'ByteLimitExceeded';
  }
}

/**
 * Passes bytes through and counts them; the chunk that would take the total past `limit`
 * fails the stream instead (nothing of it is passed), so a pipeline through it ends in an
 * error, never in a shorter stream that looks complete.
 */
export class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    if (this.bytes + chunk.length > this.limit) {
      callback(new ByteLimitExceeded(this.limit));
      return;
    }
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}
