// The tracing hooks of the calls libraries make, in this process with a recording Tracing (no SDK:
// the spans' export is test/tracing.test.ts's business): how many client spans each call opens and
// closes, with which status, that the traceparent goes out on the wire, and that without tracing
// nothing is added. Real parts: a JWKS host and a silent server on loopback, the real Redis.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { createUserJwtVerifier, type UserJwtOptions } from '../src/callers/userJwt';
import { createLogger } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';
import type { ClientSpanOptions, SpanAttributes, Tracing } from '../src/observability/tracing';
import { createRedisSharedStore } from '../src/tokens/cache/sharedStore';
import { JWT_AUDIENCE, JWT_ISSUER, REDIS_URL, createLogCapture } from './support/harness';
import { startJwksHost, type JwksHost } from './support/jwksHost';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** A Tracing that records what the hooks ask of it and hands out one fixed traceparent. */
const recordingTracing = () => {
  const outbound: Array<{ options: ClientSpanOptions; status: number | undefined | 'open' }> = [];
  const spans: Array<{ name: string; attributes: SpanAttributes; failed: boolean }> = [];
  const tracing: Tracing = {
    startRequest: () => {
      throw new Error('not used here');
    },
    outbound: () => Promise.reject(new Error('not used here')),
    startOutbound(options) {
      const call = { options, status: 'open' as number | undefined | 'open' };
      outbound.push(call);
      return {
        traceparent: TRACEPARENT,
        done: (status) => {
          if (call.status !== 'open') throw new Error('a span ended twice');
          call.status = status;
        },
      };
    },
    async inSpan(name, attributes, fn) {
      const span = { name, attributes, failed: false };
      spans.push(span);
      try {
        return await fn();
      } catch (error) {
        span.failed = true;
        throw error;
      }
    },
    activeTraceId: () => undefined,
    shutdown: async () => undefined,
  };
  return { tracing, outbound, spans };
};

const verifierOptions = (jwksUrl: string, tracing?: Tracing): UserJwtOptions => ({
  issuer: JWT_ISSUER,
  audience: JWT_AUDIENCE,
  secret: undefined,
  jwksUrl,
  jwksTimeoutMs: 300,
  hirerClaim: 'seek_hirer_ids',
  tracing,
});

describe('the JWKS fetch (jose through a node:http agent)', () => {
  let jwks: JwksHost;
  beforeAll(async () => {
    jwks = await startJwksHost();
  });
  afterAll(() => jwks.close());
  beforeEach(() => {
    jwks.traceparents.length = 0;
  });

  it('opens one client span per fetch, sends its traceparent and ends it with the status', async () => {
    const recorded = recordingTracing();
    const verifier = createUserJwtVerifier(verifierOptions(jwks.url, recorded.tracing));
    expect(await verifier.verify(await jwks.mint())).toMatchObject({ userId: 'user-317665' });
    // A second token is verified with the key set already fetched: no second fetch, no span.
    expect(await verifier.verify(await jwks.mint())).toMatchObject({ userId: 'user-317665' });
    expect(jwks.traceparents).toEqual([TRACEPARENT]);
    expect(recorded.outbound).toEqual([
      {
        options: {
          name: 'JWKS fetch',
          method: 'GET',
          url: jwks.url,
          attributes: undefined,
        },
        status: 200,
      },
    ]);
  });

  it('without tracing sends no traceparent', async () => {
    const verifier = createUserJwtVerifier(verifierOptions(jwks.url));
    await verifier.verify(await jwks.mint());
    expect(jwks.traceparents).toEqual([undefined]);
  });

  it('ends the span with no status when the JWKS host never answers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer(() => undefined);
    silent.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/jwks.json`;
    try {
      const recorded = recordingTracing();
      const verifier = createUserJwtVerifier(verifierOptions(url, recorded.tracing));
      await expect(verifier.verify(await jwks.mint())).rejects.toThrow(/could not be fetched/);
      expect(recorded.outbound.map((call) => call.status)).toEqual([undefined]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('the token cache in Redis', () => {
  it('makes one span per call with the command and no key or value', async () => {
    const recorded = recordingTracing();
    const store = createRedisSharedStore({
      url: REDIS_URL,
      commandTimeoutMs: 500,
      logger: createLogger({ level: 'silent', destination: createLogCapture().stream }),
      metrics: createMetrics(),
      tracing: recorded.tracing,
    });
    const key = `tracing-test:${randomUUID()}`;
    const value = `value-${randomUUID()}`;
    try {
      const deadline = Date.now() + 5_000;
      while (store.state !== 'ready' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await store.set(key, value, 10_000)).toBe(true);
      expect(await store.get(key)).toMatchObject({ value });
      expect(await store.acquireLock(`${key}:lock`, 'owner', 10_000)).toBe('acquired');
      await store.releaseLock(`${key}:lock`, 'owner');
      await store.delete(key);
    } finally {
      await store.close();
    }
    expect(recorded.spans.map((span) => [span.name, span.attributes['db.operation.name']])).toEqual(
      [
        ['redis set', 'SET'],
        ['redis get', 'GET PTTL'],
        ['redis lock', 'SET'],
        ['redis unlock', 'EVAL'],
        ['redis delete', 'DEL'],
      ],
    );
    for (const span of recorded.spans) {
      expect(span.attributes['db.system']).toBe('redis');
      expect(span.failed).toBe(false);
      expect(JSON.stringify(span.attributes)).not.toMatch(/tracing-test|value-|owner/);
    }
  });

  it('makes no span for a call it skips (Redis not reachable)', async () => {
    const recorded = recordingTracing();
    const store = createRedisSharedStore({
      url: 'redis://127.0.0.1:1',
      commandTimeoutMs: 50,
      logger: createLogger({ level: 'silent', destination: createLogCapture().stream }),
      metrics: createMetrics(),
      tracing: recorded.tracing,
    });
    try {
      expect(await store.get('any')).toBeUndefined();
    } finally {
      await store.close();
    }
    expect(recorded.spans).toEqual([]);
  });
});
