/**
 * TOKEN_ENCRYPTION_KEY's format: 64 hex characters or strict base64 of exactly 32 bytes;
 * undefined for anything else. Config validates with it, the token cache decodes with it.
 */
export const decodeEncryptionKey = (value: string): Buffer | undefined => {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return undefined;
  const key = Buffer.from(value, 'base64');
  return key.length === 32 ? key : undefined;
};
