// The outbound proxy as an operator sets it: the real process with HTTPS_PROXY / HTTP_PROXY /
// NO_PROXY, behind a small proxy this test starts (CONNECT tunnels, and plain-HTTP forwarding
// of absolute URIs), which records the host:port of everything that passed through it. One
// request of each outbound client: the partner token and a SEEK GraphQL call (undici), the
// JWKS fetch (jose, node:http) and AWS Secrets Manager (the AWS SDK, node:https).
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

import { CONFIG_VARIABLES, loadConfig } from '../src/config';
import { exemptFromProxy, PROXY_VARIABLES, proxyFor } from '../src/outbound/proxy';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  startAwsSecretsManagerStandIn,
  type AwsSecretsManagerStandIn,
} from './support/awsSecretsManagerStandIn';
import {
  FAKE_LTD,
  JWT_AUDIENCE,
  JWT_ISSUER,
  SERVICE_KEY,
  startSimulator,
  uniqueClientId,
} from './support/harness';
import { startJwksHost, type JwksHost } from './support/jwksHost';
import { runEntry } from './support/spawnEntry';
import { createTestCertificateAuthority, type TestCertificateAuthority } from './support/tls';
import {
  startAzureKeyVaultStandIn,
  type AzureKeyVaultStandIn,
} from './support/azureKeyVaultStandIn';

interface Passage {
  /** `CONNECT` (a tunnel) or the forwarded request's method. */
  method: string;
  /** host:port of the target. */
  target: string;
}

interface TestProxy {
  url: string;
  passages: Passage[];
  targets(): string[];
  close(): Promise<void>;
}

const startProxy = async (): Promise<TestProxy> => {
  const passages: Passage[] = [];
  const sockets = new Set<Socket>();
  // Plain HTTP through the proxy: `GET http://host:port/path`, forwarded as is.
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = new URL(req.url ?? '');
    passages.push({ method: req.method ?? 'GET', target: target.host });
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    passages.push({ method: 'CONNECT', target });
    const [host, port] = [target.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(target)?.[1])];
    const upstream = connect(port, host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    passages,
    targets: () => [...new Set(passages.map((passage) => passage.target))].sort(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

const SDK_ISOLATION = {
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const SECRET_ID = 'seek-gateway/proxy-test';

describe('NO_PROXY and proxy selection (the rules of undici’s EnvHttpProxyAgent)', () => {
  const settings = (noProxy: string) => ({
    httpProxy: 'http://proxy.internal:3128',
    httpsProxy: 'http://tls-proxy.internal:3128',
    noProxy,
  });

  it.each([
    ['', 'https://graphql.seek.com/graphql', 'http://tls-proxy.internal:3128'],
    ['', 'http://127.0.0.1:4000/', 'http://proxy.internal:3128'],
    ['seek.com', 'https://graphql.seek.com/graphql', undefined],
    ['.seek.com', 'https://graphql.seek.com/graphql', undefined],
    ['*.seek.com', 'https://seek.com/', undefined],
    ['example.com', 'https://graphql.seek.com/graphql', 'http://tls-proxy.internal:3128'],
    ['notseek.com', 'https://seek.com/', 'http://tls-proxy.internal:3128'],
    ['127.0.0.1:4000', 'http://127.0.0.1:4000/', undefined],
    ['127.0.0.1:4001', 'http://127.0.0.1:4000/', 'http://proxy.internal:3128'],
    ['localhost, 169.254.169.254', 'http://169.254.169.254/latest', undefined],
    ['*', 'https://graphql.seek.com/graphql', undefined],
  ])('NO_PROXY=%p: %s goes through %p', (noProxy, target, expected) => {
    expect(proxyFor(settings(noProxy), new URL(target))).toBe(expected);
  });

  it('uses HTTP_PROXY for https targets when only it is set; loopback is not exempt by itself', () => {
    const onlyHttp = { httpProxy: 'http://p:1', httpsProxy: undefined, noProxy: '' };
    expect(proxyFor(onlyHttp, new URL('https://auth.seek.com/oauth/token'))).toBe('http://p:1');
    expect(exemptFromProxy('', 'localhost', 80)).toBe(false);
  });

  it('reads the six variables, lower case winning, and checks the proxy URLs', () => {
    for (const name of PROXY_VARIABLES) expect(CONFIG_VARIABLES).toContain(name);
    expect(
      loadConfig({
        HTTPS_PROXY: 'http://upper:1',
        https_proxy: 'http://lower:2',
        HTTP_PROXY: 'http://plain:3',
        NO_PROXY: 'a.example',
        no_proxy: 'b.example',
      }).network.proxy,
    ).toEqual({ httpsProxy: 'http://lower:2', httpProxy: 'http://plain:3', noProxy: 'b.example' });
    expect(loadConfig({}).network.proxy).toEqual({
      httpsProxy: undefined,
      httpProxy: undefined,
      noProxy: '',
    });
    expect(() => loadConfig({ HTTPS_PROXY: 'proxy.example.com:3128' })).toThrow(/HTTPS_PROXY/);
  });
});

describe('the real process behind an outbound proxy', () => {
  let simulator: SeekSimulator;
  let store: AwsSecretsManagerStandIn;
  let jwks: JwksHost;
  let proxy: TestProxy;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('proxy') });
    store = await startAwsSecretsManagerStandIn();
    store.putSecret(
      SECRET_ID,
      JSON.stringify({ client_id: simulator.clientId, client_secret: simulator.clientSecret }),
    );
    jwks = await startJwksHost();
  });
  beforeEach(async () => {
    proxy = await startProxy();
    simulator.clearRequests();
    store.requests.length = 0;
  });
  afterEach(() => proxy.close());
  afterAll(async () => {
    await jwks.close();
    await store.close();
    await simulator.close();
  });

  const seekHost = () => new URL(simulator.graphqlUrl).host;
  const storeHost = () => new URL(store.endpoint).host;

  /** Starts the gateway, makes one request of each client, and stops it. */
  const runThroughProxy = async (proxyEnv: Record<string, string>) => {
    const gateway = runEntry('src/main.ts', [], {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      SEEK_API_URL: simulator.graphqlUrl,
      SEEK_AUTH_URL: simulator.authUrl,
      SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
      SEEK_AUDIENCE: simulator.audience,
      SEEK_CREDENTIALS_AWS_SECRET_ID: SECRET_ID,
      GATEWAY_API_KEYS: SERVICE_KEY,
      AUTH_JWT_ISSUER: JWT_ISSUER,
      AUTH_JWT_AUDIENCE: JWT_AUDIENCE,
      AUTH_JWKS_URL: jwks.url,
      AUTH_JWKS_TIMEOUT_MS: '5000',
      ...store.env,
      ...SDK_ISOLATION,
      ...proxyEnv,
    });
    const jwksBefore = jwks.requests();
    try {
      const [, port] = await gateway.waitFor(/gateway listening on http:\/\/localhost:(\d+)\//);
      const graphql = (authorization: string, body: unknown) =>
        fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const service = await graphql(`Bearer ${SERVICE_KEY}`, { query: '{ version }' });
      expect(service.status).toBe(200);
      expect(await service.json()).toEqual({ data: { version: expect.any(String) } });
      const user = await graphql(`Bearer ${await jwks.mint()}`, {
        query: `mutation { browserToken(hirerId: "${FAKE_LTD}", scope: "query:organizations") { accessToken } }`,
      });
      expect(user.status).toBe(200);
      expect(await user.json()).toEqual({
        data: { browserToken: { accessToken: expect.any(String) } },
      });
    } finally {
      gateway.kill('SIGTERM');
    }
    const exited = await gateway.exited;
    expect(exited.code).toBe(0);
    // Every client reached its server, whichever way it went.
    expect(store.count()).toBe(1);
    expect(jwks.requests() - jwksBefore).toBe(1);
    expect(simulator.count('auth')).toBe(1);
    expect(simulator.count('browserToken')).toBe(1);
    expect(simulator.count('graphql')).toBeGreaterThanOrEqual(1);
  };

  it('sends every outbound client through HTTP_PROXY / HTTPS_PROXY', async () => {
    await runThroughProxy({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url });
    expect(proxy.targets()).toEqual([seekHost(), storeHost(), jwks.host].sort());
    // undici and https-proxy-agent both tunnel, even to an http:// target.
    expect(proxy.passages.every((passage) => passage.method === 'CONNECT')).toBe(true);
  });

  it('lower-case http_proxy alone is enough', async () => {
    await runThroughProxy({ http_proxy: proxy.url });
    expect(proxy.targets()).toEqual([seekHost(), storeHost(), jwks.host].sort());
  });

  it('connects directly to the hosts NO_PROXY lists, and through the proxy to the others', async () => {
    await runThroughProxy({
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: proxy.url,
      NO_PROXY: `example.test, ${seekHost()},${storeHost()}`,
    });
    // SEEK (undici) and Secrets Manager (the AWS SDK) went direct; the JWKS host through the proxy.
    expect(proxy.targets()).toEqual([jwks.host]);
  });

  it('without a proxy variable, nothing goes through the proxy', async () => {
    await runThroughProxy({});
    expect(proxy.passages).toHaveLength(0);
  });
});

describe('the Azure SDK behind the proxy (it reads HTTPS_PROXY / NO_PROXY itself)', () => {
  let simulator: SeekSimulator;
  let ca: TestCertificateAuthority;
  let vault: AzureKeyVaultStandIn;
  let proxy: TestProxy;

  beforeAll(async () => {
    ca = createTestCertificateAuthority();
    vault = await startAzureKeyVaultStandIn(ca);
    simulator = await startSimulator({ clientId: uniqueClientId('proxy-azure') });
    vault.putSecret(
      'seek-credentials',
      JSON.stringify({ client_id: simulator.clientId, client_secret: simulator.clientSecret }),
    );
    proxy = await startProxy();
  });
  afterAll(async () => {
    await proxy.close();
    await simulator.close();
    await vault.close();
    ca.remove();
  });

  it('tunnels Entra and Key Vault (https) through HTTPS_PROXY', async () => {
    const gateway = runEntry('src/main.ts', [], {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      SEEK_API_URL: simulator.graphqlUrl,
      SEEK_AUTH_URL: simulator.authUrl,
      SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
      SEEK_AUDIENCE: simulator.audience,
      SEEK_CREDENTIALS_AZURE_VAULT_URL: vault.vaultUrl,
      SEEK_CREDENTIALS_AZURE_SECRET_NAME: 'seek-credentials',
      GATEWAY_API_KEYS: SERVICE_KEY,
      NODE_EXTRA_CA_CERTS: ca.caFile,
      ...vault.env,
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: proxy.url,
    });
    try {
      const [, port] = await gateway.waitFor(/gateway listening on http:\/\/localhost:(\d+)\//);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(200);
    } finally {
      gateway.kill('SIGTERM');
    }
    expect((await gateway.exited).code).toBe(0);
    expect(vault.secretReads()).toBe(1);
    expect(proxy.targets()).toEqual(
      [
        new URL(simulator.graphqlUrl).host,
        new URL(vault.vaultUrl).host,
        new URL(vault.authorityHost).host,
      ]
        .filter((host, index, all) => all.indexOf(host) === index)
        .sort(),
    );
  });
});
