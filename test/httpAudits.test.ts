// GraphQL over HTTP conformance: graphql-http's server audits against every lane of the one
// request pipeline. Each audit is its own test, so a failure is named; its answer is printed.
//
// The audits send `{ __typename }`-style documents (and `__type` introspection), which the
// gateway answers itself, without asking SEEK and without needing a credential: the service-key
// lane still runs them all, with its Authorization header.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { serverAudits, type AuditResult } from 'graphql-http';

import type { SeekSimulator } from '../src/seek/simulator';
import { CORS_ORIGIN } from './support/entries';
import {
  SERVICE_KEY,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';

type Fetch = typeof fetch;

interface Lane {
  name: string;
  /** Headers the lane adds to every audit request. */
  headers: Record<string, string>;
}

const LANES: Lane[] = [
  { name: 'plain POST (no Origin)', headers: {} },
  { name: 'with an allowed Origin', headers: { origin: CORS_ORIGIN } },
  { name: 'with a service-key Authorization', headers: { authorization: `Bearer ${SERVICE_KEY}` } },
];

let simulator: SeekSimulator;
let gw: TestGateway;
let server: Server;
let url = '';

/**
 * The audits' fetch, with the lane's headers. GET requests also carry
 * `apollo-require-preflight: true`: the gateway's CSRF prevention refuses a GET without a
 * preflight header (a browser cannot send a custom header cross-site without a CORS
 * preflight, so a GET that has one is not a forged one). Without it, the GET audits would get
 * 400 for CSRF, which is the point of the prevention, not a conformance failure.
 */
const laneFetch =
  (lane: Lane): Fetch =>
  async (input, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(lane.headers)) headers.set(name, value);
    if ((init.method ?? 'GET').toUpperCase() === 'GET')
      headers.set('apollo-require-preflight', 'true');
    return fetch(input, { ...init, headers });
  };

const describeFailure = async (result: AuditResult) => {
  if (result.status === 'ok') return { id: result.id, name: result.name, status: 'ok' };
  let body: string;
  try {
    body = await result.response.clone().text();
  } catch {
    body = '(body already read by the audit)';
  }
  return {
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.reason,
    response: {
      status: result.response.status,
      contentType: result.response.headers.get('content-type'),
      body: body.slice(0, 2_000),
    },
  };
};

beforeAll(async () => {
  simulator = await startSimulator({ clientId: uniqueClientId('audits') });
  gw = await startGateway(simulator, { CORS_ORIGINS: CORS_ORIGIN });
  server = createServer(gw.gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  simulator.clearRequests();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gw.stop();
  await simulator.close();
});

describe.each(LANES)('graphql-http server audits, $name', (lane) => {
  // The list is built before the server listens: `url` is read when each audit runs.
  const audits = serverAudits({ url: () => url, fetchFn: laneFetch(lane) });

  it.each(audits.map((audit) => [audit.name, audit] as const))('%s', async (_name, audit) => {
    const result = await audit.fn();
    const described = await describeFailure(result);
    expect(described).toEqual({ id: audit.id, name: audit.name, status: 'ok' });
  });

  it('asked SEEK nothing: the audits are answered by the gateway itself', () => {
    expect(simulator.count('graphql')).toBe(0);
    expect(simulator.count('browserToken')).toBe(0);
  });
});
