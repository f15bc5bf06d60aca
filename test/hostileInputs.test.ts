// What a hostile review of the pipeline found, kept as tests: inputs that once cost a 500, a
// bypass of the pipeline, or reads bounded by time alone.
import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

import request from 'supertest';

import type { SeekSimulator } from '../src/seek/simulator';
import { MAX_RECORDED_BODY_CHARS, RequestRecorder } from '../src/seek/simulator/recorder';
import {
  SERVICE_KEY,
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';

const SERVICE_AUTH = `Bearer ${SERVICE_KEY}`;
const MAX_BODY_BYTES = 65_536;

describe('hostile inputs', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('hostile') });
    gw = await startGateway(simulator, { MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    server = createServer(gw.gateway.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => simulator.clearRequests());
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await gw.stop();
    await simulator.close();
  });

  it('answers variables nested too deeply to serialise with 400 BAD_REQUEST, not 500, and calls no SEEK', async () => {
    const depth = 20_000;
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const body = `{"query":"{ version }","variables":{"x":${nested}}}`;
    const response = await request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .set('content-type', 'application/json')
      .send(body);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(graphqlCalls(simulator)).toHaveLength(0);
  });

  it.each(['/graphql/', '/GRAPHQL', '/Graphql', '/graphql/?query=%7Bversion%7D'])(
    '%s is not /graphql: 404, never Apollo Server’s own handler',
    async (path) => {
      const response = await request(gw.gateway.app)
        .get(path)
        .set('apollo-require-preflight', 'true')
        .set('accept', 'application/json');
      expect(response.status).toBe(404);
      expect(response.text).not.toMatch(/INTERNAL_SERVER_ERROR|CSRF/);
    },
  );

  it('bounds the bytes received, not only the bytes decoded: empty gzip members past MAX_BODY_BYTES get 413', async () => {
    const emptyMember = gzipSync(Buffer.alloc(0));
    const members = Math.ceil((2 * MAX_BODY_BYTES) / emptyMember.length);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/graphql',
          headers: {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'transfer-encoding': 'chunked',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let sent = 0; sent < members; sent += 1) req.write(emptyMember);
      req.end();
    });
    expect(status).toBe(413);
  });

  it('keeps the simulator’s request log bounded in characters (the embedded default faces anyone)', () => {
    const recorder = new RequestRecorder();
    const big = 'x'.repeat(1_048_576);
    for (let index = 0; index < 100; index += 1) {
      recorder.record({
        route: 'graphql',
        method: 'POST',
        path: '/graphql',
        headers: {},
        body: { query: big },
        at: index,
      });
    }
    const kept = recorder.requests.length;
    expect(kept).toBeLessThan(100);
    expect(kept * big.length).toBeLessThanOrEqual(MAX_RECORDED_BODY_CHARS + big.length);
    expect(recorder.count('graphql')).toBe(100);
  });
});
