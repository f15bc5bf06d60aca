// Issue 15, item 2: SEEK answers above STREAM_ABOVE_BYTES are streamed, not buffered. A SEEK
// stand-in on loopback serves the GraphQL answers (large, held, cut, invalid later, wrong from
// the start); the simulator serves the partner token. Every assertion is about bytes, counts and
// the order of events, never about times.
import { once } from 'node:events';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { SeekSimulator } from '../src/seek/simulator';
import { STREAM_ABOVE_BYTES, StreamedSeekAnswer } from '../src/seek/streamedAnswer';
import { UpstreamBodyRest } from '../src/seek/upstreamBody';
import {
  SERVICE_KEY,
  serveGateway,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';
import { simulatorSchemaFile } from './support/simulatorSchemaFile';

const MB = 1024 * 1024;
const CONCURRENT_ANSWERS = 50;
/**
 * Loose: the gateway, the clients and the stand-in share this process. Measured on this machine:
 * 14-26 MB streaming (a chunk or two per answer in the gateway, the clients' socket buffers),
 * 51 MB with every answer buffered (STREAM_ABOVE_BYTES raised past 1 MB).
 */
const MAX_GROWTH_WHILE_STREAMING = 36 * MB;

/** `{"data":{"version":"xxx…"}}` of exactly `bytes` bytes. */
const answerOf = (bytes: number) => {
  const frame = '{"data":{"version":""}}';
  return Buffer.from(`{"data":{"version":"${'x'.repeat(bytes - frame.length)}"}}`);
};
const ONE_MB = answerOf(MB);
const TEN_MB = answerOf(10 * MB);
/** Valid for its first megabyte, then not JSON. */
const INVALID_AFTER_1MB = Buffer.concat([
  Buffer.from(`{"data":{"version":"${'y'.repeat(MB)}",`),
  Buffer.from('oops}}'),
]);
const ERRORS_ANSWER = Buffer.from(
  JSON.stringify({
    errors: [{ message: 'partial', extensions: { code: 'FORBIDDEN' } }, { message: 'no code' }],
    data: { version: 'z'.repeat(STREAM_ABOVE_BYTES * 2) },
  }),
);

/** How the stand-in answers the next GraphQL call. */
type Behaviour =
  | { kind: 'whole'; body: Buffer; contentLength?: boolean }
  | { kind: 'hold-tail'; body: Buffer; headBytes: number; release: Promise<void> }
  | { kind: 'cut'; body: Buffer; afterBytes: number }
  /** The first `bytes` bytes one at a time, each after the last was handed to the kernel. */
  | { kind: 'trickle'; body: Buffer; bytes: number }
  | { kind: 'endless' };

interface StandIn {
  url: string;
  behave(behaviour: Behaviour): void;
  events: string[];
  /** Closed connections seen by the stand-in while answering (the client of SEEK hung up). */
  closedEarly: number;
  /** Heads of held answers handed to the kernel. */
  headsFlushed: number;
  close(): Promise<void>;
}

const startStandIn = async (): Promise<StandIn> => {
  let behaviour: Behaviour = { kind: 'whole', body: ONE_MB };
  const events: string[] = [];
  const standIn = {
    closedEarly: 0,
    headsFlushed: 0,
  };
  const answer = (res: ServerResponse, current: Behaviour) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    switch (current.kind) {
      case 'whole':
        if (current.contentLength !== false)
          headers['content-length'] = String(current.body.length);
        res.writeHead(200, headers);
        res.end(current.body);
        return;
      case 'hold-tail':
        res.writeHead(200, headers);
        res.write(current.body.subarray(0, current.headBytes), () => {
          standIn.headsFlushed += 1;
        });
        events.push('stand-in sent the head');
        void current.release.then(() => {
          events.push('stand-in sends the tail');
          res.end(current.body.subarray(current.headBytes));
        });
        return;
      case 'cut':
        headers['content-length'] = String(current.body.length);
        res.writeHead(200, headers);
        res.write(current.body.subarray(0, current.afterBytes), () => res.destroy());
        return;
      case 'trickle': {
        headers['content-length'] = String(current.body.length);
        res.writeHead(200, headers);
        let sent = 0;
        const next = () => {
          if (res.destroyed) return;
          if (sent === current.bytes) {
            res.end(current.body.subarray(sent));
            return;
          }
          sent += 1;
          // A turn of the timers between writes: each byte leaves in a segment of its own.
          res.write(current.body.subarray(sent - 1, sent), () => setTimeout(next, 1));
        };
        next();
        return;
      }
      case 'endless': {
        res.writeHead(200, headers);
        res.write('{"data":{"version":"');
        const chunk = Buffer.alloc(64 * 1024, 'e');
        const more = () => {
          if (!res.destroyed && res.write(chunk)) setImmediate(more);
        };
        res.on('drain', more);
        more();
        return;
      }
    }
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const current = behaviour;
      res.on('close', () => {
        if (!res.writableFinished) {
          standIn.closedEarly += 1;
          events.push('stand-in saw the connection close');
        }
      });
      answer(res, current);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    url: `http://127.0.0.1:${port}/graphql`,
    events,
    behave: (next: Behaviour) => {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
};

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body arrived whole (as framed by Content-Length or the last chunk). */
  complete: boolean;
}

const QUERY = Buffer.from(JSON.stringify({ query: '{ version }' }));

let simulator: SeekSimulator;
let standIn: StandIn;
let gw: TestGateway;
let served: Awaited<ReturnType<typeof serveGateway>>;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENT_ANSWERS + 4 });

/** One POST of `{ version }` as the service; `onHeaders` runs when the status line is in. */
const post = (
  options: { accept?: string; onHeaders?: (res: IncomingMessage) => void; keep?: boolean } = {},
) =>
  new Promise<Answer>((resolve, reject) => {
    const url = new URL(served.url);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${SERVICE_KEY}`,
          'content-type': 'application/json',
          'content-length': String(QUERY.length),
          ...(options.accept ? { accept: options.accept } : {}),
        },
      },
      (res) => {
        options.onHeaders?.(res);
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (options.keep !== false) chunks.push(chunk);
        });
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: options.keep === false ? Buffer.alloc(bytes) : Buffer.concat(chunks),
            complete: res.complete,
          });
        res.on('end', done);
        res.on('error', done);
        res.on('aborted', done);
      },
    );
    req.on('error', reject);
    req.end(QUERY);
  });

/** The gateway's request log line with this X-Request-Id, once it is written. */
const logLineOf = async (requestId: string | string[] | undefined) => {
  for (;;) {
    const line = gw.logs.lines
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.msg === 'graphql request' && entry.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const badResponsesCounted = async () => {
  const text = await (await fetch(new URL('/metrics', served.url))).text();
  const match =
    /gateway_requests_refused_total\{code="SEEK_BAD_RESPONSE",caller="service"\} (\d+)/.exec(text);
  return Number(match?.[1] ?? 0);
};

const inFlight = async () => {
  const text = await (await fetch(new URL('/metrics', served.url))).text();
  return Number(/^gateway_seek_in_flight (\d+)/m.exec(text)?.[1]);
};

beforeAll(async () => {
  simulator = await startSimulator({ clientId: uniqueClientId('streaming') });
  standIn = await startStandIn();
  gw = await startGateway(simulator, {
    SEEK_API_URL: standIn.url,
    SEEK_SCHEMA_FILE: simulatorSchemaFile(),
    SEEK_MAX_CONCURRENCY: String(CONCURRENT_ANSWERS + 10),
    LOG_LEVEL: 'info',
  });
  served = await serveGateway(gw);
});

afterAll(async () => {
  agent.destroy();
  await served.close();
  await gw.stop();
  await standIn.close();
  await simulator.close();
});

beforeEach(() => {
  standIn.events.length = 0;
});

describe('large answers are streamed', () => {
  it('sends the status line before SEEK has sent the whole body', async () => {
    let release = () => undefined as void;
    const tailHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    standIn.behave({ kind: 'hold-tail', body: ONE_MB, headBytes: 256 * 1024, release: tailHeld });
    const answer = await post({
      onHeaders: () => {
        standIn.events.push('client saw the headers');
        release();
      },
    });
    standIn.events.push('client saw the end');
    expect(standIn.events).toEqual([
      'stand-in sent the head',
      'client saw the headers',
      'stand-in sends the tail',
      'client saw the end',
    ]);
    expect(answer.complete).toBe(true);
    expect(answer.body.equals(ONE_MB)).toBe(true);
  });

  it('holds its SEEK concurrency slot until the last byte', async () => {
    let release = () => undefined as void;
    const tailHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    standIn.behave({ kind: 'hold-tail', body: ONE_MB, headBytes: 256 * 1024, release: tailHeld });
    let duringStream = -1;
    const answer = await post({
      onHeaders: () => {
        void inFlight().then((count) => {
          duringStream = count;
          release();
        });
      },
    });
    expect(answer.body.equals(ONE_MB)).toBe(true);
    expect(duringStream).toBe(1);
    expect(await inFlight()).toBe(0);
  });

  it.each([
    ['1 MB with Content-Length', ONE_MB, true],
    ['1 MB chunked', ONE_MB, false],
    ['10 MB with Content-Length', TEN_MB, true],
  ])('passes %s on byte for byte', async (_label, body, contentLength) => {
    standIn.behave({ kind: 'whole', body, contentLength });
    const answer = await post({ accept: 'application/graphql-response+json' });
    expect(answer.status).toBe(200);
    expect(answer.complete).toBe(true);
    expect(answer.body.equals(body)).toBe(true);
    expect(answer.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers['content-length']).toBe(contentLength ? String(body.length) : undefined);
    const line = await logLineOf(answer.headers['x-request-id']);
    expect(line).toMatchObject({
      status: 200,
      outcome: 'ok',
      route: 'forward',
      stream: 'ok',
      streamedBytes: body.length,
    });
    expect(line.errorCodes).toBeUndefined();
  });

  it("reads a streamed answer's error codes for the log line", async () => {
    standIn.behave({ kind: 'whole', body: ERRORS_ANSWER });
    const answer = await post();
    expect(answer.body.equals(ERRORS_ANSWER)).toBe(true);
    const line = await logLineOf(answer.headers['x-request-id']);
    expect(line).toMatchObject({
      outcome: 'error',
      stream: 'ok',
      errorCodes: ['FORBIDDEN', 'UNKNOWN'],
    });
  });

  it('keeps small answers on the buffered path (no stream in the log line)', async () => {
    const small = answerOf(STREAM_ABOVE_BYTES);
    standIn.behave({ kind: 'whole', body: small });
    const answer = await post();
    expect(answer.body.equals(small)).toBe(true);
    const line = await logLineOf(answer.headers['x-request-id']);
    expect(line.stream).toBeUndefined();
    expect(line.outcome).toBe('ok');
  });
});

const LATER_DEFECTS: [string, Behaviour][] = [
  ['invalid JSON after 1 MB', { kind: 'whole', body: INVALID_AFTER_1MB }],
  ['cut by SEEK mid-body', { kind: 'cut', body: TEN_MB, afterBytes: 3 * MB }],
];

describe('a defect found after the status line left', () => {
  it.each(LATER_DEFECTS)(
    '%s: the client sees a failed transfer, logged and counted as SEEK_BAD_RESPONSE',
    async (_label, behaviour) => {
      const countedBefore = await badResponsesCounted();
      standIn.behave(behaviour);
      const answer = await post();
      expect(answer.status).toBe(200);
      expect(answer.complete).toBe(false);
      const line = await logLineOf(answer.headers['x-request-id']);
      expect(line).toMatchObject({
        outcome: 'error',
        errorCodes: ['SEEK_BAD_RESPONSE'],
        stream: 'bad_response',
      });
      expect(await badResponsesCounted()).toBe(countedBefore + 1);
    },
  );
});

describe('a first part that comes in many chunks', () => {
  const TRICKLED = answerOf(4 * STREAM_ABOVE_BYTES);

  it('is checked across them and passed on whole', async () => {
    standIn.behave({ kind: 'trickle', body: TRICKLED, bytes: 24 });
    const answer = await post();
    expect(answer.status).toBe(200);
    expect(answer.complete).toBe(true);
    expect(answer.body.equals(TRICKLED)).toBe(true);
  });

  it('that starts wrong: 502 SEEK_BAD_RESPONSE, nothing of it sent', async () => {
    const html = Buffer.concat([Buffer.from('<html>'), Buffer.alloc(STREAM_ABOVE_BYTES * 2, 'h')]);
    standIn.behave({ kind: 'trickle', body: html, bytes: 8 });
    const answer = await post();
    expect(answer.status).toBe(502);
    expect(answer.body.toString('utf8')).toContain('SEEK_BAD_RESPONSE');
    expect(answer.body.toString('utf8')).not.toContain('<html>');
  });
});

describe('a body that starts wrong', () => {
  it.each([
    ['HTML', Buffer.concat([Buffer.from('<html>'), Buffer.alloc(STREAM_ABOVE_BYTES * 2, 'h')])],
    [
      'JSON of another shape',
      Buffer.from(JSON.stringify({ foo: 'f'.repeat(STREAM_ABOVE_BYTES * 2) })),
    ],
    [
      'data not an object',
      Buffer.from(JSON.stringify({ data: ['a'.repeat(STREAM_ABOVE_BYTES * 2)] })),
    ],
  ])('%s: 502 SEEK_BAD_RESPONSE, nothing of it sent', async (_label, body) => {
    standIn.behave({ kind: 'whole', body });
    const answer = await post();
    expect(answer.status).toBe(502);
    expect(answer.complete).toBe(true);
    const parsed = JSON.parse(answer.body.toString('utf8')) as {
      errors: { extensions: { code: string } }[];
    };
    expect(parsed.errors[0]?.extensions.code).toBe('SEEK_BAD_RESPONSE');
    expect(answer.body.toString('utf8')).not.toContain('hhhh');
  });
});

describe('the client goes away mid-stream', () => {
  it("closes SEEK's connection", async () => {
    const closedBefore = standIn.closedEarly;
    standIn.behave({ kind: 'endless' });
    const url = new URL(served.url);
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end(QUERY);
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    await once(res, 'data');
    standIn.events.push('client hung up');
    req.destroy();
    while (standIn.closedEarly === closedBefore) await new Promise((r) => setTimeout(r, 10));
    expect(standIn.events).toEqual(['client hung up', 'stand-in saw the connection close']);
    const line = await logLineOf(res.headers['x-request-id']);
    expect(line).toMatchObject({ stream: 'client_closed' });
    expect(line.errorCodes).toBeUndefined();
  });
});

/** global.gc when node runs with --expose-gc; otherwise the same function, exposed now. */
const gc: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
const memoryInUse = () => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

describe('pacing', () => {
  it('pauses SEEK only when the client falls behind, not at every chunk', async () => {
    // Node's `write` says false past 16 KiB, below one chunk; pausing SEEK each time cost a pause,
    // a resume and their epoll calls per chunk. A client that reads keeps SEEK flowing.
    standIn.behave({ kind: 'whole', body: TEN_MB });
    const handedOn = jest.spyOn(StreamedSeekAnswer.prototype, 'data');
    try {
      const answer = await post({ keep: false });
      expect(answer.body.length).toBe(TEN_MB.length);
      const results = handedOn.mock.results.map((result) => result.value as boolean);
      const pauses = results.filter((more) => !more).length;
      expect(results.length).toBeGreaterThan(100);
      expect(pauses).toBeLessThan(results.length / 10);
    } finally {
      handedOn.mockRestore();
    }
  });

  it('passes no empty chunk on', () => {
    const calls: number[] = [];
    const controller = { pause: () => undefined, resume: () => undefined, abort: () => undefined };
    const rest = new UpstreamBodyRest(
      controller as unknown as ConstructorParameters<typeof UpstreamBodyRest>[0],
    );
    rest.attach({
      data: (chunk) => (calls.push(chunk.length), true),
      end: () => undefined,
      fail: () => undefined,
    });
    rest.push(Buffer.alloc(0));
    rest.push(Buffer.from('{}'));
    expect(calls).toEqual([2]);
  });
});

describe('memory', () => {
  it(`stays bounded while ${CONCURRENT_ANSWERS} answers of 1 MB stream at once`, async () => {
    standIn.behave({ kind: 'whole', body: ONE_MB });
    await post({ keep: false }); // warm: connections, code paths
    const before = memoryInUse();
    // SEEK sends all but the last KB of each of 50 answers at once and holds the rest; the
    // clients read nothing meanwhile. Buffered, the gateway would hold ~50 MB now; streaming,
    // a chunk or two per answer (the rest waits in the sockets: backpressure).
    let release = () => undefined as void;
    const tailsHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const flushedBefore = standIn.headsFlushed;
    standIn.behave({ kind: 'hold-tail', body: ONE_MB, headBytes: MB - 1024, release: tailsHeld });
    const paused: IncomingMessage[] = [];
    let released = false;
    const answers = Array.from({ length: CONCURRENT_ANSWERS }, () =>
      post({
        keep: false,
        onHeaders: (res) => {
          if (released) return;
          res.pause();
          paused.push(res);
        },
      }),
    );
    while (standIn.headsFlushed - flushedBefore < CONCURRENT_ANSWERS)
      await new Promise((resolve) => setTimeout(resolve, 10));
    for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    const during = memoryInUse();
    released = true;
    release();
    for (const res of paused) res.resume();
    const done = await Promise.all(answers);
    expect(done.map((answer) => answer.body.length)).toEqual(
      Array.from({ length: CONCURRENT_ANSWERS }, () => ONE_MB.length),
    );
    expect(done.every((answer) => answer.complete)).toBe(true);
    expect(during - before).toBeLessThan(MAX_GROWTH_WHILE_STREAMING);
  });
});
