export { createAzureKeyVaultSource } from './azureKeyVaultSource';
export { createCredentialSource } from './createCredentialSource';
export { describeSource, rejectedCredentialsAdvice } from './describe';
export { CREDENTIALS_JSON_SHAPE, parseCredentialsJson } from './credentialsJson';
export {
  createCredentialProvider,
  type CredentialHealth,
  type CredentialProvider,
  type RefreshReason,
} from './provider';
export {
  CredentialsError,
  sameCredentials,
  type CredentialSource,
  type SeekCredentials,
  type StorageFinding,
} from './types';
