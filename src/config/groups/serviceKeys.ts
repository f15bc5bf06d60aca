import { z } from 'zod';

import {
  evenIfMalformed,
  list,
  optionalString,
  reportCombination,
  runtimeEnvironment,
} from '../fields';

export const MIN_SERVICE_KEY_LENGTH = 16;

/**
 * Keys of backend services. Production needs some way in: service keys or user JWTs, so
 * this group also looks at whether AUTH_JWT_ISSUER is set (the auth group validates it).
 */
export const serviceKeysGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    GATEWAY_API_KEYS: list.superRefine((keys, ctx) => {
      keys.forEach((key, index) => {
        if (key.length < MIN_SERVICE_KEY_LENGTH) {
          ctx.addIssue({
            code: 'custom',
            message: `key #${index + 1} is shorter than ${MIN_SERVICE_KEY_LENGTH} characters`,
          });
        }
      });
    }),
    // Read here for the production rule only; the protection group carries the path.
    GATEWAY_API_KEYS_FILE: optionalString,
    AUTH_JWT_ISSUER: optionalString,
  })
  .superRefine(
    (values, ctx) => {
      if (
        values.NODE_ENV === 'production' &&
        values.GATEWAY_API_KEYS.length === 0 &&
        !values.GATEWAY_API_KEYS_FILE &&
        !values.AUTH_JWT_ISSUER
      ) {
        reportCombination(
          ctx,
          'set at least one service key (GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE) or AUTH_JWT_ISSUER in production',
          'GATEWAY_API_KEYS',
        );
      }
    },
    { when: evenIfMalformed },
  )
  .transform((values) => values.GATEWAY_API_KEYS);
