// The Grafana dashboard (deploy/grafana/seek-gateway.json) queries only metrics the gateway
// really exports: every name in its queries is read against a live /metrics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import request from 'supertest';

import type { SeekSimulator } from '../src/seek/simulator';
import { startGateway, startSimulator, uniqueClientId, type TestGateway } from './support/harness';

const DASHBOARD = join(__dirname, '..', 'deploy', 'grafana', 'seek-gateway.json');

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ query?: unknown }> };
}

/** What a histogram exports besides its own name. */
const HISTOGRAM_SERIES = /_(bucket|count|sum)$/;

/** Every series name the exposition declares (`# TYPE name kind`), a histogram's three too. */
const exportedNames = (exposition: string): Set<string> => {
  const names = new Set<string>();
  for (const [, name, kind] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name as string);
    if (kind === 'histogram')
      for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${name}${suffix}`);
  }
  return names;
};

const queriedNames = (dashboard: Dashboard): string[] => {
  const queries = [
    ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ...dashboard.templating.list.map((variable) => JSON.stringify(variable.query ?? '')),
  ];
  return [...new Set(queries.flatMap((query) => query.match(/\bgateway_[a-z_]+\b/g) ?? []))];
};

describe('the Grafana dashboard', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('dashboard') });
    gw = await startGateway(simulator, { SEEK_CLIENT_ID: simulator.clientId });
  });
  afterAll(async () => {
    await gw?.stop();
    await simulator?.close();
  });

  it('queries only metric names a live /metrics exports', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const metrics = await request(gw.gateway.app).get('/metrics').expect(200);
    const exported = exportedNames(metrics.text);
    const queried = queriedNames(dashboard);
    // The operator's questions are all on it.
    expect(queried).toEqual(
      expect.arrayContaining([
        'gateway_seek_request_duration_seconds_bucket',
        'gateway_requests_refused_total',
        'gateway_token_cache_total',
        'gateway_request_duration_seconds_bucket',
      ]),
    );
    expect(queried.filter((name) => !exported.has(name))).toEqual([]);
    // A histogram is queried by its series, never by its bare name (which Prometheus lacks).
    for (const name of queried)
      if (!HISTOGRAM_SERIES.test(name))
        expect(metrics.text).not.toMatch(new RegExp(`^# TYPE ${name} histogram$`, 'm'));
  });
});
