import { z } from 'zod';

import { evenIfMalformed, integer, list, reportCombination, runtimeEnvironment } from '../fields';

/** Requests as HTTP: browser origins, body size and time, and the shutdown grace period. */
export const httpGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    CORS_ORIGINS: list.superRefine((origins, ctx) => {
      for (const origin of origins) {
        if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
          ctx.addIssue({
            code: 'custom',
            message: `"${origin}" is not an origin like https://app.example.com`,
          });
        }
      }
    }),
    MAX_BODY_BYTES: integer(1_048_576, 1_024, 50 * 1_048_576),
    HTTP_BODY_TIMEOUT_MS: integer(10_000, 100, 300_000),
    SHUTDOWN_TIMEOUT_MS: integer(10_000, 0, 600_000),
  })
  .superRefine(
    (values, ctx) => {
      if (values.NODE_ENV === 'production' && values.CORS_ORIGINS.includes('*')) {
        reportCombination(ctx, '"*" is not allowed in production', 'CORS_ORIGINS');
      }
    },
    { when: evenIfMalformed },
  )
  .transform((values) => ({
    corsOrigins: values.CORS_ORIGINS,
    maxBodyBytes: values.MAX_BODY_BYTES,
    /** Time allowed to receive a request's whole body. */
    bodyTimeoutMs: values.HTTP_BODY_TIMEOUT_MS,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
  }));
