import type { CredentialSourceConfig } from '../config';
import { describeSource } from './describe';
import { fileStorage, readCredentialFile } from './fileRead';
import { CredentialsError, type CredentialSource } from './types';

/**
 * SEEK_CLIENT_ID + SEEK_CLIENT_SECRET_FILE: the secret alone in a file (a mounted Docker or
 * Kubernetes secret), surrounding whitespace ignored. Re-read on rotation, as a mounted secret
 * is updated in place.
 */
export const createSecretFileSource = (
  config: Extract<CredentialSourceConfig, { kind: 'secret-file' }>,
): CredentialSource => ({
  kind: 'secret-file',
  ...describeSource(config),
  rereadable: true,
  async read(signal) {
    const { text } = await readCredentialFile('SEEK_CLIENT_SECRET_FILE', config.secretFile, signal);
    const clientSecret = text.trim();
    if (!clientSecret) {
      throw new CredentialsError(`SEEK_CLIENT_SECRET_FILE: ${config.secretFile} is empty`);
    }
    return { clientId: config.clientId, clientSecret };
  },
  storage: () => fileStorage('SEEK_CLIENT_SECRET_FILE', config.secretFile),
  close: () => undefined,
});
