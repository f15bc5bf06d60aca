import { z } from 'zod';

import {
  evenIfMalformed,
  integer,
  optionalString,
  reportCombination,
  runtimeEnvironment,
} from '../fields';

/** Key Vault secret names: 1-127 letters, digits and dashes. */
const AZURE_SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const isLoopbackUrl = (value: string | undefined): boolean => {
  if (value === undefined) return false;
  try {
    return LOOPBACK_HOSTS.has(new URL(value).hostname);
  } catch {
    return false;
  }
};

/**
 * Where the SEEK client credentials come from: exactly one source, described by the variables
 * that configure it. Nothing is read here: the sources (src/credentials/) read it at start-up,
 * within a bound, and again on rotation.
 */
export type CredentialSourceConfig =
  | { kind: 'environment'; clientId: string; clientSecret: string }
  | { kind: 'secret-file'; clientId: string; secretFile: string }
  | { kind: 'credentials-file'; file: string }
  | { kind: 'aws-secrets-manager'; secretId: string }
  | {
      kind: 'azure-key-vault';
      vaultUrl: string;
      secretName: string;
      /**
       * AZURE_AUTHORITY_HOST is a loopback address (a local stand-in): Entra's instance
       * discovery, which only login.microsoftonline.com answers, is skipped.
       */
      loopbackAuthority: boolean;
    };

export type CredentialSourceKind = CredentialSourceConfig['kind'];

/** The variable naming each source, as messages name it. */
const SOURCE_VARIABLES = [
  'SEEK_CLIENT_SECRET',
  'SEEK_CLIENT_SECRET_FILE',
  'SEEK_CREDENTIALS_FILE',
  'SEEK_CREDENTIALS_AWS_SECRET_ID',
  'SEEK_CREDENTIALS_AZURE_VAULT_URL',
] as const;

const listed = (names: readonly string[]) =>
  names.length <= 1
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/** The one configured source (credentialsGroup's rules let at most one through). */
const sourceOf = (values: {
  SEEK_CLIENT_ID?: string;
  SEEK_CLIENT_SECRET?: string;
  SEEK_CLIENT_SECRET_FILE?: string;
  SEEK_CREDENTIALS_FILE?: string;
  SEEK_CREDENTIALS_AWS_SECRET_ID?: string;
  SEEK_CREDENTIALS_AZURE_VAULT_URL?: string;
  SEEK_CREDENTIALS_AZURE_SECRET_NAME?: string;
  AZURE_AUTHORITY_HOST?: string;
}): CredentialSourceConfig | undefined => {
  if (values.SEEK_CLIENT_ID && values.SEEK_CLIENT_SECRET) {
    return {
      kind: 'environment',
      clientId: values.SEEK_CLIENT_ID,
      clientSecret: values.SEEK_CLIENT_SECRET,
    };
  }
  if (values.SEEK_CLIENT_ID && values.SEEK_CLIENT_SECRET_FILE) {
    return {
      kind: 'secret-file',
      clientId: values.SEEK_CLIENT_ID,
      secretFile: values.SEEK_CLIENT_SECRET_FILE,
    };
  }
  if (values.SEEK_CREDENTIALS_FILE) {
    return { kind: 'credentials-file', file: values.SEEK_CREDENTIALS_FILE };
  }
  if (values.SEEK_CREDENTIALS_AWS_SECRET_ID) {
    return { kind: 'aws-secrets-manager', secretId: values.SEEK_CREDENTIALS_AWS_SECRET_ID };
  }
  if (values.SEEK_CREDENTIALS_AZURE_VAULT_URL && values.SEEK_CREDENTIALS_AZURE_SECRET_NAME) {
    return {
      kind: 'azure-key-vault',
      vaultUrl: values.SEEK_CREDENTIALS_AZURE_VAULT_URL,
      secretName: values.SEEK_CREDENTIALS_AZURE_SECRET_NAME,
      loopbackAuthority: isLoopbackUrl(values.AZURE_AUTHORITY_HOST),
    };
  }
  return undefined;
};

/**
 * The SEEK client credentials' source, and how often and how long it is read. Production
 * requires one (the simulator never runs there); two at once is an error naming both.
 */
export const credentialsGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    SEEK_CLIENT_ID: optionalString,
    SEEK_CLIENT_SECRET: optionalString,
    SEEK_CLIENT_SECRET_FILE: optionalString,
    SEEK_CREDENTIALS_FILE: optionalString,
    SEEK_CREDENTIALS_AWS_SECRET_ID: optionalString,
    SEEK_CREDENTIALS_AZURE_VAULT_URL: optionalString.pipe(
      z
        .url({
          protocol: /^https$/,
          error: 'must be an https URL like https://my-vault.vault.azure.net',
        })
        .optional(),
    ),
    SEEK_CREDENTIALS_AZURE_SECRET_NAME: optionalString.refine(
      (value) => value === undefined || AZURE_SECRET_NAME.test(value),
      'must be a Key Vault secret name: 1-127 letters, digits and dashes',
    ),
    /** Read by DefaultAzureCredential itself; looked at here only to spot a loopback stand-in. */
    AZURE_AUTHORITY_HOST: optionalString,
    SEEK_CREDENTIALS_REFRESH_SECONDS: integer(300, 1, 86_400),
    SEEK_CREDENTIALS_TIMEOUT_MS: integer(5_000, 100, 60_000),
  })
  .superRefine(
    (values, ctx) => {
      const azureSet = Boolean(
        values.SEEK_CREDENTIALS_AZURE_VAULT_URL || values.SEEK_CREDENTIALS_AZURE_SECRET_NAME,
      );
      const sources = SOURCE_VARIABLES.filter((name) =>
        name === 'SEEK_CREDENTIALS_AZURE_VAULT_URL' ? azureSet : Boolean(values[name]),
      );
      if (sources.length > 1) {
        reportCombination(
          ctx,
          `${listed(sources)}: more than one source of SEEK credentials; set only one of them`,
        );
        return;
      }
      const [source] = sources;
      const holdsJson =
        source === 'SEEK_CREDENTIALS_FILE' ||
        source === 'SEEK_CREDENTIALS_AWS_SECRET_ID' ||
        source === 'SEEK_CREDENTIALS_AZURE_VAULT_URL';
      if (holdsJson && values.SEEK_CLIENT_ID) {
        reportCombination(
          ctx,
          `not used with ${source}, whose JSON holds client_id: unset it`,
          'SEEK_CLIENT_ID',
        );
      }
      if (!holdsJson && values.SEEK_CLIENT_ID && !source) {
        reportCombination(
          ctx,
          'required when SEEK_CLIENT_ID is set (or SEEK_CLIENT_SECRET_FILE)',
          'SEEK_CLIENT_SECRET',
        );
      }
      if (!values.SEEK_CLIENT_ID && !holdsJson && source) {
        reportCombination(ctx, 'required when a client secret is set', 'SEEK_CLIENT_ID');
      }
      if (azureSet && !values.SEEK_CREDENTIALS_AZURE_VAULT_URL) {
        reportCombination(
          ctx,
          'required with SEEK_CREDENTIALS_AZURE_SECRET_NAME',
          'SEEK_CREDENTIALS_AZURE_VAULT_URL',
        );
      }
      if (azureSet && !values.SEEK_CREDENTIALS_AZURE_SECRET_NAME) {
        reportCombination(
          ctx,
          'required with SEEK_CREDENTIALS_AZURE_VAULT_URL',
          'SEEK_CREDENTIALS_AZURE_SECRET_NAME',
        );
      }
      if (values.NODE_ENV === 'production' && !source && !values.SEEK_CLIENT_ID) {
        reportCombination(
          ctx,
          'SEEK credentials: required when NODE_ENV=production (the simulator never runs in production); ' +
            'set SEEK_CLIENT_ID with SEEK_CLIENT_SECRET or SEEK_CLIENT_SECRET_FILE, or SEEK_CREDENTIALS_FILE, ' +
            'or SEEK_CREDENTIALS_AWS_SECRET_ID, or SEEK_CREDENTIALS_AZURE_VAULT_URL with SEEK_CREDENTIALS_AZURE_SECRET_NAME',
        );
      }
    },
    { when: evenIfMalformed },
  )
  .transform((values) => ({
    /** undefined: no source configured (outside production: the embedded simulator). */
    source: sourceOf(values),
    /** Re-read the source this often, so a rotated secret is in use without a restart. */
    refreshSeconds: values.SEEK_CREDENTIALS_REFRESH_SECONDS,
    /** Bound on one read of the source (a store call, the SDK's own retries included). */
    timeoutMs: values.SEEK_CREDENTIALS_TIMEOUT_MS,
  }));

export type CredentialsConfig = z.output<typeof credentialsGroup>;
