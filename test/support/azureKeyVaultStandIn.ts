// Stand-ins for Azure Key Vault and for the Microsoft Entra token endpoint, on loopback over
// HTTPS (a test CA; see tls.ts), speaking the wire protocols the Azure SDK expects:
//
// - Key Vault's REST API: `GET /secrets/{name}/{version}?api-version=…`. A request without a
//   valid bearer gets 401 with the challenge the SDK's keyVaultAuthenticationPolicy parses,
//   `WWW-Authenticate: Bearer authorization="<authority>/<tenant>", resource="https://vault.azure.net"`;
//   the SDK then asks the credential for a token for `<resource>/.default` and sends it.
// - The authority (AZURE_AUTHORITY_HOST): OpenID metadata at
//   `/{tenant}/v2.0/.well-known/openid-configuration` and the client-credentials grant at
//   `/{tenant}/oauth2/v2.0/token`, which is what MSAL (under ClientSecretCredential, which
//   DefaultAzureCredential's EnvironmentCredential builds from AZURE_TENANT_ID, AZURE_CLIENT_ID
//   and AZURE_CLIENT_SECRET) calls.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import type { TestCertificateAuthority } from './tls';

const VAULT_RESOURCE = 'https://vault.azure.net';

/** Key Vault misbehaving: 503, accepting and never answering, or refusing this identity. */
export type AzureFault = 'unavailable' | 'hang' | 'forbidden';

export interface AzureRecordedRequest {
  method: string;
  path: string;
  /** The bearer sent, or undefined (the SDK's first, unauthenticated request). */
  bearer: string | undefined;
  status: number;
  /** The W3C trace context the request carried (the gateway's client span), if any. */
  traceparent: string | undefined;
}

export interface AzureKeyVaultStandIn {
  /** For SEEK_CREDENTIALS_AZURE_VAULT_URL. */
  vaultUrl: string;
  /** For AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  /** AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_AUTHORITY_HOST. */
  env: Record<string, string>;
  /** The Entra app's client secret (the identity the gateway runs as). */
  identitySecret: string;
  /** Stores a new version of a secret; its value is `value`. */
  putSecret(name: string, value: string): void;
  fault(kind: AzureFault | undefined): void;
  /** Key Vault requests, in order. */
  vaultRequests: AzureRecordedRequest[];
  /** Token grants the authority answered (successful or not). */
  tokenRequests: Array<{
    clientId: string | undefined;
    scope: string | undefined;
    status: number;
    traceparent: string | undefined;
  }>;
  /** Secret reads answered 200. */
  secretReads(): number;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

const listen = async (server: Server, sockets: Set<Socket>) => {
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

export const startAzureKeyVaultStandIn = async (
  ca: TestCertificateAuthority,
): Promise<AzureKeyVaultStandIn> => {
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const identitySecret = `entra-${randomBytes(12).toString('hex')}`;
  const issuedTokens = new Set<string>();
  const secrets = new Map<string, Array<{ version: string; value: string; created: number }>>();
  const vaultRequests: AzureRecordedRequest[] = [];
  const tokenRequests: AzureKeyVaultStandIn['tokenRequests'] = [];
  const sockets = new Set<Socket>();
  let fault: AzureFault | undefined;
  const tls = { key: ca.serverKey, cert: ca.serverCert };

  // ---- the authority (login.microsoftonline.com's part) ----
  let authorityHost = '';
  const authority = createServer(tls, (req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', authorityHost);
      const tenantBase = `${authorityHost}/${tenantId}`;
      if (
        req.method === 'GET' &&
        url.pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`
      ) {
        json(res, 200, {
          token_endpoint: `${tenantBase}/oauth2/v2.0/token`,
          authorization_endpoint: `${tenantBase}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${tenantBase}/oauth2/v2.0/logout`,
          jwks_uri: `${authorityHost}/${tenantId}/discovery/v2.0/keys`,
          issuer: `${tenantBase}/v2.0`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        });
        return;
      }
      if (req.method === 'POST' && url.pathname === `/${tenantId}/oauth2/v2.0/token`) {
        const form = new URLSearchParams(body);
        const grant = {
          clientId: form.get('client_id') ?? undefined,
          scope: form.get('scope') ?? undefined,
          traceparent: String(req.headers.traceparent ?? '') || undefined,
        };
        const valid =
          form.get('grant_type') === 'client_credentials' &&
          grant.clientId === clientId &&
          form.get('client_secret') === identitySecret;
        tokenRequests.push({ ...grant, status: valid ? 200 : 401 });
        if (!valid) {
          json(res, 401, {
            error: 'invalid_client',
            error_description: 'AADSTS7000215: Invalid client secret provided.',
            error_codes: [7000215],
          });
          return;
        }
        const accessToken = `kv-${randomBytes(16).toString('hex')}`;
        issuedTokens.add(accessToken);
        json(res, 200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: accessToken,
        });
        return;
      }
      json(res, 404, { error: 'not_found' });
    })();
  });

  // ---- the vault ----
  let vaultUrl = '';
  const vault = createServer(tls, (req, res) => {
    void (async () => {
      await readBody(req);
      const url = new URL(req.url ?? '/', vaultUrl);
      const header = req.headers.authorization;
      const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
      const record = (status: number) =>
        vaultRequests.push({
          method: req.method ?? '',
          path: url.pathname,
          bearer,
          status,
          traceparent: String(req.headers.traceparent ?? '') || undefined,
        });
      if (fault === 'hang') {
        record(0);
        return;
      }
      if (!bearer || !issuedTokens.has(bearer)) {
        record(401);
        json(
          res,
          401,
          {
            error: {
              code: 'Unauthorized',
              message: 'AKV10000: Request is missing a Bearer or PoP token.',
            },
          },
          {
            'www-authenticate': `Bearer authorization="${authorityHost}/${tenantId}", resource="${VAULT_RESOURCE}"`,
          },
        );
        return;
      }
      if (fault === 'unavailable') {
        record(503);
        json(res, 503, { error: { code: 'ServiceUnavailable', message: 'Try again later.' } });
        return;
      }
      if (fault === 'forbidden') {
        record(403);
        json(res, 403, {
          error: {
            code: 'Forbidden',
            message: `Caller is not authorized to perform action on resource. Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'`,
            innererror: { code: 'ForbiddenByRbac' },
          },
        });
        return;
      }
      if (!url.searchParams.get('api-version')) {
        record(400);
        json(res, 400, { error: { code: 'BadParameter', message: 'api-version is required' } });
        return;
      }
      const match = /^\/secrets\/([0-9a-zA-Z-]+)(?:\/([0-9a-f]*))?\/?$/.exec(url.pathname);
      const versions = match && req.method === 'GET' ? secrets.get(match[1] ?? '') : undefined;
      const wanted = match?.[2];
      const secret = wanted
        ? versions?.find((candidate) => candidate.version === wanted)
        : versions?.at(-1);
      if (!match || !secret) {
        record(404);
        json(res, 404, {
          error: {
            code: 'SecretNotFound',
            message: `A secret with (name/id) ${match?.[1] ?? '?'} was not found in this key vault.`,
          },
        });
        return;
      }
      record(200);
      json(res, 200, {
        value: secret.value,
        id: `${vaultUrl}/secrets/${match[1]}/${secret.version}`,
        attributes: {
          enabled: true,
          created: secret.created,
          updated: secret.created,
          recoveryLevel: 'Recoverable+Purgeable',
          recoverableDays: 90,
        },
        tags: {},
      });
    })();
  });

  authorityHost = await listen(authority, sockets);
  vaultUrl = await listen(vault, sockets);

  return {
    vaultUrl,
    authorityHost,
    identitySecret,
    env: {
      AZURE_TENANT_ID: tenantId,
      AZURE_CLIENT_ID: clientId,
      AZURE_CLIENT_SECRET: identitySecret,
      AZURE_AUTHORITY_HOST: authorityHost,
    },
    putSecret: (name, value) => {
      const versions = secrets.get(name) ?? [];
      versions.push({
        version: randomBytes(16).toString('hex'),
        value,
        created: Math.floor(Date.now() / 1_000),
      });
      secrets.set(name, versions);
    },
    fault: (kind) => {
      fault = kind;
    },
    vaultRequests,
    tokenRequests,
    secretReads: () => vaultRequests.filter((request) => request.status === 200).length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [authority, vault].map(
          (server) => new Promise<void>((resolve) => server.close(() => resolve())),
        ),
      );
    },
  };
};
