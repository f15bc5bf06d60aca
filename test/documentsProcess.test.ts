// The manifest of trusted documents as an operator and a frontend's CI meet it: the real entry
// files run as processes (tsx on the source): a bad document stops the start, named; SIGHUP
// re-reads the file; `npm run documents:check` prints what fails and exits 1 for it. Asserted:
// exit codes, the lines printed, answers. Never how long anything took.
import { writeFileSync } from 'node:fs';

import type { SeekSimulator } from '../src/seek/simulator';
import { startSimulator, uniqueClientId } from './support/harness';
import { TRUSTED, apolloManifest, flatManifest, idOf, writeManifest } from './support/manifests';
import { simulatorSchemaFile } from './support/simulatorSchemaFile';
import { lastLine, runEntry } from './support/spawnEntry';

const SERVICE_KEY = 'documents-process-service-key-0123456789';
const BROKEN = { name: 'BrokenPosting', body: 'query BrokenPosting { noSuchField }' };

let simulator: SeekSimulator;

const gatewayEnv = (file: string) => ({
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  METRICS_PORT: '0',
  LOG_LEVEL: 'info',
  SEEK_API_URL: simulator.graphqlUrl,
  SEEK_AUTH_URL: simulator.authUrl,
  SEEK_BROWSER_TOKEN_URL: simulator.browserTokenUrl,
  SEEK_AUDIENCE: simulator.audience,
  SEEK_CLIENT_ID: simulator.clientId,
  SEEK_CLIENT_SECRET: simulator.clientSecret,
  SEEK_SCHEMA_FILE: simulatorSchemaFile(),
  GATEWAY_API_KEYS: SERVICE_KEY,
  PERSISTED_DOCUMENTS_FILE: file,
});

beforeAll(async () => {
  simulator = await startSimulator({ clientId: uniqueClientId('documents-process') });
});
afterAll(() => simulator.close());

describe('the gateway process', () => {
  it('does not start with a document that does not validate, and names it', async () => {
    const file = writeManifest(apolloManifest([TRUSTED.version, BROKEN]));
    const { code, stderr } = await runEntry('src/main.ts', [], gatewayEnv(file)).exited;
    expect(code).toBe(1);
    const line = lastLine(stderr);
    expect(line).toMatch(/^gateway failed to start: PERSISTED_DOCUMENTS_FILE /);
    expect(line).toContain(file);
    expect(line).toContain('(BrokenPosting): GRAPHQL_VALIDATION_FAILED');
    expect(line).not.toContain(simulator.clientSecret);
  });

  it('re-reads the manifest on SIGHUP, and keeps the last good one when the new one is bad', async () => {
    const file = writeManifest(apolloManifest([TRUSTED.version]));
    const gateway = runEntry('src/main.ts', [], gatewayEnv(file));
    try {
      const [, port] = await gateway.waitFor(/gateway listening on http:\/\/localhost:(\d+)/);
      const byId = async (name: keyof typeof TRUSTED) => {
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SERVICE_KEY}` },
          body: JSON.stringify({ documentId: idOf(name) }),
        });
        const body = (await response.json()) as {
          errors?: Array<{ extensions: { code: string } }>;
        };
        return body.errors?.[0]?.extensions.code ?? response.status;
      };
      expect(await byId('version')).toBe(200);
      expect(await byId('hirerName')).toBe('PERSISTED_QUERY_NOT_IN_LIST');

      writeFileSync(file, flatManifest([TRUSTED.version, TRUSTED.hirerName]));
      gateway.kill('SIGHUP');
      await gateway.waitFor(/persisted documents reloaded/);
      expect(await byId('hirerName')).toBe(200);

      writeFileSync(file, apolloManifest([TRUSTED.hirerName, BROKEN]));
      gateway.kill('SIGHUP');
      const [kept] = await gateway.waitFor(/[^\n]*keeping the last good manifest[^\n]*/);
      expect(kept).toContain('BrokenPosting');
      expect(await byId('version')).toBe(200);
      expect(await byId('hirerName')).toBe(200);
    } finally {
      gateway.kill('SIGTERM');
      await gateway.exited;
    }
  });
});

describe('npm run documents:check', () => {
  const check = (file: string, options: string[] = []) =>
    runEntry('scripts/documents-check.ts', [file, ...options], {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SEEK_SCHEMA_FILE: simulatorSchemaFile(),
      GRAPHQL_MAX_DEPTH: '6',
    }).exited;

  it('passes a good manifest, one line per document', async () => {
    const file = writeManifest(apolloManifest(Object.values(TRUSTED)));
    const { code, stdout } = await check(file);
    expect(code).toBe(0);
    for (const name of Object.keys(TRUSTED) as Array<keyof typeof TRUSTED>)
      expect(stdout).toContain(`ok   ${idOf(name)} ${TRUSTED[name].name}`);
    expect(stdout).toContain(`all ${Object.keys(TRUSTED).length} documents validate`);
  });

  it("prints each document's browser-token scopes and flags one no browser token may run; --browser fails it", async () => {
    const file = writeManifest(
      apolloManifest([TRUSTED.jobCategories, TRUSTED.hirerName, TRUSTED.version]),
    );
    const { code, stdout } = await check(file);
    expect(code).toBe(0);
    expect(stdout).toContain(
      `ok   ${idOf('jobCategories')} JobCategories  scopes: query:ontologies\n`,
    );
    expect(stdout).toContain(`ok   ${idOf('hirerName')} HirerName  scopes: query:organizations\n`);
    expect(stdout).toContain(
      `ok   ${idOf('version')} Version  not for browser tokens: Query.version (no browser-token scope)\n`,
    );
    expect(stdout).toContain('1 of 3 documents no browser token may run\n');

    const strict = await check(file, ['--browser']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain(
      '1 of 3 documents no browser token may run (--browser: a failure)',
    );
  });

  it('prints what fails (schema and limits) and exits 1', async () => {
    const tooDeep = {
      name: 'TooDeep',
      body: 'query TooDeep { jobCategories(schemeId: "seekAnz") { children { children { children { children { children { children { name } } } } } } } }',
    };
    const file = writeManifest(apolloManifest([TRUSTED.version, BROKEN, tooDeep]));
    const { code, stdout } = await check(file);
    expect(code).toBe(1);
    expect(stdout).toContain(`ok   ${idOf('version')} Version`);
    expect(stdout).toMatch(/^FAIL [0-9a-f]{64} \(BrokenPosting\): GRAPHQL_VALIDATION_FAILED: /m);
    expect(stdout).toMatch(/^FAIL [0-9a-f]{64} \(TooDeep\): GRAPHQL_VALIDATION_FAILED: .*depth/im);
    expect(stdout).toContain('2 of 3 documents do not validate');
  });

  it('exits 1 with one line for a manifest it cannot read', async () => {
    const { code, stderr } = await check('/nonexistent/persisted-documents.json');
    expect(code).toBe(1);
    expect(lastLine(stderr)).toBe(
      'documents:check failed: cannot read /nonexistent/persisted-documents.json (ENOENT)',
    );
  });
});
