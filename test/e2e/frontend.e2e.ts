// The example frontend (examples/frontend/) in Chromium, against the gateway and SEEK simulator
// that `npm run example` starts (scripts/example.ts): what a browser does to the gateway that
// supertest cannot (CORS, CSRF, a real page's token cache and renewal). The gateway holds browser
// tokens to the page's manifest (PERSISTED_DOCUMENTS_REQUIRED=browser): the page sends ids only.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Browser, Page } from 'playwright-core';

import { frontendManifest } from '../../examples/frontend/manifest';
import { startExample, type Example } from '../../scripts/example';
import type { SeekSimulator } from '../../src/seek/simulator';
import { FAKE_LTD, graphqlCalls, startSimulator } from '../support/harness';
import { capturedLogger, launchChromium, screenshot } from './support';

let simulator: SeekSimulator;
let example: Example;
let browser: Browser;
let gatewayLog: ReturnType<typeof capturedLogger>;

beforeAll(async () => {
  browser = await launchChromium();
  simulator = await startSimulator();
  gatewayLog = capturedLogger();
  example = await startExample({ simulator, logger: gatewayLog.logger });
});
afterAll(async () => {
  await browser?.close();
  await example?.close();
  await simulator?.close();
});

/** A fresh browser context (no cache, no storage) on the example page, loaded once. */
const openPage = async (url = example.pageUrl): Promise<Page> => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  return page;
};

const text = (page: Page, selector: string) => page.locator(selector).innerText();

/**
 * Waits for the page to have finished loading `loads` times; fails at once, with what the page
 * shows, should the load fail instead.
 */
const loaded = async (page: Page, loads: number) => {
  const failed = page.locator('body[data-state="error"]');
  await page.locator(`body[data-state="ready"] #loads:text-is("${loads}")`).or(failed).waitFor();
  if (await failed.isVisible()) {
    throw new Error(`The page failed to load: ${await page.locator('#error').innerText()}`);
  }
};

/** The gateway's request log lines from `from` on, by operation name. */
const operationsSince = (from: number) =>
  gatewayLog
    .requests()
    .slice(from)
    .map((line) => line.operationName);

/** What the page POSTed to the gateway, as JSON bodies. */
const bodiesSentBy = (page: Page) => {
  const bodies: Array<Record<string, unknown>> = [];
  page.on('request', (sent) => {
    if (sent.url() === example.gatewayUrl && sent.method() === 'POST')
      bodies.push(JSON.parse(sent.postData() ?? '{}') as Record<string, unknown>);
  });
  return bodies;
};

describe('the example frontend in Chromium', () => {
  it('gets a browser token for the chosen hirer, queries self and an ontology with it, caches it, and gets a new one for another hirer', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const sent = bodiesSentBy(page);
    const from = gatewayLog.requests().length;
    await page.goto(example.pageUrl);
    await loaded(page, 1);
    expect(await text(page, '#user')).toBe('dev-user-1');
    expect(await text(page, '#hirer-name')).toBe('Fake Ltd');
    expect(await page.locator('#categories li').allInnerTexts()).toEqual([
      'Accounting',
      'Information & Communication Technology',
    ]);
    expect(await text(page, '#token-calls')).toBe('1');
    expect(await text(page, '#renewals')).toBe('0');
    expect(await page.locator('#error').isHidden()).toBe(true);
    // The page's build wrote its manifest; the gateway loaded it and holds browser tokens to it.
    const manifest = frontendManifest();
    expect(JSON.parse(readFileSync(example.manifestFile, 'utf8'))).toEqual(manifest);
    expect(example.config.documents.required).toEqual(new Set(['browser']));
    const ids = Object.fromEntries(manifest.operations.map((op) => [op.name, op.id]));
    // The token was asked for by the documents, and the queries were sent by id, text-free.
    const [tokenRequest, ...queries] = sent;
    expect(tokenRequest).toMatchObject({
      operationName: 'BrowserToken',
      variables: { documents: [ids.JobCategories, ids.Self].sort() },
    });
    expect((tokenRequest?.variables as Record<string, unknown>).scope).toBeUndefined();
    expect(queries.map((body) => body.documentId).sort()).toEqual(
      [ids.JobCategories, ids.Self].sort(),
    );
    expect(queries.every((body) => body.query === undefined)).toBe(true);
    expect(
      gatewayLog
        .requests()
        .slice(from)
        .filter((line) => line.operationName !== 'BrowserToken')
        .map((line) => [line.operationName, line.document, line.status]),
    ).toEqual(
      expect.arrayContaining([
        ['Self', 'manifest', 200],
        ['JobCategories', 'manifest', 200],
      ]),
    );
    // SEEK was asked for exactly the scopes the two documents need.
    expect(await text(page, '#scope')).toBe('query:ontologies query:organizations');
    expect(simulator.requests.find((call) => call.route === 'browserToken')?.body).toMatchObject({
      scope: 'query:ontologies query:organizations',
    });
    // One browser token for the two queries, which went to SEEK with it.
    expect(simulator.count('browserToken')).toBe(1);
    const [self, categories] = graphqlCalls(simulator).map(
      (call) => (call.body as { query: string }).query,
    );
    expect([self, categories].sort()).toEqual([
      expect.stringContaining('jobCategories'),
      expect.stringContaining('self'),
    ]);

    // Reload: the cached token, no browserToken call.
    await page.click('#reload');
    await loaded(page, 2);
    expect(await text(page, '#token-calls')).toBe('1');
    expect(simulator.count('browserToken')).toBe(1);

    // Another hirer: a new token, and that hirer's data.
    await page.selectOption('#hirer', { label: 'Acme Recruitment' });
    await loaded(page, 3);
    expect(await text(page, '#hirer-name')).toBe('Acme Recruitment');
    expect(await text(page, '#token-calls')).toBe('2');
    expect(simulator.count('browserToken')).toBe(2);
    const acme = simulator.requests.filter((request) => request.route === 'browserToken').at(-1);
    expect(acme?.body).toMatchObject({
      hirerId: 'seekAnzPublicTest:organization:seek:7cDYcGGd',
      scope: 'query:ontologies query:organizations',
      userId: 'dev-user-1',
    });

    // And back: the first hirer's token is still cached.
    await page.selectOption('#hirer', { label: 'Fake Ltd' });
    await loaded(page, 4);
    expect(await text(page, '#hirer-name')).toBe('Fake Ltd');
    expect(await text(page, '#token-calls')).toBe('2');
    expect(simulator.count('browserToken')).toBe(2);

    const path = await screenshot(page, 'example-frontend.png');
    expect(path).toMatch(/test\/e2e\/artifacts\/example-frontend\.png$/);
    await page.context().close();
  });

  it("refuses a document's text from a browser token (PERSISTED_QUERY_ID_REQUIRED), SEEK not asked", async () => {
    const post = (authorization: string, body: unknown) =>
      fetch(example.gatewayUrl, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const grant = (await (
      await post(`Bearer ${example.serviceKey}`, {
        query: `mutation { browserToken(hirerId: "${FAKE_LTD}", scope: "query:organizations", userId: "e2e") { accessToken } }`,
      })
    ).json()) as { data: { browserToken: { accessToken: string } } };
    const before = graphqlCalls(simulator).length;
    const refused = await post(`Bearer ${grant.data.browserToken.accessToken}`, {
      query: 'query Self { self { hirer { name } } }',
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      errors: [{ extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED' } }],
    });
    expect(graphqlCalls(simulator)).toHaveLength(before);
  });

  it('renews a token SEEK expired mid-session with exactly one more browserToken call', async () => {
    const page = await openPage();
    await loaded(page, 1);
    expect(await text(page, '#hirer-name')).toBe('Fake Ltd');

    // SEEK expires every token it issued, the gateway's partner token included. A service call
    // lets the gateway renew its partner token first, so what follows counts only the page's.
    simulator.expireTokens();
    const renewPartner = await fetch(example.gatewayUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${example.serviceKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ query: '{ version }' }),
    });
    expect(await renewPartner.json()).toEqual({ data: { version: 'simulator-1.0.0' } });
    simulator.clearRequests();
    const from = gatewayLog.requests().length;

    // The page still holds the token; SEEK refuses it; the page renews it once and retries.
    await page.click('#reload');
    await loaded(page, 2);
    expect(await text(page, '#hirer-name')).toBe('Fake Ltd');
    expect(await page.locator('#categories li').count()).toBe(2);
    expect(await text(page, '#renewals')).toBe('1');
    expect(await text(page, '#token-calls')).toBe('2');
    expect(await page.locator('#log li', { hasText: 'SEEK refused the token' }).count()).toBe(1);

    expect(simulator.count('browserToken')).toBe(1);
    expect(simulator.count('auth')).toBe(0);
    // The two queries with the expired token: SEEK refuses the first; the second reaches SEEK
    // too only if it left before that refusal came back, since the gateway then answers a token
    // SEEK refused itself. Then both again, with the new token.
    const calls = graphqlCalls(simulator);
    const renewed = calls[calls.length - 1]?.headers.authorization;
    const withOldToken = calls.filter((call) => call.headers.authorization !== renewed);
    expect(withOldToken.length).toBeGreaterThanOrEqual(1);
    expect(withOldToken.length).toBeLessThanOrEqual(2);
    expect(calls.filter((call) => call.headers.authorization === renewed)).toHaveLength(2);
    const operations = operationsSince(from);
    expect(operations.filter((name) => name === 'RenewBrowserToken')).toHaveLength(1);
    expect(operations.filter((name) => name === 'BrowserToken')).toHaveLength(0);
    await screenshot(page, 'example-frontend-renewed.png');
    await page.context().close();
  });

  it('is refused by the browser on an origin outside CORS_ORIGINS', async () => {
    const elsewhere = await example.servePageElsewhere();
    try {
      expect(example.corsOrigins).not.toContain(new URL(elsewhere.url).origin);
      const before = simulator.requests.length;
      const from = gatewayLog.requests().length;
      const context = await browser.newContext();
      const page = await context.newPage();
      const console: string[] = [];
      page.on('console', (message) => console.push(message.text()));
      await page.goto(elsewhere.url);
      await page.locator('body[data-state="error"]').waitFor();
      expect(await text(page, '#error')).toBe(
        `Could not reach the gateway at ${example.gatewayUrl} (Failed to fetch)`,
      );
      expect(await text(page, '#hirer-name')).toBe('—');
      expect(console.join('\n')).toContain('has been blocked by CORS policy');
      // The preflight was refused: the browser never sent the browserToken request.
      expect(gatewayLog.requests().length).toBe(from);
      expect(simulator.requests.length).toBe(before);
      await context.close();
    } finally {
      await elsewhere.close();
    }
  });

  it('stops a cross-site form post with CSRF prevention: 400 BAD_REQUEST, nothing sent to SEEK', async () => {
    // A page on another origin with a form that posts a GraphQL-looking body as text/plain,
    // which a browser sends without a preflight.
    const body = JSON.stringify({
      query: `mutation { browserToken(hirerId: "${FAKE_LTD}", scope: "query:organizations", userId: "victim") { accessToken } }`,
    });
    const [name, value] = [body.slice(0, -1) + ',"padding":"', '"}'];
    const html = `<!doctype html><form method="POST" action="${example.gatewayUrl}" enctype="text/plain">
      <input type="hidden" name='${name.replace(/'/g, '&#39;')}' value='${value}'>
      <button id="send" type="submit">Send</button></form>`;
    const attacker: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    try {
      const before = simulator.requests.length;
      const from = gatewayLog.requests().length;
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(attackerUrl);
      const [answer] = await Promise.all([
        page.waitForResponse(
          (response) =>
            response.url() === example.gatewayUrl && response.request().method() === 'POST',
        ),
        page.click('#send'),
      ]);
      const sent = answer.request().headers();
      expect(sent['content-type']).toBe('text/plain');
      expect(sent.origin).toBe(new URL(attackerUrl).origin);
      expect(answer.status()).toBe(400);
      const answered = (await answer.json()) as {
        errors: { message: string; extensions: { code: string } }[];
      };
      expect(answered.errors[0]?.extensions.code).toBe('BAD_REQUEST');
      expect(answered.errors[0]?.message).toContain('cross-site request forgery');
      // What the browser shows after the post: the gateway's refusal.
      await page.waitForURL(example.gatewayUrl);
      expect(await page.locator('body').innerText()).toContain('BAD_REQUEST');

      expect(simulator.requests.length).toBe(before);
      const lines = gatewayLog.requests().slice(from);
      expect(lines).toEqual([
        expect.objectContaining({ status: 400, route: 'refused', errorCodes: ['BAD_REQUEST'] }),
      ]);
      await context.close();
    } finally {
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    }
  });
});
