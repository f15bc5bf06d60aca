// GRAPHQL_IDE=graphiql in Chromium with no network but this machine: GraphiQL loads from the
// gateway alone (no CDN), starts with the preset key and document, and runs the query.
import type { Browser } from 'playwright-core';

import { startExample, type Example } from '../../scripts/example';
import type { SeekSimulator } from '../../src/seek/simulator';
import { graphqlCalls, startSimulator } from '../support/harness';
import { blockTheInternet, capturedLogger, launchChromium, screenshot } from './support';

let simulator: SeekSimulator;
let example: Example;
let browser: Browser;
let gatewayLog: ReturnType<typeof capturedLogger>;

beforeAll(async () => {
  browser = await launchChromium();
  simulator = await startSimulator();
  gatewayLog = capturedLogger();
  example = await startExample({
    simulator,
    logger: gatewayLog.logger,
    gatewayEnv: { GRAPHQL_IDE: 'graphiql' },
  });
});
afterAll(async () => {
  await browser?.close();
  await example?.close();
  await simulator?.close();
});

describe('GraphiQL served by the gateway, offline', () => {
  it('runs the starter query with the preset service key and shows the result', async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const blocked = await blockTheInternet(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    // GraphiQL fetches the schema by introspection as it starts.
    const introspection = page.waitForResponse(
      (response) =>
        response.request().method() === 'POST' &&
        (response.request().postData() ?? '').includes('IntrospectionQuery'),
    );
    await page.goto(example.gatewayUrl);
    const editors = page.locator('.graphiql-editor');
    await page.locator('.graphiql-execute-button').waitFor();
    // The starter document and the development key, as Sandbox gets them.
    await editors.first().getByText('partner').waitFor();
    await page.getByText(`"Bearer ${example.serviceKey}"`).waitFor();
    // GraphiQL has the schema: the gateway answered its introspection.
    const schema = await introspection;
    expect(schema.status()).toBe(200);
    expect(JSON.stringify(await schema.json())).toContain('"browserToken"');

    simulator.clearRequests();
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    await result.getByText('"Simulated Partner"').waitFor();
    expect(await result.innerText()).toContain('"version": "simulator-1.0.0"');
    // The query went through the gateway to SEEK as the service.
    expect(graphqlCalls(simulator)).toHaveLength(1);
    expect(gatewayLog.requests().at(-1)).toMatchObject({ caller: 'service', outcome: 'ok' });

    await screenshot(page, 'graphiql-offline.png');
    // Nothing was asked of any host but this one, and the page broke no rule of its CSP.
    expect(blocked).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
