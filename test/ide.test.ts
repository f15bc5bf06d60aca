// GRAPHQL_IDE=graphiql: GraphiQL served by the gateway itself, from the npm package, with the
// preset headers and starter document Sandbox gets, and nothing loaded from anywhere else.
// (test/e2e/ide.e2e.ts runs a query in it, in Chromium, offline.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import express from 'express';
import request from 'supertest';

import { STARTER_DOCUMENT } from '../src/graphql/apolloServer';
import { ideAssetSource, readIdeAssets, writeIdeAssets } from '../src/http/ide/assets';
import { createGraphiqlRoutes, IDE_CONTENT_SECURITY_POLICY } from '../src/http/ide/graphiqlPage';
import { createLogger } from '../src/observability/logger';
import type { SeekSimulator } from '../src/seek/simulator';
import {
  createLogCapture,
  SERVICE_KEY,
  startGateway,
  startSimulator,
  type TestGateway,
} from './support/harness';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const PRESET = { Authorization: `Bearer ${SERVICE_KEY}` };

/** Every URL the page names in src= or href=. */
const referencesOf = (html: string) =>
  [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');

/** The JSON the page hands GraphiQL. */
const optionsOf = (html: string) => {
  const json = /<script type="application\/json" id="graphiql-options">(.*?)<\/script>/s.exec(
    html,
  )?.[1];
  return JSON.parse(json ?? 'null') as { headers?: string; document?: string } | null;
};

let simulator: SeekSimulator;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());

describe('GRAPHQL_IDE=graphiql', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(
      simulator,
      { GRAPHQL_IDE: 'graphiql', REDIS_URL: undefined },
      { sandboxHeaders: PRESET },
    );
  });
  afterAll(() => gw.stop());

  it('serves a page on GET /graphql that references only same-origin files, under a self-only CSP', async () => {
    const page = await request(gw.gateway.app).get('/graphql').set('accept', HTML);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(IDE_CONTENT_SECURITY_POLICY);
    expect(IDE_CONTENT_SECURITY_POLICY).toMatch(/^default-src 'self';/);
    // No host, scheme or wildcard source anywhere in the policy: 'self' and 'none' only.
    expect(
      IDE_CONTENT_SECURITY_POLICY.split(';')
        .flatMap((directive) => directive.trim().split(' ').slice(1))
        .filter((source) => source !== "'self'" && source !== "'none'"),
    ).toEqual([]);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).not.toContain('apollo');

    const references = referencesOf(page.text);
    expect(references).toHaveLength(2); // the stylesheet and the script
    for (const reference of references) expect(reference).toMatch(/^\/graphql\/ide\/[\w.-]+$/);
    // The only inline script is data, which the CSP does not run.
    expect(page.text.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toEqual([
      '<script type="application/json" id="graphiql-options">',
    ]);
    expect(page.text).not.toMatch(/\sstyle=/);
  });

  it('starts GraphiQL with the preset headers and the starter document Sandbox gets', async () => {
    const page = await request(gw.gateway.app).get('/graphql').set('accept', HTML);
    const options = optionsOf(page.text);
    expect(JSON.parse(options?.headers ?? '{}')).toEqual(PRESET);
    expect(options?.document).toBe(STARTER_DOCUMENT);
  });

  it('answers 200 for every asset, with long-lived cache headers, and for every file the stylesheet loads', async () => {
    const page = await request(gw.gateway.app).get('/graphql').set('accept', HTML);
    const [stylesheet, script] = referencesOf(page.text);

    const js = await request(gw.gateway.app).get(script ?? '');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.text).toContain('graphiql');

    const css = await request(gw.gateway.app).get(stylesheet ?? '');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.text).toContain('.graphiql-container');
    // Fonts and images are files of their own, next to the stylesheet: no data: or remote URL.
    const urls = [...css.text.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map(
      (match) => match[1] ?? '',
    );
    expect(urls.length).toBeGreaterThan(0);
    for (const url of new Set(urls)) {
      expect(url).toMatch(/^[\w.-]+$/);
      const file = await request(gw.gateway.app).get(`/graphql/ide/${url}`);
      expect(file.status).toBe(200);
      expect(file.headers['content-type']).toMatch(/^(font|image)\//);
      expect(file.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  });

  it('answers 404 for a file it does not have', async () => {
    const response = await request(gw.gateway.app).get('/graphql/ide/graphiql-0000.js');
    expect(response.status).toBe(404);
  });

  it('still runs GraphQL on /graphql: a POST, and a GET that asks for JSON', async () => {
    const post = await request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', `Bearer ${SERVICE_KEY}`)
      .send({ query: '{ version }' });
    expect(post.body).toEqual({ data: { version: 'simulator-1.0.0' } });
    const get = await request(gw.gateway.app)
      .get('/graphql')
      .query({ query: '{ version }' })
      .set('authorization', `Bearer ${SERVICE_KEY}`)
      .set('apollo-require-preflight', 'true');
    expect(get.body).toEqual({ data: { version: 'simulator-1.0.0' } });
  });
});

describe('GraphiQL without preset headers, and the other GRAPHQL_IDE values', () => {
  it('starts GraphiQL empty when there is no development key to preset', async () => {
    const gw = await startGateway(simulator, { GRAPHQL_IDE: 'graphiql', REDIS_URL: undefined });
    try {
      const page = await request(gw.gateway.app).get('/graphql').set('accept', HTML);
      expect(page.status).toBe(200);
      expect(optionsOf(page.text)).toEqual({});
    } finally {
      await gw.stop();
    }
  });

  it('serves Apollo Sandbox with sandbox, and no GraphiQL files', async () => {
    const gw = await startGateway(simulator, { GRAPHQL_IDE: 'sandbox', REDIS_URL: undefined });
    try {
      const page = await request(gw.gateway.app).get('/graphql').set('accept', HTML);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/sandbox/i);
      expect((await request(gw.gateway.app).get('/graphql/ide/graphiql.js')).status).toBe(404);
    } finally {
      await gw.stop();
    }
  });

  it('serves no page with off: a browser opening /graphql gets the GraphQL endpoint', async () => {
    const gw = await startGateway(simulator, { GRAPHQL_IDE: 'off', REDIS_URL: undefined });
    try {
      const page = await request(gw.gateway.app).get('/graphql').set('accept', HTML);
      expect(page.headers['content-type']).not.toMatch(/html/);
      expect(page.text).not.toMatch(/graphiql|sandbox/i);
    } finally {
      await gw.stop();
    }
  });
});

describe("GraphiQL's assets", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ide-assets-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are read back from the directory the build writes (dist/ide/ for the bundle)', async () => {
    const built = await ideAssetSource()();
    writeIdeAssets(built, dir);
    const fromBundle = ideAssetSource({ sourceEntry: join(dir, 'no-source.ts'), builtDir: dir });
    const read = await fromBundle();
    expect(read.script).toBe(built.script);
    expect(read.stylesheet).toBe(built.stylesheet);
    expect([...read.files.keys()].sort()).toEqual([...built.files.keys()].sort());
    expect(
      read.files
        .get(read.script)
        ?.body.equals(built.files.get(built.script)?.body ?? Buffer.alloc(0)),
    ).toBe(true);
    expect(readIdeAssets(join(dir, 'nothing-here'))).toBeUndefined();
  });

  it('fail with a message saying to build when the bundle has none', async () => {
    const missing = ideAssetSource({
      sourceEntry: join(dir, 'no-source.ts'),
      builtDir: join(dir, 'no-ide'),
    });
    await expect(missing()).rejects.toThrow(/npm run build/);
    const logs = createLogCapture();
    const routes = createGraphiqlRoutes({
      assets: missing,
      logger: createLogger({ level: 'error', destination: logs.stream }),
    });
    const app = express().get('/graphql', routes.page);
    const response = await request(app).get('/graphql').set('accept', HTML);
    expect(response.status).toBe(503);
    expect(response.text).toMatch(
      /GraphiQL's assets are not built .*run `npm run build`, or set GRAPHQL_IDE=sandbox or off/,
    );
    expect(logs.text()).toContain('GraphiQL cannot be served');
  });
});
