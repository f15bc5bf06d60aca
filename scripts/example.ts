// `npm run example`: the example frontend (examples/frontend/) on its own origin, against a gateway
// on the embedded default's setup: the built-in SEEK simulator and development credentials, all
// in this one process. The gateway allows the page's origin (CORS_ORIGINS) and accepts user JWTs
// signed with a known development secret; the page gets one such JWT, as an app's login would
// give it, and from it asks the gateway for SEEK browser tokens. The page's build step writes
// its manifest of trusted documents (examples/frontend/manifest.ts), which the gateway loads
// (PERSISTED_DOCUMENTS_FILE) and holds browser-token callers to (PERSISTED_DOCUMENTS_REQUIRED=
// browser): the page sends document ids only, and asks for its token by them.
//
//   npm run example                     page on http://127.0.0.1:5173/, gateway on :4000
//   EXAMPLE_PORT=5174 PORT=4001 npm run example
//
// test/e2e/ drives the same setup (startExample) in Chromium.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build } from 'esbuild';

import { writeFrontendManifest } from '../examples/frontend/manifest';
import { createGateway, type Gateway } from '../src/app';
import { loadConfig, type Config } from '../src/config';
import {
  DEV_JWT_AUDIENCE,
  DEV_JWT_ISSUER,
  mintUserJwt,
  randomServiceKey,
} from '../src/dev/devCredentials';
import { createLogger, type Logger } from '../src/observability/logger';
import { startSeekSimulator, type SeekSimulator } from '../src/seek/simulator';

/** The development secret the example's gateway verifies user JWTs with (never for production). */
export const EXAMPLE_JWT_SECRET = 'example-frontend-development-secret-not-for-production';
export const EXAMPLE_USER_ID = 'dev-user-1';

const FRONTEND = join(__dirname, '..', 'examples', 'frontend');

/** The page's script, bundled by esbuild from examples/frontend/src/main.ts. */
export const buildFrontend = async (): Promise<string> => {
  const result = await build({
    entryPoints: [join(FRONTEND, 'src', 'main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    sourcemap: 'inline',
    write: false,
    logLevel: 'warning',
    tsconfig: join(FRONTEND, 'tsconfig.json'),
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild made no script for the example frontend');
  return output.text;
};

/** What the page reads from /config.json (examples/frontend/src/main.ts, PageConfig). */
export interface PageConfig {
  gatewayUrl: string;
  userToken: string;
  userId: string;
  hirers: { id: string; name: string }[];
}

const listen = (server: Server, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** The page's files: index.html, style.css, main.js and config.json (set once it is known). */
const pageHandler = (script: string, pageConfig: () => PageConfig | undefined) => {
  const files: Record<string, { type: string; body: string | (() => string | undefined) }> = {
    '/': { type: 'text/html', body: readFileSync(join(FRONTEND, 'index.html'), 'utf8') },
    '/style.css': { type: 'text/css', body: readFileSync(join(FRONTEND, 'style.css'), 'utf8') },
    '/main.js': { type: 'text/javascript', body: script },
    '/config.json': {
      type: 'application/json',
      body: () => {
        const config = pageConfig();
        return config && JSON.stringify(config);
      },
    },
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://page.invalid').pathname;
    const file = files[path === '/index.html' ? '/' : path];
    const body = typeof file?.body === 'function' ? file.body() : file?.body;
    if (!file || body === undefined || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    res
      .writeHead(200, {
        'content-type': `${file.type}; charset=utf-8`,
        'cache-control': 'no-store',
      })
      .end(body);
  };
};

export interface ExampleOptions {
  /** @default 127.0.0.1 */
  host?: string;
  /** @default 0 (any free port) */
  gatewayPort?: number;
  /** @default 0 (any free port) */
  pagePort?: number;
  /** The SEEK simulator to use (a test passes its own, to count calls and expire tokens). */
  simulator?: SeekSimulator;
  /** More gateway variables (LOG_LEVEL, GRAPHQL_IDE, …). */
  gatewayEnv?: Record<string, string>;
  logger?: Logger;
}

export interface Example {
  pageUrl: string;
  gatewayUrl: string;
  /** The origins the gateway allows (CORS_ORIGINS): the page's. */
  corsOrigins: string[];
  /** The page's manifest of trusted documents, as its build wrote it (PERSISTED_DOCUMENTS_FILE). */
  manifestFile: string;
  serviceKey: string;
  userToken: string;
  simulator: SeekSimulator;
  gateway: Gateway;
  config: Config;
  /** The same page on another port: an origin the gateway does not allow. */
  servePageElsewhere(): Promise<{ url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

export const startExample = async (options: ExampleOptions = {}): Promise<Example> => {
  const host = options.host ?? '127.0.0.1';
  const ownSimulator = options.simulator === undefined;
  const simulator = options.simulator ?? (await startSeekSimulator());
  const closers: (() => Promise<void>)[] = ownSimulator ? [() => simulator.close()] : [];
  const closeAll = async () => {
    for (const closeOne of [...closers].reverse()) await closeOne().catch(() => undefined);
  };
  try {
    const script = await buildFrontend();
    // Known once the gateway listens; the page asks for it only after that.
    const page: { config?: PageConfig } = {};
    const handler = pageHandler(script, () => page.config);
    const pageServer = createServer(handler);
    const pagePort = await listen(pageServer, options.pagePort ?? 0, host);
    closers.push(() => close(pageServer));
    const corsOrigins = [`http://127.0.0.1:${pagePort}`, `http://localhost:${pagePort}`];
    const manifestDir = mkdtempSync(join(tmpdir(), 'seek-gateway-example-'));
    closers.push(async () => rmSync(manifestDir, { recursive: true, force: true }));
    const manifestFile = writeFrontendManifest(join(manifestDir, 'persisted-documents.json'));

    const serviceKey = randomServiceKey();
    const config = loadConfig({
      NODE_ENV: 'development',
      HOST: host,
      PORT: String(options.gatewayPort ?? 0),
      SEEK_API_URL: simulator.graphqlUrl,
      SEEK_AUTH_URL: simulator.authUrl,
      SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
      SEEK_AUDIENCE: simulator.audience,
      SEEK_CLIENT_ID: simulator.clientId,
      SEEK_CLIENT_SECRET: simulator.clientSecret,
      GATEWAY_API_KEYS: serviceKey,
      AUTH_JWT_ISSUER: DEV_JWT_ISSUER,
      AUTH_JWT_AUDIENCE: DEV_JWT_AUDIENCE,
      AUTH_JWT_SECRET: EXAMPLE_JWT_SECRET,
      CORS_ORIGINS: corsOrigins.join(','),
      PERSISTED_DOCUMENTS_FILE: manifestFile,
      PERSISTED_DOCUMENTS_REQUIRED: 'browser',
      ...options.gatewayEnv,
    });
    const logger = options.logger ?? createLogger({ level: config.logLevel });
    const gateway = await createGateway({
      config,
      logger,
      sandboxHeaders: { Authorization: `Bearer ${serviceKey}` },
    });
    closers.push(() => gateway.stop());
    const gatewayServer = createServer(gateway.app);
    const gatewayPort = await listen(gatewayServer, config.port, host);
    closers.push(() => close(gatewayServer));
    const gatewayUrl = `http://${host}:${gatewayPort}/graphql`;

    const userToken = await mintUserJwt({
      secret: EXAMPLE_JWT_SECRET,
      issuer: DEV_JWT_ISSUER,
      audience: DEV_JWT_AUDIENCE,
      userId: EXAMPLE_USER_ID,
      hirerIds: simulator.hirers.map((hirer) => hirer.id),
      hirerClaim: config.auth.hirerClaim,
    });
    page.config = {
      gatewayUrl,
      userToken,
      userId: EXAMPLE_USER_ID,
      hirers: simulator.hirers.map(({ id, name }) => ({ id, name })),
    };

    return {
      pageUrl: `http://${host}:${pagePort}/`,
      gatewayUrl,
      corsOrigins,
      manifestFile,
      serviceKey,
      userToken,
      simulator,
      gateway,
      config,
      servePageElsewhere: async () => {
        const elsewhere = createServer(handler);
        const port = await listen(elsewhere, 0, host);
        return { url: `http://${host}:${port}/`, close: () => close(elsewhere) };
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
};

const main = async () => {
  const example = await startExample({
    gatewayPort: Number(process.env.PORT ?? 4000),
    pagePort: Number(process.env.EXAMPLE_PORT ?? 5173),
    gatewayEnv: {
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      ...(process.env.GRAPHQL_IDE ? { GRAPHQL_IDE: process.env.GRAPHQL_IDE } : {}),
    },
  });
  process.stdout.write(
    [
      '',
      '  Example frontend (development credentials, SEEK simulator; not for production)',
      `  Page:        ${example.pageUrl}`,
      `  Gateway:     ${example.gatewayUrl}  (CORS_ORIGINS=${example.corsOrigins.join(',')})`,
      `  Manifest:    ${example.manifestFile}  (browser tokens run its documents only)`,
      `  Service key: ${example.serviceKey}  (the IDE at the gateway's URL starts with it)`,
      `  Signed in:   ${EXAMPLE_USER_ID}, a user JWT for ${example.simulator.hirers.length} hirers`,
      '',
    ].join('\n') + '\n',
  );
  const stop = () => {
    void example.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `example failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
