// A stand-in for AWS Secrets Manager on loopback, speaking its wire protocol (AWS JSON 1.1):
// `POST /` with `X-Amz-Target: secretsmanager.GetSecretValue`, a JSON body `{"SecretId": …}`,
// signed with Signature Version 4. The stand-in checks each signature as AWS does (canonical
// request, string to sign, HMAC chain from the secret access key), so a request passes only when
// it arrives as the real SDK signs it; errors come back as AWS sends them (`__type`, 400).
// The gateway reaches it through the SDK's own configuration: AWS_ENDPOINT_URL_SECRETS_MANAGER,
// AWS_REGION and static AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const AWS_REGION = 'ap-southeast-2';
const SERVICE = 'secretsmanager';
const ACCOUNT = '123456789012';

/** How the stand-in misbehaves: answer 500, accept and never answer, or refuse access. */
export type AwsFault = 'unavailable' | 'hang' | 'access-denied';

export interface AwsRecordedRequest {
  target: string | undefined;
  secretId: unknown;
  authorization: string | undefined;
  /** True when the SigV4 signature matched. */
  signatureValid: boolean;
  /** The W3C trace context the request carried (the gateway's client span), if any. */
  traceparent: string | undefined;
}

export interface AwsSecretsManagerStandIn {
  /** For AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  endpoint: string;
  /** AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY the SDK must sign with. */
  env: Record<string, string>;
  /** Stores a new version of a secret (by name); its SecretString is `value`. */
  putSecret(name: string, value: string): void;
  /** Stores a binary secret (no SecretString). */
  putBinarySecret(name: string, value: Buffer): void;
  /** Deletes a secret: reads get ResourceNotFoundException. */
  deleteSecret(name: string): void;
  arnOf(name: string): string;
  fault(kind: AwsFault | undefined): void;
  requests: AwsRecordedRequest[];
  /** GetSecretValue calls answered or attempted. */
  count(): number;
  close(): Promise<void>;
}

interface StoredSecret {
  name: string;
  arn: string;
  versionId: string;
  secretString?: string;
  secretBinary?: Buffer;
  createdDate: number;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();

/** The canonical form of the signed headers, as SigV4 defines it. */
const canonicalHeaders = (req: IncomingMessage, signedHeaders: string[]) =>
  signedHeaders
    .map((name) => {
      const raw = req.headers[name];
      const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');

const AUTHORIZATION_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Checks a request's SigV4 signature against the secret access key; false for any mismatch. */
const verifySignature = (
  req: IncomingMessage,
  body: Buffer,
  keys: { accessKeyId: string; secretAccessKey: string },
): boolean => {
  const authorization = req.headers.authorization;
  const amzDate = req.headers['x-amz-date'];
  if (typeof authorization !== 'string' || typeof amzDate !== 'string') return false;
  const match = AUTHORIZATION_PATTERN.exec(authorization);
  if (!match) return false;
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (accessKeyId !== keys.accessKeyId || region !== AWS_REGION || service !== SERVICE) {
    return false;
  }
  if (!amzDate.startsWith(date)) return false;
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) return false;
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const payloadHash =
    typeof req.headers['x-amz-content-sha256'] === 'string'
      ? req.headers['x-amz-content-sha256']
      : sha256Hex(body);
  const canonicalRequest = [
    req.method,
    url.pathname,
    url.search.replace(/^\?/, ''),
    canonicalHeaders(req, signedHeaders),
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${keys.secretAccessKey}`, date), region), service),
    'aws4_request',
  );
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex') === signature;
};

const answer = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(JSON.stringify(body));
};

const awsError = (res: ServerResponse, status: number, type: string, message: string) =>
  answer(res, status, { __type: type, message }, type);

export const startAwsSecretsManagerStandIn = async (): Promise<AwsSecretsManagerStandIn> => {
  const keys = {
    accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(20).toString('base64'),
  };
  const secrets = new Map<string, StoredSecret>();
  const requests: AwsRecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let fault: AwsFault | undefined;

  const arnOf = (name: string) =>
    `arn:aws:secretsmanager:${AWS_REGION}:${ACCOUNT}:secret:${name}-${sha256Hex(name).slice(0, 6)}`;
  const find = (id: unknown) =>
    typeof id === 'string'
      ? (secrets.get(id) ?? [...secrets.values()].find((secret) => secret.arn === id))
      : undefined;

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const target = req.headers['x-amz-target'];
    let parsed: { SecretId?: unknown } = {};
    try {
      parsed = JSON.parse(body.toString('utf8')) as { SecretId?: unknown };
    } catch {
      // recorded as is; answered below
    }
    const signatureValid = verifySignature(req, body, keys);
    requests.push({
      target: typeof target === 'string' ? target : undefined,
      secretId: parsed.SecretId,
      authorization: req.headers.authorization,
      signatureValid,
      traceparent: String(req.headers.traceparent ?? '') || undefined,
    });
    if (fault === 'hang') return; // accepted, never answered
    if (fault === 'unavailable') {
      awsError(res, 500, 'InternalServiceError', 'Service unavailable (stand-in fault)');
      return;
    }
    if (req.method !== 'POST' || req.url !== '/') {
      awsError(res, 404, 'UnknownOperationException', 'Not a Secrets Manager request');
      return;
    }
    if (!signatureValid) {
      awsError(
        res,
        400,
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );
      return;
    }
    if (target !== 'secretsmanager.GetSecretValue') {
      awsError(res, 400, 'UnknownOperationException', `Unsupported target ${String(target)}`);
      return;
    }
    if (fault === 'access-denied') {
      awsError(
        res,
        400,
        'AccessDeniedException',
        `User: arn:aws:iam::${ACCOUNT}:user/gateway is not authorized to perform: secretsmanager:GetSecretValue`,
      );
      return;
    }
    const secret = find(parsed.SecretId);
    if (!secret) {
      awsError(
        res,
        400,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
      return;
    }
    answer(res, 200, {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.createdDate,
      ...(secret.secretString !== undefined ? { SecretString: secret.secretString } : {}),
      ...(secret.secretBinary ? { SecretBinary: secret.secretBinary.toString('base64') } : {}),
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  const put = (name: string, value: Pick<StoredSecret, 'secretString' | 'secretBinary'>) => {
    secrets.set(name, {
      name,
      arn: arnOf(name),
      versionId: randomUUID(),
      createdDate: Date.now() / 1_000,
      ...value,
    });
  };

  return {
    endpoint,
    env: {
      AWS_REGION,
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    },
    putSecret: (name, value) => put(name, { secretString: value }),
    putBinarySecret: (name, value) => put(name, { secretBinary: value }),
    deleteSecret: (name) => {
      secrets.delete(name);
    },
    arnOf,
    fault: (kind) => {
      fault = kind;
    },
    requests,
    count: () => requests.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
