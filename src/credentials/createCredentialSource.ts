import type { CredentialSourceConfig } from '../config';
import type { Tracing } from '../observability/tracing';
import type { ProxySettings } from '../outbound/proxy';
import { createAwsSecretsManagerSource } from './awsSecretsManagerSource';
import { createAzureKeyVaultSource } from './azureKeyVaultSource';
import { createCredentialsFileSource } from './credentialsFileSource';
import { createEnvironmentSource } from './environmentSource';
import { createSecretFileSource } from './secretFileSource';
import type { CredentialSource } from './types';

/** The source the configuration names (config.credentials.source). */
export const createCredentialSource = (
  config: CredentialSourceConfig,
  options: { production: boolean; proxy?: ProxySettings; tracing?: Tracing },
): CredentialSource => {
  switch (config.kind) {
    case 'environment':
      return createEnvironmentSource(config);
    case 'secret-file':
      return createSecretFileSource(config);
    case 'credentials-file':
      return createCredentialsFileSource(config, options);
    case 'aws-secrets-manager':
      return createAwsSecretsManagerSource(config, {
        proxy: options.proxy,
        tracing: options.tracing,
      });
    case 'azure-key-vault':
      return createAzureKeyVaultSource(config, { tracing: options.tracing });
  }
};
