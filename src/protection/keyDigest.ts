import { createHash } from 'node:crypto';

/**
 * A value a limit or a memory is keyed by (a token, a client address, a user id) as it is held:
 * 16 bytes of its SHA-256 in base64url, never the value itself.
 */
export const keyDigest = (value: string) =>
  createHash('sha256').update(value).digest('base64url').slice(0, 22);
