// Trusted documents and APQ as callers meet them: real gateways on loopback in front of the SEEK
// simulator, a real Redis (keys namespaced per test by a unique client ID), two replicas sharing
// it. What is asserted: statuses, codes, upstream calls, Redis keys, log lines and metrics.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

import { buildSchema, printSchema } from 'graphql';

import { cacheKeyPrefix } from '../src/app';
import { loadConfig } from '../src/config';
import { createMemoryLimiters } from '../src/protection/limiters';
import { APQ_CALLER_MIN, apqCallerBudget, createApqStore } from '../src/documents/apqStore';
import { ManifestError, parseManifest } from '../src/documents/manifest';
import { createTrustedDocuments } from '../src/documents/trustedDocuments';
import { createLogger } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';
import { createDocuments } from '../src/pipeline/documents';
import { createPersistedQueries } from '../src/pipeline/persistedQueries';
import type { SeekSimulator } from '../src/seek/simulator';
import { schemaForRevision } from '../src/seek/simulator/executableSchema';
import { disabledSharedStore } from '../src/tokens/cache/sharedStore';
import { startEntries, type Entries } from './support/entries';
import {
  connectRedis,
  freePort,
  graphqlCalls,
  SERVICE_KEY,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';
import {
  TRUSTED,
  TRUSTED_MANIFEST,
  apolloManifest,
  flatManifest,
  idOf,
  sha256Hex,
  writeManifest,
} from './support/manifests';
import { simulatorSchemaFile } from './support/simulatorSchemaFile';

const SERVICE = { authorization: `Bearer ${SERVICE_KEY}` };
const CURRENCY_VARIABLES = { usage: 'SEEKJobPosting' };

/** Waits (bounded) for a condition the gateway reaches in the background. */
const eventually = async (check: () => boolean | Promise<boolean>, what: string) => {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
};

const metricValue = async (gw: TestGateway, name: string, labels: Record<string, string>) => {
  const metric = await gw.gateway.metrics.registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  );
  return sample?.value ?? 0;
};

const codeOf = (body: unknown) =>
  (body as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code;

describe('configuration', () => {
  it('refuses PERSISTED_DOCUMENTS_REQUIRED without a manifest, and unknown caller kinds', () => {
    expect(() => loadConfig({ PERSISTED_DOCUMENTS_REQUIRED: 'browser' })).toThrow(
      /PERSISTED_DOCUMENTS_REQUIRED: needs PERSISTED_DOCUMENTS_FILE/,
    );
    expect(() =>
      loadConfig({
        PERSISTED_DOCUMENTS_FILE: 'm.json',
        PERSISTED_DOCUMENTS_REQUIRED: 'browser,robot',
      }),
    ).toThrow(/"robot" is not a caller kind: use service, user, browser/);
    expect(
      loadConfig({
        PERSISTED_DOCUMENTS_FILE: 'm.json',
        PERSISTED_DOCUMENTS_REQUIRED: 'browser, user',
      }).documents.required,
    ).toEqual(new Set(['browser', 'user']));
  });
});

describe('the manifest', () => {
  it('reads both formats and checks ids against their documents', () => {
    const apollo = parseManifest(TRUSTED_MANIFEST());
    expect(apollo.map((document) => document.name)).toEqual(
      Object.values(TRUSTED).map((document) => document.name),
    );
    const flat = parseManifest(
      flatManifest([TRUSTED.version, { id: 'Relay_1', body: '{ version }' }]),
    );
    expect(flat.map((document) => document.id)).toEqual([idOf('version'), 'Relay_1']);
    // GraphQL over HTTP's prefixed form names the same document.
    expect(
      parseManifest(
        flatManifest([{ id: `sha256:${idOf('version')}`, body: TRUSTED.version.body }]),
      )[0]?.id,
    ).toBe(idOf('version'));

    const wrongHash = () =>
      parseManifest(
        apolloManifest([
          { name: 'Liar', id: sha256Hex('{ version }'), body: '{ self { partner { name } } }' },
        ]),
      );
    expect(wrongHash).toThrow(ManifestError);
    expect(wrongHash).toThrow(/Liar.*not the SHA-256/);
    expect(() => parseManifest('[1, 2]')).toThrow(/neither/);
    expect(() =>
      parseManifest('{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}'),
    ).toThrow(/version 1/);
  });

  it('serves a document by id with no parse and no validation per request', () => {
    const schema = buildSchema('type Query { version: String! }');
    let parses = 0;
    const documents = createDocuments({
      parse: (source) => {
        parses += 1;
        return jest.requireActual<typeof import('graphql')>('graphql').parse(source);
      },
      limitRules: [],
      introspection: false,
      localRootFields: new Set(),
      hideSuggestions: false,
    });
    const file = writeManifest(apolloManifest([TRUSTED.version]));
    const trusted = createTrustedDocuments({
      file,
      prepare: documents.prepareUncached,
      currentSchema: () => schema,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
    });
    trusted.load();
    expect(parses).toBe(1);
    const stage = createPersistedQueries({
      trusted,
      apq: createApqStore({
        store: disabledSharedStore,
        keyPrefix: 'unused',
        ttlMs: 60_000,
        maxEntries: 10,
        maxDocumentChars: 1_000,
        limiters: createMemoryLimiters({ windowSeconds: 60 }),
        metrics: createMetrics(),
      }),
      required: new Set(['browser']),
    });
    for (let request = 0; request < 100; request += 1) {
      const resolved = stage.documentOf(
        {
          query: undefined,
          operationName: undefined,
          variables: undefined,
          extensions: undefined,
          documentId: idOf('version'),
        },
        { kind: 'seek-token', accessToken: 'x' },
      );
      expect(resolved).toMatchObject({ source: 'manifest', prepared: { valid: true } });
    }
    expect(parses).toBe(1);
    expect(documents.cacheStats().entries).toBe(0);
    trusted.close();
  });
});

describe('requests by id, safelisting and APQ through Redis', () => {
  let simulator: SeekSimulator;
  let manifestFile: string;
  let replicaA: TestGateway;
  let replicaB: TestGateway;
  let a: Entries;
  let b: Entries;
  let prefix: string;
  let redis: Awaited<ReturnType<typeof connectRedis>>;

  const apqKeys = async () => redis.keys(`${prefix}:apq:*`);

  beforeAll(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('documents') });
    manifestFile = writeManifest(TRUSTED_MANIFEST());
    const env = {
      SEEK_SCHEMA_FILE: simulatorSchemaFile(),
      PERSISTED_DOCUMENTS_FILE: manifestFile,
      PERSISTED_DOCUMENTS_REQUIRED: 'browser',
      APQ_MAX_ENTRIES: '5',
      APQ_MAX_DOCUMENT_CHARS: '300',
    };
    [replicaA, replicaB] = await Promise.all([
      startGateway(simulator, env),
      startGateway(simulator, env),
    ]);
    a = await startEntries(replicaA, simulator);
    b = await startEntries(replicaB, simulator);
    prefix = cacheKeyPrefix(replicaA.config);
    redis = await connectRedis();
    // The partner token, once, so later counts are of GraphQL calls only.
    await a.send('post', { query: '{ version }', headers: SERVICE });
    await b.send('post', { query: '{ version }', headers: SERVICE });
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    await replicaA.stop();
    await replicaB.stop();
    await redis.quit();
    await simulator.close();
  });

  it.each(['post', 'get'] as const)(
    'runs a trusted document by documentId and by sha256Hash (%s), as its text would',
    async (entry) => {
      const byText = await a.send(entry, {
        query: TRUSTED.currencies.body,
        variables: CURRENCY_VARIABLES,
        headers: SERVICE,
      });
      const byDocumentId = await a.send(entry, {
        variables: CURRENCY_VARIABLES,
        headers: SERVICE,
        documentId: `sha256:${idOf('currencies')}`,
      });
      const byHash = await a.send(entry, {
        variables: CURRENCY_VARIABLES,
        extensions: { persistedQuery: { version: 1, sha256Hash: idOf('currencies') } },
        headers: SERVICE,
      });
      for (const result of [byDocumentId, byHash]) {
        expect({ status: result.status, body: result.body, upstream: result.upstream }).toEqual({
          status: 200,
          body: byText.body,
          upstream: 1,
        });
        expect(result.headers['cache-control']).toBe('no-store');
        expect(result.log).toMatchObject({
          document: 'manifest',
          route: 'forward',
          caller: 'service',
        });
        // SEEK got the manifest's text, not an id.
        expect(graphqlCalls(simulator)[0]?.body).toMatchObject({ query: TRUSTED.currencies.body });
      }
      expect(byText.log).toMatchObject({ document: 'text' });
    },
  );

  it('holds browser-token callers to the manifest; others are counted while they send text', async () => {
    const before = await metricValue(replicaA, 'gateway_free_form_documents_total', {
      caller: 'service',
      document: 'text',
    });
    await a.send('post', { query: '{ version }', headers: SERVICE });
    expect(
      await metricValue(replicaA, 'gateway_free_form_documents_total', {
        caller: 'service',
        document: 'text',
      }),
    ).toBe(before + 1);

    const browser = { authorization: `Bearer not-a-seek-token-${randomBytes(6).toString('hex')}` };
    const text = await a.send('post', { query: TRUSTED.version.body, headers: browser });
    expect({ status: text.status, code: codeOf(text.body), upstream: text.upstream }).toEqual({
      status: 400,
      code: 'PERSISTED_QUERY_ID_REQUIRED',
      upstream: 0,
    });
    const unknown = await a.send('post', {
      extensions: {
        persistedQuery: { version: 1, sha256Hash: sha256Hex('{ self { partner { name } } }') },
      },
      headers: browser,
    });
    expect({
      status: unknown.status,
      code: codeOf(unknown.body),
      upstream: unknown.upstream,
    }).toEqual({
      status: 400,
      code: 'PERSISTED_QUERY_NOT_IN_LIST',
      upstream: 0,
    });
    expect(
      await metricValue(replicaA, 'gateway_free_form_documents_total', { caller: 'seek-token' }),
    ).toBe(0);
  });

  it('registers an APQ document on one replica and serves it from the other', async () => {
    const query = `query Shared { version } # ${randomBytes(4).toString('hex')}`;
    const hash = sha256Hex(query);
    const registered = await a.send('apq', { query, headers: SERVICE });
    expect(registered.status).toBe(200);
    await eventually(
      async () => (await apqKeys()).includes(`${prefix}:apq:${hash}`),
      'key in Redis',
    );
    const onB = await b.send('post', {
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      headers: SERVICE,
    });
    expect({ status: onB.status, body: onB.body, upstream: onB.upstream }).toEqual({
      status: 200,
      body: registered.body,
      upstream: 1,
    });
    expect(onB.log).toMatchObject({ document: 'apq' });
    expect(graphqlCalls(simulator)[0]?.body).toMatchObject({ query });
  });

  it('keeps Redis within APQ_MAX_ENTRIES per window and APQ_MAX_DOCUMENT_CHARS per document', async () => {
    const long = `query Long { version } # ${'x'.repeat(400)}`;
    const longResult = await a.send('apq', { query: long, headers: SERVICE });
    expect(longResult.status).toBe(200);
    // Too long for Redis, but this replica keeps it in memory.
    const longAgain = await a.send('post', {
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(long) } },
      headers: SERVICE,
    });
    expect(longAgain.status).toBe(200);
    for (let index = 0; index < 10; index += 1) {
      const result = await a.send('apq', {
        query: `query Many${index} { version }`,
        headers: SERVICE,
      });
      expect(result.status).toBe(200);
    }
    await eventually(
      async () =>
        (await metricValue(replicaA, 'gateway_persisted_documents_total', {
          event: 'apq_register',
          result: 'memory_only',
        })) >= 6,
      'registrations past the bound kept in memory only',
    );
    const keys = await apqKeys();
    expect(keys).not.toContain(`${prefix}:apq:${sha256Hex(long)}`);
    expect(keys.length).toBeLessThanOrEqual(5);
  });

  it('refuses a hash or an id that does not match the query sent with it', async () => {
    const wrongHash = await a.send('post', {
      query: '{ version }',
      extensions: { persistedQuery: { version: 1, sha256Hash: idOf('currencies') } },
      headers: SERVICE,
    });
    expect({
      status: wrongHash.status,
      code: codeOf(wrongHash.body),
      upstream: wrongHash.upstream,
    }).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      upstream: 0,
    });
  });
});

describe('who may register an APQ document', () => {
  it('no anonymous caller and no token SEEK refused, however many; a service key may', async () => {
    const simulator = await startSimulator({ clientId: uniqueClientId('documents-flood') });
    const gw = await startGateway(simulator, { SEEK_SCHEMA_FILE: simulatorSchemaFile() });
    const entries = await startEntries(gw, simulator);
    const redis = await connectRedis();
    const keys = () => redis.keys(`${cacheKeyPrefix(gw.config)}:apq:*`);
    const replay = (query: string, headers: Record<string, string> = {}) =>
      entries.send('post', {
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } },
        headers,
      });
    try {
      // A fresh junk token each time: the gateway answers a token SEEK refused itself afterwards.
      const junkToken = () => ({
        authorization: `Bearer not-a-seek-token-${randomBytes(6).toString('hex')}`,
      });
      for (let index = 0; index < 20; index += 1) {
        // Runs (the gateway answers __typename itself), but is not kept.
        const anonymous = await entries.send('apq', { query: `{ __typename } # ${index}` });
        expect(anonymous.status).toBe(200);
        // SEEK answers UNAUTHENTICATED to a token it did not issue: not kept either.
        const refused = await entries.send('apq', {
          query: `{ version } # ${index}`,
          headers: junkToken(),
        });
        expect(codeOf(refused.body)).toBe('UNAUTHENTICATED');
        expect(refused.upstream).toBe(1);
      }
      expect(codeOf((await replay('{ __typename } # 0')).body)).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect(codeOf((await replay('{ version } # 0', junkToken())).body)).toBe(
        'PERSISTED_QUERY_NOT_FOUND',
      );

      const query = `query Kept { version } # ${randomBytes(4).toString('hex')}`;
      expect((await entries.send('apq', { query, headers: SERVICE })).status).toBe(200);
      await eventually(async () => (await keys()).length === 1, 'the service key registered');
      expect(await keys()).toEqual([`${cacheKeyPrefix(gw.config)}:apq:${sha256Hex(query)}`]);
      expect(await redis.get((await keys())[0] ?? '')).toBe(JSON.stringify(query));
    } finally {
      await redis.quit();
      await entries.close();
      await gw.stop();
      await simulator.close();
    }
  });
});

describe('APQ admissions per caller', () => {
  it('one caller fills its own budget of Redis, not everyone’s: another caller still registers', async () => {
    const simulator = await startSimulator({ clientId: uniqueClientId('documents-caller') });
    const otherKey = `other-service-key-${randomBytes(8).toString('hex')}`;
    // 200 in all: one caller may have 20 (a tenth) admitted per window.
    const gw = await startGateway(simulator, {
      SEEK_SCHEMA_FILE: simulatorSchemaFile(),
      GATEWAY_API_KEYS: `${SERVICE_KEY},${otherKey}`,
      APQ_MAX_ENTRIES: '200',
    });
    expect(apqCallerBudget(200)).toBe(APQ_CALLER_MIN);
    const entries = await startEntries(gw, simulator);
    const redis = await connectRedis();
    const keys = () => redis.keys(`${cacheKeyPrefix(gw.config)}:apq:*`);
    const run = randomBytes(4).toString('hex');
    try {
      for (let index = 0; index < 30; index += 1) {
        const sent = await entries.send('apq', {
          query: `query Flood${index} { version } # ${run}`,
          headers: SERVICE,
        });
        expect(sent.status).toBe(200);
      }
      await eventually(
        async () =>
          (await metricValue(gw, 'gateway_persisted_documents_total', {
            event: 'apq_register',
            result: 'memory_only',
          })) >= 10,
        'the flood past its budget kept in memory only',
      );
      expect((await keys()).length).toBe(20);
      const other = { authorization: `Bearer ${otherKey}` };
      for (let index = 0; index < 3; index += 1)
        await entries.send('apq', {
          query: `query Other${index} { version } # ${run}`,
          headers: other,
        });
      await eventually(async () => (await keys()).length === 23, 'the other caller registered');
    } finally {
      await redis.quit();
      await entries.close();
      await gw.stop();
      await simulator.close();
    }
  });
});

describe('APQ while Redis is down', () => {
  it('registers and serves from memory, answering every request', async () => {
    const simulator = await startSimulator({ clientId: uniqueClientId('documents-down') });
    const gw = await startGateway(simulator, {
      SEEK_SCHEMA_FILE: simulatorSchemaFile(),
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    const entries = await startEntries(gw, simulator);
    try {
      const query = `query Down { version } # ${randomBytes(4).toString('hex')}`;
      expect((await entries.send('apq', { query, headers: SERVICE })).status).toBe(200);
      const replay = await entries.send('post', {
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } },
        headers: SERVICE,
      });
      expect({ status: replay.status, upstream: replay.upstream }).toEqual({
        status: 200,
        upstream: 1,
      });
      const unknown = await entries.send('post', {
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(`${query} other`) } },
        headers: SERVICE,
      });
      expect(codeOf(unknown.body)).toBe('PERSISTED_QUERY_NOT_FOUND');
    } finally {
      await entries.close();
      await gw.stop();
      await simulator.close();
    }
  });
});

describe('reloading the manifest', () => {
  it('swaps in a changed file without dropping requests, and keeps the last good one when it is bad', async () => {
    const simulator = await startSimulator({ clientId: uniqueClientId('documents-reload') });
    const file = writeManifest(apolloManifest([TRUSTED.version]));
    const gw = await startGateway(simulator, {
      SEEK_SCHEMA_FILE: simulatorSchemaFile(),
      PERSISTED_DOCUMENTS_FILE: file,
    });
    const entries = await startEntries(gw, simulator);
    const byId = (name: keyof typeof TRUSTED) =>
      entries.send('post', {
        headers: SERVICE,
        documentId: idOf(name),
      });
    try {
      expect(codeOf((await byId('hirerName')).body)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      // Requests keep coming while the file changes under them.
      const during = Array.from({ length: 10 }, () => byId('version'));
      writeFileSync(file, apolloManifest([TRUSTED.version, TRUSTED.hirerName]));
      expect(gw.gateway.trustedDocuments?.reload('test')).toBe(true);
      expect((await Promise.all(during)).map((result) => result.status)).toEqual(
        Array(10).fill(200),
      );
      expect((await byId('hirerName')).status).toBe(200);

      // A document that does not validate: the last good manifest stays, and the log says why.
      writeFileSync(
        file,
        apolloManifest([TRUSTED.version, { name: 'Broken', body: 'query Broken { noSuchField }' }]),
      );
      await eventually(
        () => gw.logs.lines.some((line) => line.includes('keeping the last good manifest')),
        'the watcher noticed the change',
      );
      const line = gw.logs.lines.find((candidate) =>
        candidate.includes('keeping the last good manifest'),
      );
      expect(line).toContain('Broken');
      expect((await byId('hirerName')).status).toBe(200);
      expect((await byId('version')).status).toBe(200);
    } finally {
      await entries.close();
      await gw.stop();
      await simulator.close();
    }
  });
});

describe('a schema change', () => {
  it('judges every trusted document again; one that no longer validates answers why', async () => {
    const simulator = await startSimulator({ clientId: uniqueClientId('documents-schema') });
    const schemaFile = writeManifest(printSchema(schemaForRevision(2)), 'seek.graphql');
    const revision = { name: 'Revision', body: 'query Revision { schemaRevision }' };
    const gw = await startGateway(simulator, {
      SEEK_SCHEMA_FILE: schemaFile,
      PERSISTED_DOCUMENTS_FILE: writeManifest(apolloManifest([TRUSTED.version, revision])),
    });
    const entries = await startEntries(gw, simulator);
    const byId = (body: string) =>
      entries.send('post', { documentId: sha256Hex(body), headers: SERVICE });
    try {
      // SEEK's schema loses the field the document asks for.
      writeFileSync(schemaFile, printSchema(schemaForRevision(1)));
      await gw.gateway.schema.poll();
      const stale = await byId(revision.body);
      expect({ status: stale.status, code: codeOf(stale.body), upstream: stale.upstream }).toEqual({
        status: 200,
        code: 'GRAPHQL_VALIDATION_FAILED',
        upstream: 0,
      });
      expect(gw.logs.lines.find((line) => line.includes('no longer validate'))).toContain(
        'Revision',
      );
      expect((await byId(TRUSTED.version.body)).status).toBe(200);
    } finally {
      await entries.close();
      await gw.stop();
      await simulator.close();
    }
  });
});
