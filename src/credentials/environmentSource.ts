import type { CredentialSourceConfig } from '../config';
import { describeSource } from './describe';
import type { CredentialSource } from './types';

/** SEEK_CLIENT_ID + SEEK_CLIENT_SECRET: the credentials as the process was started with them. */
export const createEnvironmentSource = (
  config: Extract<CredentialSourceConfig, { kind: 'environment' }>,
): CredentialSource => ({
  kind: 'environment',
  ...describeSource(config),
  // The environment of a running process never changes: a rotation needs a restart.
  rereadable: false,
  read: async () => ({ clientId: config.clientId, clientSecret: config.clientSecret }),
  storage: async () => ({
    secure: false,
    detail: 'SEEK_CLIENT_SECRET is in the process environment',
    hint:
      'keep the credentials in AWS Secrets Manager (SEEK_CREDENTIALS_AWS_SECRET_ID), Azure Key Vault ' +
      '(SEEK_CREDENTIALS_AZURE_VAULT_URL) or a file mounted from a secret store (SEEK_CREDENTIALS_FILE)',
  }),
  close: () => undefined,
});
