import { z } from 'zod';

import { integer } from '../fields';

/**
 * GET /attachments: the largest file passed on, how long its body may stall and the whole
 * download may take, and how many run at once (in all, and per caller). Undici's pool to SEEK
 * refuses answers over 64 MiB (seek/httpClient.ts), so the size limit stays under it.
 */
export const attachmentsGroup = z
  .object({
    ATTACHMENT_MAX_BYTES: integer(52_428_800, 1_024, 64 * 1_048_576),
    ATTACHMENT_IDLE_TIMEOUT_MS: integer(10_000, 100, 120_000),
    ATTACHMENT_TIMEOUT_MS: integer(120_000, 500, 3_600_000),
    ATTACHMENT_MAX_CONCURRENCY: integer(32, 1, 1_024),
    ATTACHMENT_MAX_CONCURRENCY_PER_CALLER: integer(4, 1, 1_024),
  })
  .transform((values) => ({
    maxBytes: values.ATTACHMENT_MAX_BYTES,
    /** Longest gap between two parts of a file's body; SEEK_TIMEOUT_MS bounds the headers. */
    idleTimeoutMs: values.ATTACHMENT_IDLE_TIMEOUT_MS,
    /** Longest a download may take, first call to last byte; past it the transfer is cut. */
    timeoutMs: values.ATTACHMENT_TIMEOUT_MS,
    /** Downloads at once, in all: also the connection cap of the attachments' own pool to SEEK. */
    maxConcurrency: values.ATTACHMENT_MAX_CONCURRENCY,
    /** Downloads at once per caller (a service's name, a browser token), at most the above. */
    maxPerCaller: Math.min(
      values.ATTACHMENT_MAX_CONCURRENCY_PER_CALLER,
      values.ATTACHMENT_MAX_CONCURRENCY,
    ),
  }));
