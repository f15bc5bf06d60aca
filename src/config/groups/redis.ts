import { z } from 'zod';

import { integer, optionalString } from '../fields';

/** The shared token cache's Redis; unset: memory only. */
export const redisGroup = z
  .object({
    REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
    REDIS_COMMAND_TIMEOUT_MS: integer(50, 5, 5_000),
  })
  .transform((values) => ({
    url: values.REDIS_URL,
    commandTimeoutMs: values.REDIS_COMMAND_TIMEOUT_MS,
  }));
