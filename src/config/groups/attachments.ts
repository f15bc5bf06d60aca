import { z } from 'zod';

import { integer } from '../fields';

/**
 * GET /attachments: the largest file passed on, and how long its body may stall. Undici's pool
 * to SEEK refuses answers over 64 MiB (seek/httpClient.ts), so the limit stays under it.
 */
export const attachmentsGroup = z
  .object({
    ATTACHMENT_MAX_BYTES: integer(52_428_800, 1_024, 64 * 1_048_576),
    ATTACHMENT_IDLE_TIMEOUT_MS: integer(10_000, 100, 120_000),
  })
  .transform((values) => ({
    maxBytes: values.ATTACHMENT_MAX_BYTES,
    /** Longest gap between two parts of a file's body; SEEK_TIMEOUT_MS bounds the headers. */
    idleTimeoutMs: values.ATTACHMENT_IDLE_TIMEOUT_MS,
  }));
