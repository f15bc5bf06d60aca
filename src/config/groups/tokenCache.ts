import { z } from 'zod';

import { decodeEncryptionKey } from '../encryptionKey';
import { integer, optionalString } from '../fields';

/** Tokens at rest: the encryption key (derived from the client secret when unset), expiry. */
export const tokenCacheGroup = z
  .object({
    TOKEN_ENCRYPTION_KEY: optionalString.refine(
      (value) => value === undefined || decodeEncryptionKey(value) !== undefined,
      'must be 32 bytes, as 64 hex characters or base64',
    ),
    TOKEN_EXPIRY_BUFFER_SECONDS: integer(60, 0, 600),
  })
  .transform((values) => ({
    encryptionKey: values.TOKEN_ENCRYPTION_KEY,
    expiryBufferSeconds: values.TOKEN_EXPIRY_BUFFER_SECONDS,
  }));
