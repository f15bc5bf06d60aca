import type { TokenCredential } from '@azure/identity';
import type { SecretClient } from '@azure/keyvault-secrets';

import type { CredentialSourceConfig } from '../config';
import type { Tracing } from '../observability/tracing';
import { azureTracingPolicy } from '../observability/tracing/libraries';
import { parseCredentialsJson } from './credentialsJson';
import { describeSource } from './describe';
import { CredentialsError, type CredentialSource } from './types';

type KeyVaultSdk = typeof import('@azure/keyvault-secrets');
type IdentitySdk = typeof import('@azure/identity');

/*
 * Both SDKs are required at the first read, not imported: a gateway that does not use Key
 * Vault never loads them (scripts/bundle.mjs keeps them out of dist/gateway.bundle.js).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- lazy on purpose, see above */
const loadKeyVault = (): KeyVaultSdk => require('@azure/keyvault-secrets') as KeyVaultSdk;
const loadIdentity = (): IdentitySdk => require('@azure/identity') as IdentitySdk;
/* eslint-enable @typescript-eslint/no-require-imports */

const VAULT_VARIABLE = 'SEEK_CREDENTIALS_AZURE_VAULT_URL';
const NAME_VARIABLE = 'SEEK_CREDENTIALS_AZURE_SECRET_NAME';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What went wrong, from the SDK error's name and status: what to fix, no value. */
const describeFailure = (error: unknown): string => {
  const { name, statusCode, code } = error as { name?: string; statusCode?: number; code?: string };
  if (name === 'RestError' && statusCode === 404) {
    return `no such secret: check ${NAME_VARIABLE} and ${VAULT_VARIABLE}`;
  }
  if (name === 'RestError' && statusCode === 403) {
    return `access denied (${code ?? 'Forbidden'}): the gateway's identity needs the "Key Vault Secrets User" role on this secret, or an access policy with get on secrets`;
  }
  if (name === 'RestError' && statusCode === 401) {
    return "the vault refused the identity's token (HTTP 401): check AZURE_TENANT_ID";
  }
  if (
    name === 'AuthenticationError' ||
    name === 'CredentialUnavailableError' ||
    name === 'AggregateAuthenticationError' ||
    name === 'AuthenticationRequiredError'
  ) {
    return `DefaultAzureCredential obtained no token (${name}): give the gateway a managed identity or workload identity, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET`;
  }
  const status = typeof statusCode === 'number' ? `HTTP ${statusCode}` : undefined;
  return `Key Vault could not be reached or failed (${status ?? code ?? name ?? 'error'})`;
};

export interface AzureKeyVaultSourceOptions {
  /**
   * Extra CA certificates (PEM) to trust for the vault and the authority, for a stand-in with
   * a test CA inside the test process. A real process uses NODE_EXTRA_CA_CERTS instead.
   */
  tlsCa?: string;
  /**
   * With tracing on, each request to the vault and to the identity's token endpoint is a client
   * span (store, operation, status: never the secret's name, the tenant or a token) whose
   * traceparent that host gets.
   */
  tracing?: Tracing;
}

/**
 * SEEK_CREDENTIALS_AZURE_VAULT_URL + SEEK_CREDENTIALS_AZURE_SECRET_NAME: a Key Vault secret
 * whose value is `{"client_id": "…", "client_secret": "…"}`, read as DefaultAzureCredential
 * authenticates (environment, workload identity, managed identity, …). One client, made at the
 * first read, serves every later read and keeps its Entra token until it expires.
 */
export const createAzureKeyVaultSource = (
  config: Extract<CredentialSourceConfig, { kind: 'azure-key-vault' }>,
  options: AzureKeyVaultSourceOptions = {},
): CredentialSource => {
  const vaultHost = new URL(config.vaultUrl).host;
  const where = `the Key Vault secret ${config.secretName} in ${vaultHost} (${VAULT_VARIABLE}, ${NAME_VARIABLE})`;
  let client: SecretClient | undefined;

  const createClient = () => {
    const tlsOptions = options.tlsCa ? { tlsOptions: { ca: options.tlsCa } } : {};
    const traced = (operation: string) =>
      options.tracing
        ? {
            additionalPolicies: [
              {
                policy: azureTracingPolicy(options.tracing, {
                  name: `Azure Key Vault ${operation}`,
                  attributes: {
                    'gateway.store': 'azure-key-vault',
                    'gateway.store.operation': operation,
                  },
                }),
                position: 'perRetry' as const,
              },
            ],
          }
        : {};
    const credential: TokenCredential = new (loadIdentity().DefaultAzureCredential)({
      ...tlsOptions,
      ...traced('authenticate'),
      disableInstanceDiscovery: config.loopbackAuthority,
    });
    return new (loadKeyVault().SecretClient)(config.vaultUrl, credential, {
      ...tlsOptions,
      ...traced('getSecret'),
      retryOptions: { maxRetries: 2 },
      // The challenge names the resource https://vault.azure.net, which a loopback vault's host
      // cannot end with: verification is off only for a loopback stand-in.
      disableChallengeResourceVerification: LOOPBACK_HOSTS.has(new URL(config.vaultUrl).hostname),
    });
  };

  return {
    kind: 'azure-key-vault',
    ...describeSource(config),
    rereadable: true,
    async read(signal) {
      let value: string | undefined;
      try {
        client ??= createClient();
        value = (await client.getSecret(config.secretName, { abortSignal: signal })).value;
      } catch (error) {
        if (signal.aborted) throw error;
        throw new CredentialsError(`${where}: ${describeFailure(error)}`);
      }
      if (typeof value !== 'string') throw new CredentialsError(`${where}: has no value`);
      return parseCredentialsJson(value, where);
    },
    storage: async () => ({
      secure: true,
      detail: `Azure Key Vault ${vaultHost}, secret ${config.secretName}`,
    }),
    close: () => {
      client = undefined;
    },
  };
};
