import { z } from 'zod';

import { decodeEncryptionKey } from '../encryptionKey';
import {
  evenIfMalformed,
  integer,
  optionalString,
  reportCombination,
  runtimeEnvironment,
} from '../fields';

/** The commands an operator runs to make a TOKEN_ENCRYPTION_KEY; the start-up error prints them. */
export const MAKE_ENCRYPTION_KEY =
  "openssl rand -hex 32 (or node -e \"console.log(require('crypto').randomBytes(32).toString('hex'))\")";

/**
 * Tokens at rest: the encryption key, and how close to expiry a token is still handed out.
 * In production with Redis the key is required: derived from the client secret, it would change
 * with every rotation, and replicas on the old and the new secret could not read each other's
 * cached tokens. (Outside production it is derived from the client secret when unset.)
 */
export const tokenCacheGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    /** Validated by the redis group; here only whether one is set. */
    REDIS_URL: optionalString,
    REDIS_CLUSTER_NODES: optionalString,
    REDIS_SENTINELS: optionalString,
    TOKEN_ENCRYPTION_KEY: optionalString.refine(
      (value) => value === undefined || decodeEncryptionKey(value) !== undefined,
      'must be 32 bytes, as 64 hex characters or base64',
    ),
    TOKEN_EXPIRY_BUFFER_SECONDS: integer(60, 0, 600),
  })
  .superRefine(
    (values, ctx) => {
      const redis = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).find(
        (name) => values[name] !== undefined,
      );
      if (values.NODE_ENV === 'production' && redis && !values.TOKEN_ENCRYPTION_KEY) {
        reportCombination(
          ctx,
          `required in production with ${redis}, so that replicas on an old and a rotated SEEK ` +
            `client secret read each other's cached tokens. Make one with: ${MAKE_ENCRYPTION_KEY}, ` +
            'and give every replica the same value',
          'TOKEN_ENCRYPTION_KEY',
        );
      }
    },
    { when: evenIfMalformed },
  )
  .transform((values) => ({
    encryptionKey: values.TOKEN_ENCRYPTION_KEY,
    expiryBufferSeconds: values.TOKEN_EXPIRY_BUFFER_SECONDS,
  }));
