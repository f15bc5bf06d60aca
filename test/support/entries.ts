// Sends one logical GraphQL request through each entry ("lane") of the request pipeline, over
// real HTTP, and reports what came back: status, headers, body, the upstream calls it caused and
// the gateway's one log line for it. See /tmp/pipeline-spec.md ("Entries that must give the same
// answer"):
//
//   post  POST /graphql, content-type: application/json, no Origin
//   cors  the same, plus Origin: CORS_ORIGIN (listed in CORS_ORIGINS)
//   get   GET /graphql?query=…&operationName=…&variables=<json>&extensions=<json>, with
//         apollo-require-preflight: true (CSRF prevention refuses a GET without it)
//   apq   POST like `post`, with extensions.persistedQuery {version: 1, sha256Hash} of the query
import { createHash } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

import type { RecordedRequest, SeekSimulator } from '../../src/seek/simulator';
import { graphqlCalls, type TestGateway } from './harness';

export type Entry = 'post' | 'cors' | 'get' | 'apq';
export const ENTRIES: readonly Entry[] = ['post', 'cors', 'get', 'apq'];
export const CORS_ORIGIN = 'http://app.example.test';

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** How the body goes on the wire. */
export type Delivery =
  /** The whole body with its Content-Length (the default). */
  | { kind: 'whole' }
  /**
   * Chunked, with no end: chunks of `chunkBytes` are written (respecting backpressure) until the
   * gateway answers or `capBytes` have been written; the body is never ended. A gateway that
   * reads forever, or answers only after the body ends, gives no answer (status 0).
   */
  | { kind: 'endless-chunked'; chunkBytes?: number; capBytes?: number }
  /** Declares `declared` bytes in Content-Length, sends the first `sent`, then waits. */
  | { kind: 'stall'; declared: number; sent: number };

/** One logical request, before an entry turns it into HTTP. */
export interface LogicalRequest {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
  /** A trusted document's id (persisted documents), sent as `documentId`. */
  documentId?: unknown;
  /** Extra headers (authorization, accept…); null removes a header the entry would send. */
  headers?: Record<string, string | null>;
  /** POST entries: these bytes instead of the JSON of the fields above. */
  rawBody?: string | Buffer;
  /** GET entry: this query string (no leading '?') instead of one built from the fields. */
  rawSearch?: string;
  /** The HTTP method instead of the entry's own (PUT, DELETE…). */
  method?: string;
  /** Compresses the body and sends the matching Content-Encoding. */
  encoding?: 'gzip' | 'deflate' | 'br';
  delivery?: Delivery;
}

export interface HttpRequestSpec {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  delivery: Delivery;
}

const fieldsOf = (request: LogicalRequest) => {
  const fields: Record<string, unknown> = {};
  for (const key of ['query', 'operationName', 'variables', 'extensions', 'documentId'] as const) {
    if (request[key] !== undefined) fields[key] = request[key];
  }
  return fields;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The APQ entry's body fields: the persisted-query hash of the query next to it. */
const apqFields = (request: LogicalRequest) => {
  const fields = fieldsOf(request);
  // A request with no string query (or with extensions that are not a map) has no APQ form of
  // its own: it goes as it is. Rows that need such a request leave the apq entry out.
  if (typeof request.query !== 'string') return fields;
  if (request.extensions !== undefined && request.extensions !== null) {
    if (!isPlainObject(request.extensions)) return fields;
  }
  fields.extensions = {
    ...(isPlainObject(request.extensions) ? request.extensions : {}),
    persistedQuery: { version: 1, sha256Hash: sha256Hex(request.query) },
  };
  return fields;
};

/** GET query string: strings as they are, variables/extensions as JSON. */
export const searchOf = (request: LogicalRequest) => {
  const params = new URLSearchParams();
  if (request.query !== undefined)
    params.set(
      'query',
      typeof request.query === 'string' ? request.query : JSON.stringify(request.query),
    );
  if (typeof request.operationName === 'string') params.set('operationName', request.operationName);
  if (request.variables !== undefined) params.set('variables', JSON.stringify(request.variables));
  if (request.extensions !== undefined)
    params.set('extensions', JSON.stringify(request.extensions));
  if (typeof request.documentId === 'string') params.set('documentId', request.documentId);
  return params.toString();
};

const encode = (body: Buffer, encoding: LogicalRequest['encoding']) => {
  switch (encoding) {
    case 'gzip':
      return gzipSync(body);
    case 'deflate':
      return deflateSync(body);
    case 'br':
      return brotliCompressSync(body);
    default:
      return body;
  }
};

const applyHeaders = (headers: Record<string, string>, extra: LogicalRequest['headers']) => {
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === null) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  return headers;
};

/** What `entry` sends on the wire for `request`. */
export const httpRequestFor = (entry: Entry, request: LogicalRequest): HttpRequestSpec => {
  const delivery = request.delivery ?? { kind: 'whole' };
  if (entry === 'get') {
    const search = request.rawSearch ?? searchOf(request);
    return {
      method: request.method ?? 'GET',
      path: search ? `/graphql?${search}` : '/graphql',
      headers: applyHeaders({ 'apollo-require-preflight': 'true' }, request.headers),
      body: undefined,
      delivery: { kind: 'whole' },
    };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (entry === 'cors') headers.origin = CORS_ORIGIN;
  let body: Buffer;
  if (request.rawBody !== undefined) {
    body = Buffer.isBuffer(request.rawBody) ? request.rawBody : Buffer.from(request.rawBody);
  } else {
    body = Buffer.from(JSON.stringify(entry === 'apq' ? apqFields(request) : fieldsOf(request)));
  }
  if (request.encoding) {
    body = encode(body, request.encoding);
    headers['content-encoding'] = request.encoding;
  }
  return {
    method: request.method ?? 'POST',
    path: '/graphql',
    headers: applyHeaders(headers, request.headers),
    body,
    delivery,
  };
};

export interface HttpAnswer {
  /** 0 when no answer came. */
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Body bytes written before the answer's headers arrived (streamed deliveries). */
  bytesSentBeforeAnswer: number;
  /** True when the gateway closed the connection soon after answering. */
  socketClosed: boolean;
  /** Set when the request failed without an answer (a reset, or no answer in time). */
  failure?: string;
}

const CLOSE_WAIT_MS = 2_000;

/** Sends one request on a fresh connection (no keep-alive) and reads the whole answer. */
export const sendHttp = (
  port: number,
  spec: HttpRequestSpec,
  options: { answerTimeoutMs?: number } = {},
): Promise<HttpAnswer> =>
  new Promise((resolve) => {
    const answerTimeoutMs = options.answerTimeoutMs ?? 10_000;
    const headers: OutgoingHttpHeaders = { ...spec.headers };
    const { delivery } = spec;
    if (spec.body !== undefined) {
      if (delivery.kind === 'endless-chunked') headers['transfer-encoding'] = 'chunked';
      else if (delivery.kind === 'stall') headers['content-length'] = String(delivery.declared);
      else headers['content-length'] = String(spec.body.length);
    }
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: spec.method,
      path: spec.path,
      headers,
      agent: false,
    });
    let written = 0;
    let bytesSentBeforeAnswer = -1;
    let answered = false;
    let settled = false;
    let socketClosed = false;
    const chunks: Buffer[] = [];
    let status = 0;
    let responseHeaders: IncomingHttpHeaders = {};

    const finish = (failure?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const result: HttpAnswer = {
        status,
        headers: responseHeaders,
        text: Buffer.concat(chunks).toString('utf8'),
        bytesSentBeforeAnswer: bytesSentBeforeAnswer < 0 ? written : bytesSentBeforeAnswer,
        socketClosed,
        ...(failure ? { failure } : {}),
      };
      if (!answered || socketClosed) {
        req.destroy();
        resolve(result);
        return;
      }
      // Give the gateway a moment to close the connection (the 413 promise), then let go.
      const socket = req.socket;
      if (!socket || socket.destroyed) {
        result.socketClosed = true;
        resolve(result);
        return;
      }
      const closeTimer = setTimeout(() => {
        req.destroy();
        resolve(result);
      }, CLOSE_WAIT_MS);
      socket.once('close', () => {
        clearTimeout(closeTimer);
        result.socketClosed = true;
        resolve(result);
      });
      // Without a keep-alive agent node closes its side after a complete exchange, unless the
      // body is still open (streamed deliveries): then only the gateway can close it.
      if (delivery.kind === 'whole') socket.end();
    };

    const timer = setTimeout(() => finish('no answer in time'), answerTimeoutMs);

    req.on('socket', (socket) => {
      socket.once('close', () => {
        socketClosed = true;
      });
    });
    req.on('response', (res) => {
      answered = true;
      bytesSentBeforeAnswer = written;
      status = res.statusCode ?? 0;
      responseHeaders = res.headers;
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish());
      res.on('aborted', () => finish('answer cut short'));
      res.on('error', () => finish('answer cut short'));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // Writing into a connection the gateway closed after answering is expected (413).
      if (answered) return;
      finish(`request failed: ${error.code ?? error.message}`);
    });

    if (spec.body === undefined) {
      req.end();
      return;
    }
    if (delivery.kind === 'whole') {
      written = spec.body.length;
      req.end(spec.body);
      return;
    }
    if (delivery.kind === 'stall') {
      const part = spec.body.subarray(0, delivery.sent);
      written = part.length;
      req.write(part); // and never the rest: the gateway must give up on its own
      return;
    }
    // endless-chunked: the body's start, then filler that keeps a JSON string open.
    const chunkBytes = delivery.chunkBytes ?? 64 * 1024;
    const capBytes = delivery.capBytes ?? 48 * 1024 * 1024;
    const filler = Buffer.alloc(chunkBytes, 'x');
    const pump = () => {
      while (!answered && !settled && !req.destroyed) {
        if (written >= capBytes) return; // give up writing; wait for an answer or the timer
        const chunk: Buffer = written === 0 ? (spec.body as Buffer) : filler;
        written += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });

export interface EntryResult extends HttpAnswer {
  entry: Entry;
  request: HttpRequestSpec;
  /** Parsed JSON body, undefined when the body is not JSON. */
  body: unknown;
  requestId: string | undefined;
  /** GraphQL calls the simulator received for this request (introspection excluded). */
  upstream: number | null;
  /** Everything the simulator recorded during the request, every route. */
  seekRequests: RecordedRequest[];
  /** The `msg: "graphql request"` line whose requestId is the answer's x-request-id. */
  log: Record<string, unknown> | undefined;
  /** Every `graphql request` line written while the request ran (exactly one is expected). */
  requestLines: Array<Record<string, unknown>>;
  /** Every log line written while the request ran, raw. */
  logText: string;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

const parseLine = (line: string): Record<string, unknown> | undefined => {
  const value = parseJson(line);
  return isPlainObject(value) ? value : undefined;
};

const LOG_WAIT_MS = 500;

export interface Entries {
  readonly port: number;
  readonly url: string;
  /** Sends `request` through `entry`; clears the simulator's record first. */
  send(
    entry: Entry,
    request: LogicalRequest,
    options?: { answerTimeoutMs?: number },
  ): Promise<EntryResult>;
  close(): Promise<void>;
}

/**
 * Listens with the gateway's handler on 127.0.0.1, port 0 (`http.createServer(gateway.app)`),
 * and sends requests to it over real sockets. `simulator` is the SEEK the gateway talks to, or
 * undefined when it cannot be asked (closed): `upstream` is then null.
 */
export const startEntries = async (
  gw: TestGateway,
  simulator: SeekSimulator | undefined,
): Promise<Entries> => {
  const server: Server = createServer(gw.gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const send: Entries['send'] = async (entry, request, options) => {
    simulator?.clearRequests();
    const firstLine = gw.logs.lines.length;
    const spec = httpRequestFor(entry, request);
    const answer = await sendHttp(port, spec, options);
    const header = answer.headers['x-request-id'];
    const requestId = typeof header === 'string' ? header : undefined;

    // The log line may be written just after the answer: wait for it (bounded), then a little
    // longer so a second line for the same request would be seen too.
    const deadline = Date.now() + LOG_WAIT_MS;
    const lineFor = () =>
      gw.logs.lines
        .slice(firstLine)
        .map(parseLine)
        .find((line) => line?.msg === 'graphql request' && line.requestId === requestId);
    while (Date.now() < deadline && (requestId === undefined || !lineFor())) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 10));

    const written = gw.logs.lines.slice(firstLine);
    const requestLines = written
      .map(parseLine)
      .filter((line): line is Record<string, unknown> => line?.msg === 'graphql request');
    return {
      ...answer,
      entry,
      request: spec,
      body: parseJson(answer.text),
      requestId,
      upstream: simulator ? graphqlCalls(simulator).length : null,
      seekRequests: simulator ? [...simulator.requests] : [],
      log: requestLines.find((line) => line.requestId === requestId),
      requestLines,
      logText: written.join('\n'),
    };
  };

  return {
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    send,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
