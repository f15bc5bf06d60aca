import request from 'supertest';

import type { SeekSimulator } from '../src/seek/simulator';
import {
  SERVICE_KEY,
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';

const SERVICE_AUTH = `Bearer ${SERVICE_KEY}`;

type Lane = 'passthrough' | 'apollo';
const LANES: Lane[] = ['passthrough', 'apollo'];

describe('SEEK schema polling', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;

  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('schema') });
    // Polling on, but hourly: the tests drive poll() themselves, the interval never fires.
    gw = await startGateway(simulator, { SEEK_SCHEMA_POLL_MS: '3600000' });
    simulator.clearRequests();
  });
  afterEach(async () => {
    await gw.stop();
    await simulator.close();
  });

  /** A service-key POST, with and without an `extensions` map (one pipeline either way). */
  const send = (lane: Lane, query: string) =>
    request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', SERVICE_AUTH)
      .send(lane === 'passthrough' ? { query } : { query, extensions: {} });

  const reloads = async () => {
    const { values } = await gw.gateway.metrics.schemaReloads.get();
    const count = (result: string) =>
      values.find((value) => value.labels.result === result)?.value ?? 0;
    return { unchanged: count('unchanged'), updated: count('updated'), failed: count('failed') };
  };

  const expectUnknownField = async () => {
    for (const lane of LANES) {
      const response = await send(lane, '{ schemaRevision }');
      // A GraphQL request error: 200 for Accept: application/json (GraphQL over HTTP).
      expect(response.status).toBe(200);
      expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.body.errors[0].message).toMatch(/schemaRevision/);
    }
  };

  it('picks up a new SEEK field on poll, in both lanes', async () => {
    await expectUnknownField();
    expect(graphqlCalls(simulator)).toHaveLength(0);

    await gw.gateway.schema.poll();
    expect(await reloads()).toEqual({ unchanged: 1, updated: 0, failed: 0 });
    const before = gw.gateway.schema.current()?.generation;

    simulator.setSchemaRevision(2);
    await gw.gateway.schema.poll();
    expect(await reloads()).toEqual({ unchanged: 1, updated: 1, failed: 0 });
    expect(gw.gateway.schema.current()?.generation).toBe((before as number) + 1);

    for (const lane of LANES) {
      const response = await send(lane, '{ schemaRevision }');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { schemaRevision: 2 } });
    }
    // GET goes through Apollo Server too.
    const get = await request(gw.gateway.app)
      .get('/graphql')
      .query({ query: '{ schemaRevision }' })
      .set('authorization', SERVICE_AUTH)
      .set('apollo-require-preflight', 'true');
    expect(get.body).toEqual({ data: { schemaRevision: 2 } });
    expect(graphqlCalls(simulator)).toHaveLength(3);
    // The new field shows in introspection as well.
    const introspection = await request(gw.gateway.app)
      .post('/graphql')
      .send({ query: '{ __type(name: "Query") { fields { name } } }' });
    expect(
      introspection.body.data.__type.fields.map((field: { name: string }) => field.name),
    ).toContain('schemaRevision');
  });

  it('drops no request in flight while the schema is swapped', async () => {
    // Hold 20 requests at SEEK while the poll swaps the schema underneath them.
    simulator.fault('graphql', { kind: 'delay', ms: 600 }, 20);
    const inFlight = Array.from({ length: 20 }, async (_, index) => {
      const response = await send(index % 2 === 0 ? 'passthrough' : 'apollo', '{ version }');
      return { response, at: performance.now() };
    });
    const deadline = Date.now() + 5_000;
    while (simulator.count('graphql') < 20 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(simulator.count('graphql')).toBe(20);

    simulator.setSchemaRevision(2);
    await gw.gateway.schema.poll();
    const swappedAt = performance.now();
    expect(await reloads()).toMatchObject({ updated: 1, failed: 0 });

    const results = await Promise.all(inFlight);
    for (const { response, at } of results) {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { version: expect.any(String) } });
      // Each one was still in flight when the new schema went in.
      expect(at).toBeGreaterThan(swappedAt);
    }
    const after = await send('passthrough', '{ schemaRevision version }');
    expect(after.body.data.schemaRevision).toBe(2);
  });

  it('keeps the current schema through failed polls and still applies a later change', async () => {
    const generation = gw.gateway.schema.current()?.generation;
    simulator.setSchemaRevision(2);

    // Each poll makes up to two introspection attempts (the harness's schemaAttempts).
    simulator.fault('graphql', { kind: 'status', status: 500 }, 2);
    await gw.gateway.schema.poll();
    expect(await reloads()).toEqual({ unchanged: 0, updated: 0, failed: 1 });
    expect(gw.gateway.schema.current()?.generation).toBe(generation);

    simulator.fault('graphql', { kind: 'malformed' }, 2);
    await gw.gateway.schema.poll();
    expect(await reloads()).toEqual({ unchanged: 0, updated: 0, failed: 2 });
    expect(gw.gateway.schema.current()?.generation).toBe(generation);

    // The old schema still serves: old fields answer, the new one is still unknown.
    for (const lane of LANES) {
      const response = await send(lane, '{ version }');
      expect(response.status).toBe(200);
      expect(response.body.data.version).toEqual(expect.any(String));
    }
    await expectUnknownField();
    expect(gw.logs.text()).toMatch(/SEEK schema poll failed; keeping the current schema/);

    // The change SEEK made before the failures is not lost: the next good poll applies it.
    await gw.gateway.schema.poll();
    expect(await reloads()).toEqual({ unchanged: 0, updated: 1, failed: 2 });
    expect(gw.gateway.schema.current()?.generation).toBe((generation as number) + 1);
    for (const lane of LANES) {
      const response = await send(lane, '{ schemaRevision }');
      expect(response.body).toEqual({ data: { schemaRevision: 2 } });
    }

    // And a poll with nothing new counts as unchanged.
    await gw.gateway.schema.poll();
    expect(await reloads()).toEqual({ unchanged: 1, updated: 1, failed: 2 });
    const metrics = await request(gw.gateway.app).get('/metrics');
    expect(metrics.text).toMatch(/^gateway_schema_reloads_total\{result="failed"\} 2$/m);
    expect(metrics.text).toMatch(/^gateway_schema_reloads_total\{result="updated"\} 1$/m);
    expect(metrics.text).toMatch(/^gateway_schema_reloads_total\{result="unchanged"\} 1$/m);
  });

  it('notices SEEK removing the field again on the next poll', async () => {
    simulator.setSchemaRevision(2);
    await gw.gateway.schema.poll();
    expect((await send('passthrough', '{ schemaRevision }')).body.data.schemaRevision).toBe(2);
    simulator.setSchemaRevision(1);
    await gw.gateway.schema.poll();
    expect(await reloads()).toEqual({ unchanged: 0, updated: 2, failed: 0 });
    await expectUnknownField();
  });
});
