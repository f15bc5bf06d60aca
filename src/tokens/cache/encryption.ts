import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

import { decodeEncryptionKey } from '../../config/encryptionKey';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for tokens at rest in Redis: a dump of Redis yields no usable token. The Redis
 * key is the additional authenticated data, so a value copied under another key won't open.
 */
export interface TokenCipher {
  seal(plaintext: string, key: string): string;
  /** undefined when the value was written with another key or was tampered with. */
  open(sealed: string, key: string): string | undefined;
}

export const createTokenCipher = (secretKey: Buffer): TokenCipher => {
  if (secretKey.length !== 32) throw new Error('token encryption key must be 32 bytes');
  return {
    seal(plaintext, key) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', secretKey, iv);
      cipher.setAAD(Buffer.from(key));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed, key) {
      try {
        const raw = Buffer.from(sealed, 'base64');
        const decipher = createDecipheriv('aes-256-gcm', secretKey, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(key));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([
          decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
};

/**
 * TOKEN_ENCRYPTION_KEY when set (64 hex characters or base64 of 32 bytes): then the client
 * secret plays no part, so replicas on an old and a rotated secret read each other's entries.
 * Production with Redis requires it (see config/groups/tokenCache.ts). Unset (development,
 * tests, memory only), a key is derived from the client secret read at start-up: every replica
 * with the same credentials agrees on it, and one started after a rotation finds the others'
 * entries unreadable (a miss, then a fresh token). A running replica keeps its key through a
 * rotation, as it is derived once.
 */
export const resolveEncryptionKey = (options: {
  encryptionKey: string | undefined;
  clientSecret: string;
  clientId: string;
}): Buffer => {
  if (options.encryptionKey) {
    const key = decodeEncryptionKey(options.encryptionKey);
    if (!key)
      throw new Error('TOKEN_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
    return key;
  }
  return Buffer.from(
    hkdfSync('sha256', options.clientSecret, 'seek-gateway/token-cache', options.clientId, 32),
  );
};
