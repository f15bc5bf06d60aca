import type { CredentialSourceConfig } from '../config';

/**
 * How messages name a source, and what an operator checks when auth.seek.com rejects what it
 * holds. From the configuration alone (names, paths, ids: never a value), so a message can be
 * written before, or without, a read.
 */
export const describeSource = (
  config: CredentialSourceConfig,
): { description: string; whatToCheck: string } => {
  switch (config.kind) {
    case 'environment':
      return {
        description: 'the environment (SEEK_CLIENT_ID, SEEK_CLIENT_SECRET)',
        whatToCheck: 'SEEK_CLIENT_ID and SEEK_CLIENT_SECRET',
      };
    case 'secret-file':
      return {
        description: `a secret file (SEEK_CLIENT_SECRET_FILE ${config.secretFile})`,
        whatToCheck: 'SEEK_CLIENT_ID and SEEK_CLIENT_SECRET_FILE',
      };
    case 'credentials-file':
      return {
        description: `a credentials file (SEEK_CREDENTIALS_FILE ${config.file})`,
        whatToCheck: `client_id and client_secret in SEEK_CREDENTIALS_FILE (${config.file})`,
      };
    case 'aws-secrets-manager':
      return {
        description: `AWS Secrets Manager (SEEK_CREDENTIALS_AWS_SECRET_ID ${config.secretId})`,
        whatToCheck: `client_id and client_secret in the secret SEEK_CREDENTIALS_AWS_SECRET_ID names (${config.secretId})`,
      };
    case 'azure-key-vault':
      return {
        description: `Azure Key Vault (SEEK_CREDENTIALS_AZURE_VAULT_URL ${config.vaultUrl}, SEEK_CREDENTIALS_AZURE_SECRET_NAME ${config.secretName})`,
        whatToCheck: `client_id and client_secret in the Key Vault secret SEEK_CREDENTIALS_AZURE_SECRET_NAME names (${config.secretName})`,
      };
  }
};

/**
 * What to check when auth.seek.com refused the credentials, as start-up and the scripts say it:
 * the variables (or the secret's fields) of the configured source, never a value.
 */
export const rejectedCredentialsAdvice = (
  error: { message: string },
  source: CredentialSourceConfig | undefined,
  authUrlShown: string | undefined,
): string => {
  const status = /HTTP (\d{3})/.exec(error.message)?.[1];
  const check = source
    ? describeSource(source).whatToCheck
    : 'SEEK_CLIENT_ID and SEEK_CLIENT_SECRET';
  return (
    `SEEK's auth server (SEEK_AUTH_URL${authUrlShown ? ` ${authUrlShown}` : ''}) rejected the client credentials` +
    `${status ? ` (HTTP ${status})` : ''}. Check ${check}.`
  );
};
