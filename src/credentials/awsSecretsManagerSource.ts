import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import type { CredentialSourceConfig } from '../config';
import type { Tracing } from '../observability/tracing';
import { traceAwsClient } from '../observability/tracing/libraries';
import { createNodeProxyAgent, type ProxySettings } from '../outbound/proxy';
import { parseCredentialsJson } from './credentialsJson';
import { describeSource } from './describe';
import { CredentialsError, type CredentialSource } from './types';

type AwsSdk = typeof import('@aws-sdk/client-secrets-manager');

/**
 * The SDK is required at the first read, not imported: a gateway that does not use Secrets
 * Manager never loads it (scripts/bundle.mjs keeps it out of dist/gateway.bundle.js).
 */
const loadSdk = (): AwsSdk =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see above
  require('@aws-sdk/client-secrets-manager') as AwsSdk;

const VARIABLE = 'SEEK_CREDENTIALS_AWS_SECRET_ID';

/**
 * Behind an outbound proxy, the SDK's node:https handler gets an agent that tunnels through it
 * (NO_PROXY decides per host, as for every other client); otherwise the SDK's own defaults.
 */
const clientOptions = (proxy: ProxySettings | undefined) => {
  const agent = createNodeProxyAgent(proxy);
  return agent ? { requestHandler: { httpsAgent: agent, httpAgent: agent } } : {};
};

/** What went wrong, from the SDK error's name: a sentence naming what to fix, no value. */
const describeFailure = (error: unknown): string => {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  switch (name) {
    case 'ResourceNotFoundException':
      return `no such secret: check ${VARIABLE} and AWS_REGION`;
    case 'AccessDeniedException':
      return "access denied: the gateway's AWS identity needs secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its key if it is a customer managed key)";
    case 'DecryptionFailure':
      return "Secrets Manager could not decrypt the secret: the gateway's AWS identity needs kms:Decrypt on its KMS key";
    case 'InvalidRequestException':
      return 'the secret is scheduled for deletion or otherwise not readable (InvalidRequestException)';
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'InvalidClientTokenId':
    case 'ExpiredTokenException':
    case 'SignatureDoesNotMatch':
      return `AWS refused the gateway's AWS credentials (${name}): check the credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, the task or instance role)`;
    case 'CredentialsProviderError':
      return 'no AWS credentials found by the default credential chain (environment, AWS_PROFILE, web identity, ECS task role, EC2 instance role)';
    default:
      break;
  }
  // The SDK reports a missing region with a plain Error and this exact message (no secret in it).
  if (message === 'Region is missing') return 'no AWS region: set AWS_REGION';
  return `Secrets Manager could not be reached or failed (${code ?? name ?? 'error'})`;
};

/**
 * SEEK_CREDENTIALS_AWS_SECRET_ID: a secret (name or ARN) in AWS Secrets Manager whose
 * SecretString is `{"client_id": "…", "client_secret": "…"}`. Everything else is the SDK's own
 * configuration: AWS_REGION, the default credential chain, AWS_ENDPOINT_URL_SECRETS_MANAGER /
 * AWS_ENDPOINT_URL. One client, made at the first read, serves every later read.
 */
export const createAwsSecretsManagerSource = (
  config: Extract<CredentialSourceConfig, { kind: 'aws-secrets-manager' }>,
  options: { proxy?: ProxySettings; tracing?: Tracing } = {},
): CredentialSource => {
  const where = `the AWS Secrets Manager secret ${config.secretId} (${VARIABLE})`;
  let client: SecretsManagerClient | undefined;
  let sdk: AwsSdk | undefined;
  const createClient = (loaded: AwsSdk) => {
    const created = new loaded.SecretsManagerClient(clientOptions(options.proxy));
    // With tracing on, each attempt is a client span (store, operation, status: never the
    // secret id, which names the account) whose traceparent Secrets Manager gets.
    if (options.tracing)
      traceAwsClient(created, options.tracing, {
        name: 'AWS Secrets Manager',
        attributes: { 'gateway.store': 'aws-secrets-manager' },
      });
    return created;
  };
  return {
    kind: 'aws-secrets-manager',
    ...describeSource(config),
    rereadable: true,
    async read(signal) {
      sdk ??= loadSdk();
      let answer;
      try {
        client ??= createClient(sdk);
        answer = await client.send(new sdk.GetSecretValueCommand({ SecretId: config.secretId }), {
          abortSignal: signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw new CredentialsError(`${where}: ${describeFailure(error)}`);
      }
      if (typeof answer.SecretString !== 'string') {
        throw new CredentialsError(
          `${where}: has no SecretString (a binary secret?); store the JSON as the secret's string value`,
        );
      }
      return parseCredentialsJson(answer.SecretString, where);
    },
    storage: async () => ({
      secure: true,
      detail: `AWS Secrets Manager secret ${config.secretId} (encrypted at rest with KMS)`,
    }),
    close: () => {
      client?.destroy();
      client = undefined;
    },
  };
};
