// The README's GET example, as a newcomer would send it: with `apollo-require-preflight` it
// answers; without it CSRF prevention refuses it and the error names the header to add.
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

describe('queries by GET', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('get') });
    gw = await startGateway(simulator);
  });
  afterAll(async () => {
    await gw.stop();
    await simulator.close();
  });
  beforeEach(() => simulator.clearRequests());

  const get = () =>
    request(gw.gateway.app)
      .get('/graphql')
      .query({ query: '{ version }' })
      .set('authorization', `Bearer ${SERVICE_KEY}`);

  it('answers with the apollo-require-preflight header the README shows', async () => {
    const response = await get().set('apollo-require-preflight', 'true');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { version: 'simulator-1.0.0' } });
    expect(graphqlCalls(simulator)).toHaveLength(1);
  });

  it('without it, refuses (400 BAD_REQUEST) naming the header to add, and SEEK is not called', async () => {
    const response = await get();
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(response.body.errors[0].message).toMatch(/CSRF/);
    expect(response.body.errors[0].message).toMatch(/apollo-require-preflight/);
    expect(graphqlCalls(simulator)).toHaveLength(0);
  });
});
