// The simulator's HTTP server: routing, request recording, fault injection and shutdown.
// Route logic lives in authRoutes.ts and graphqlRoute.ts; this file only decides what runs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

import { attachmentUrl } from './applications';
import { serveAttachment } from './attachmentRoute';
import { handleBrowserToken, handlePartnerToken } from './authRoutes';
import { FaultQueues } from './faults';
import { handleGraphql } from './graphqlRoute';
import {
  bearerToken,
  json,
  readBody,
  tryParseJson,
  writeResponse,
  type BodyResult,
  type SimulatorResponse,
} from './http';
import { RequestRecorder } from './recorder';
import { createWorld, DEFAULT_HIRERS, DEFAULT_PARTNER_NAME } from './seedData';
import type { SimulatorState } from './state';
import { TokenStore } from './tokens';
import type {
  SimulatedAttachment,
  SeekSimulator,
  SeekSimulatorOptions,
  SimulatorFault,
  SimulatorRoute,
  RecordedRequest,
} from './types';

const ROUTES: Readonly<Record<string, SimulatorRoute>> = {
  '/oauth/token': 'auth',
  '/auth/token': 'browserToken',
  '/graphql': 'graphql',
};

/** Starts a simulator listening on `options.port` (default: a random free port). */
export async function startSeekSimulator(
  options: SeekSimulatorOptions = {},
): Promise<SeekSimulator> {
  const hirers = (options.hirers ?? DEFAULT_HIRERS).map((hirer) => ({ ...hirer }));
  const state: SimulatorState = {
    clientId: options.clientId ?? 'simulator-client',
    clientSecret: options.clientSecret ?? 'simulator-secret',
    audience: options.audience ?? 'https://graphql.seek.com',
    partnerTokenLifetimeSeconds: checkLifetime(options.partnerTokenLifetimeSeconds ?? 1800),
    browserTokenLifetimeSeconds: checkLifetime(options.browserTokenLifetimeSeconds ?? 3600),
    schemaRevision: 1,
    tokens: new TokenStore(),
    world: createWorld(options.partnerName ?? DEFAULT_PARTNER_NAME, hirers),
  };
  const recorder = new RequestRecorder();
  const faults = new FaultQueues();
  const lifecycle = new Lifecycle();

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      // Route handlers do not throw by design; if one does, answer rather than leave it hanging.
      const message = error instanceof Error ? error.message : String(error);
      writeResponse(
        res,
        json(500, { errors: [{ message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }),
      );
    });
  });
  lifecycle.track(server);

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://simulator.invalid').pathname;
    const route = ROUTES[path] ?? (isAttachmentRequest(req.url) ? 'attachment' : undefined);
    let body: BodyResult;
    try {
      body = await readBody(req);
    } catch {
      req.socket.destroy(); // the client aborted mid-body; there is no one to answer
      return;
    }
    recorder.record(recordOf(req, route ?? 'other', path, body));

    const fault = route === undefined ? undefined : faults.take(route);
    if (fault && fault.kind !== 'stall') {
      const proceed = await applyFault(fault, req, res, lifecycle);
      if (!proceed) return;
    }
    if (route === 'attachment') {
      const stallAfterBytes = fault?.kind === 'stall' ? fault.afterBytes : undefined;
      await serveAttachment(state, req, res, path, bearerToken(req), stallAfterBytes);
      return;
    }
    writeResponse(res, await answer(state, route, req, body));
  }

  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const url = urlOf(server.address() as AddressInfo);
  state.world.origin = url;

  return {
    url,
    authUrl: `${url}/oauth/token`,
    graphqlUrl: `${url}/graphql`,
    browserTokenUrl: `${url}/auth/token`,
    clientId: state.clientId,
    get clientSecret() {
      return state.clientSecret;
    },
    audience: state.audience,
    hirers,
    requests: recorder.requests,
    count: (route) => recorder.count(route),
    clearRequests: () => recorder.clear(),
    fault: (route, fault, times) => faults.add(route, fault, times),
    clearFaults: () => faults.clear(),
    expireTokens: () => state.tokens.expireAll(),
    setTokenLifetime: (kind, seconds) => {
      const lifetime = checkLifetime(seconds);
      if (kind === 'partner') state.partnerTokenLifetimeSeconds = lifetime;
      else state.browserTokenLifetimeSeconds = lifetime;
    },
    setClientSecret: (secret) => {
      state.clientSecret = secret;
    },
    addAttachment: (attachment) => addAttachment(state, attachment),
    setSchemaRevision: (revision) => {
      if (!Number.isInteger(revision)) throw new RangeError(`Bad schema revision: ${revision}`);
      state.schemaRevision = revision;
    },
    close: () => lifecycle.close(server),
  };
}

/**
 * An attachment path, exactly as sent: no query, and none of the `..` or encoded forms a URL
 * parser would normalise (SEEK's attachment URLs have none).
 */
function isAttachmentRequest(rawUrl: string | undefined): boolean {
  return (
    rawUrl !== undefined &&
    /^\/[A-Za-z0-9]+\/applications\/[^/?%]+\/attachments\/[^/?%]+$/.test(rawUrl)
  );
}

function addAttachment(state: SimulatorState, options: SimulatedAttachment): string {
  const [application] = state.world.applications;
  if (!application) throw new Error('The simulator has no application (it has no hirers)');
  if (!Number.isInteger(options.sizeBytes) || options.sizeBytes < 0)
    throw new RangeError(`Bad attachment size: ${options.sizeBytes}`);
  const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const attachment = {
    id: `seekAnzPublicTest:attachment:seek:${suffix}`,
    descriptions: ['Other document'],
    seekRoleCode: null,
    fileName: options.fileName ?? 'generated.pdf',
    contentType: options.contentType ?? 'application/pdf',
    content: { kind: 'generated' as const, size: options.sizeBytes },
    declareLength: options.declareLength ?? true,
  };
  application.attachments.push(attachment);
  return attachmentUrl(state.world.origin, application, attachment);
}

async function answer(
  state: SimulatorState,
  route: SimulatorRoute | undefined,
  req: IncomingMessage,
  body: BodyResult,
): Promise<SimulatorResponse> {
  if (route === undefined) {
    return json(404, { errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
  }
  if (req.method !== 'POST') {
    return {
      ...json(405, {
        errors: [{ message: 'Use POST', extensions: { code: 'METHOD_NOT_ALLOWED' } }],
      }),
      headers: { allow: 'POST' },
    };
  }
  if (body.tooLarge) {
    return json(413, {
      errors: [{ message: 'Request body exceeds 1 MB', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
  }
  switch (route) {
    case 'attachment':
      return json(405, {
        errors: [{ message: 'Use GET', extensions: { code: 'METHOD_NOT_ALLOWED' } }],
      });
    case 'auth':
      return handlePartnerToken(state, body.text);
    case 'browserToken':
      return handleBrowserToken(state, bearerToken(req), body.text);
    case 'graphql':
      return handleGraphql(state, bearerToken(req), body.text);
  }
}

/** Applies a fault; resolves true when the request should then be answered normally. */
async function applyFault(
  fault: SimulatorFault,
  req: IncomingMessage,
  res: ServerResponse,
  lifecycle: Lifecycle,
): Promise<boolean> {
  switch (fault.kind) {
    case 'status':
      writeResponse(res, {
        status: fault.status,
        rawBody:
          fault.body ??
          JSON.stringify({
            errors: [
              {
                message: `Simulated HTTP ${fault.status}`,
                extensions: { code: 'SIMULATED_FAULT' },
              },
            ],
          }),
        headers: fault.headers,
      });
      return false;
    case 'delay':
      return lifecycle.sleep(fault.ms);
    case 'hang':
      return false; // the socket stays open until the client gives up or close() destroys it
    case 'malformed':
      writeResponse(res, { status: 200, rawBody: '{"data":{"version":"simulator-1.0.0"' });
      return false;
    case 'reset':
      req.socket.destroy();
      return false;
    case 'stall':
      return true; // attachments only: serveAttachment applies it
  }
}

function recordOf(
  req: IncomingMessage,
  route: SimulatorRoute | 'other',
  path: string,
  body: BodyResult,
): RecordedRequest {
  let recordedBody: unknown = null; // oversized bodies are not kept
  if (!body.tooLarge) {
    const parsed = tryParseJson(body.text);
    recordedBody = parsed.ok ? parsed.value : body.text;
  }
  return {
    route,
    method: req.method ?? 'GET',
    path,
    headers: { ...req.headers },
    body: recordedBody,
    at: Date.now(),
  };
}

/**
 * Open sockets and pending delay timers, so close() can end everything: server.close() alone
 * waits for keep-alive and hanging connections, which would block test teardown.
 */
class Lifecycle {
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Map<NodeJS.Timeout, (proceed: boolean) => void>();
  private closing: Promise<void> | undefined;

  track(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Resolves true after `ms`, or false as soon as close() is called. */
  sleep(ms: number): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(true);
      }, ms);
      this.timers.set(timer, resolve);
    });
  }

  close(server: Server): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      for (const [timer, resolveSleep] of this.timers) {
        clearTimeout(timer);
        resolveSleep(false);
      }
      this.timers.clear();
      server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function checkLifetime(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`Token lifetime must be a finite number of seconds ≥ 0, got ${seconds}`);
  }
  return seconds;
}
