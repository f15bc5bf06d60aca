// Least-privilege browser tokens: the gateway reads the browser-token scope of every field from
// SEEK's schema descriptions, knows what each trusted document needs, and browserToken(documents:)
// asks SEEK for exactly the union of those scopes. Real gateways on loopback in front of the SEEK
// simulator; asserted: what SEEK was asked for, codes, and how many calls reached it.
import { parse } from 'graphql';
import request from 'supertest';

import { annotatedScope, documentAccess } from '../src/documents/scopes';
import { MAX_TOKEN_DOCUMENTS } from '../src/documents/documentScopes';
import type { SeekSimulator } from '../src/seek/simulator';
import { ROOT_FIELD_RULES } from '../src/seek/simulator/access';
import { schemaForRevision } from '../src/seek/simulator/executableSchema';
import { browserTokenRequests } from './support/callers';
import {
  FAKE_LTD,
  graphqlCalls,
  startGateway,
  startSimulator,
  uniqueClientId,
  userJwt,
  type TestGateway,
} from './support/harness';
import { TRUSTED, apolloManifest, idOf, sha256Hex, writeManifest } from './support/manifests';

/** A posting form's document built from fragments: job categories, and the hirer's brandings. */
const BRANDINGS = {
  name: 'Brandings',
  body: `query Brandings($hirerId: String!) { ...Branding }
fragment Branding on Query { advertisementBrandings(hirerId: $hirerId) { ...Page } }
fragment Page on AdvertisementBrandingsConnection { brandManagementUrl { url } edges { node { name } } }`,
};
const DOCUMENTS = [TRUSTED.jobCategories, TRUSTED.hirerName, TRUSTED.version, BRANDINGS];

const TOKEN_FOR_DOCUMENTS = `mutation TokenFor($hirerId: String!, $documents: [ID!], $scope: String) {
  browserToken(hirerId: $hirerId, documents: $documents, scope: $scope) { accessToken scope }
}`;

describe('scope annotations', () => {
  const schema = schemaForRevision(1);
  const access = (body: string) => documentAccess(schema, parse(body));

  it("reads SEEK's wording for queries, mutations and nested fields, and nothing else", () => {
    expect(
      annotatedScope(
        'A list of currencies.\n\nThis query accepts browser tokens that include the `query:ontologies` scope.',
      ),
    ).toBe('query:ontologies');
    expect(
      annotatedScope(
        'This query accepts browser tokens that include the `query:position-profiles` scope for posted position profiles.',
      ),
    ).toBe('query:position-profiles');
    expect(
      annotatedScope(
        'This mutation accepts browser tokens that include the `mutate:application-questionnaires` scope.',
      ),
    ).toBe('mutate:application-questionnaires');
    expect(
      annotatedScope(
        'This field accepts browser tokens that include the `query:organizations` scope.',
      ),
    ).toBe('query:organizations');
    // An attachment's download URL: a scope for GET /attachments, not for selecting the field.
    expect(
      annotatedScope(
        'This URL accepts partner tokens or browser tokens that include the `download:candidate-profile-attachments` scope.',
      ),
    ).toBeUndefined();
    expect(annotatedScope('The API version.')).toBeUndefined();
    expect(annotatedScope(undefined)).toBeUndefined();
  });

  it('walks a document through its fragments: root and nested scopes, unscoped root fields, meta fields free', () => {
    expect(access(BRANDINGS.body)).toEqual({
      scopes: ['query:advertisement-brandings', 'query:organizations'],
      unscopedFields: [],
    });
    expect(
      access(
        '{ __typename self { hirer { name } } ... on Query { jobCategories(schemeId: "seekAnz") { name } } }',
      ),
    ).toEqual({ scopes: ['query:ontologies', 'query:organizations'], unscopedFields: [] });
    // @skip does not take a field out: the token must run the document with any variables.
    expect(
      access(
        'query($no: Boolean!) { version currencies(usageTypeCode: "All") @skip(if: $no) { code } candidate(id: "c") { documentId { value } } }',
      ),
    ).toEqual({
      scopes: ['query:ontologies'],
      unscopedFields: ['Query.candidate', 'Query.version'],
    });
    expect(
      access(
        'mutation { createApplicationQuestionnaire(input: { applicationQuestionnaire: { hirerId: "h", components: [] } }) { applicationQuestionnaire { id { value } } } }',
      ).scopes,
    ).toEqual(['mutate:application-questionnaires']);
  });

  it('agrees with the simulator: every scope it enforces is the one its schema documents', () => {
    const rootTypes = { Query: schema.getQueryType(), Mutation: schema.getMutationType() };
    const enforced = Object.entries(ROOT_FIELD_RULES).filter(([, rule]) => rule.scope);
    expect(enforced.length).toBeGreaterThan(0);
    for (const [key, rule] of enforced) {
      const [typeName, fieldName] = key.split('.') as ['Query' | 'Mutation', string];
      const field = rootTypes[typeName]?.getFields()[fieldName];
      expect({ key, scope: annotatedScope(field?.description) }).toEqual({
        key,
        scope: rule.scope,
      });
    }
  });
});

describe('browserToken(documents:)', () => {
  let simulator: SeekSimulator;
  let gw: TestGateway;
  const manifest = writeManifest(apolloManifest(DOCUMENTS));

  const start = async (env: Record<string, string | undefined> = {}) => {
    gw = await startGateway(simulator, {
      PERSISTED_DOCUMENTS_FILE: manifest,
      PERSISTED_DOCUMENTS_REQUIRED: 'browser',
      ...env,
    });
    simulator.clearRequests();
  };
  beforeEach(async () => {
    simulator = await startSimulator({ clientId: uniqueClientId('token-documents') });
  });
  afterEach(async () => {
    await gw?.stop();
    await simulator.close();
  });

  const ask = async (variables: Record<string, unknown>) => {
    const jwt = await userJwt({ hirerIds: [FAKE_LTD], userId: 'user-7' });
    return request(gw.gateway.app)
      .post('/graphql')
      .set('authorization', `Bearer ${jwt}`)
      .send({ query: TOKEN_FOR_DOCUMENTS, variables: { hirerId: FAKE_LTD, ...variables } });
  };
  const errorOf = (response: request.Response) =>
    (response.body as { errors: Array<{ message: string; extensions: Record<string, unknown> }> })
      .errors[0];

  it('asks SEEK for exactly the union of the documents’ scopes, and the token runs them by id', async () => {
    await start();
    const first = await ask({ documents: [idOf('jobCategories'), idOf('hirerName')] });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.browserToken.scope).toBe('query:ontologies query:organizations');
    expect(browserTokenRequests(simulator).map((call) => call.body)).toEqual([
      { hirerId: FAKE_LTD, scope: 'query:ontologies query:organizations', userId: 'user-7' },
    ]);

    // The same documents in another order, one with GraphQL over HTTP's prefix: the same scope,
    // so the same cache entry and no second exchange.
    const again = await ask({
      documents: [`sha256:${idOf('hirerName')}`, idOf('jobCategories'), idOf('hirerName')],
    });
    expect(again.body.data.browserToken).toEqual(first.body.data.browserToken);
    expect(browserTokenRequests(simulator)).toHaveLength(1);

    // A nested field's annotation counts too: brandings need organizations as well.
    const brandings = await ask({ documents: [sha256Hex(BRANDINGS.body)] });
    expect(brandings.body.data.browserToken.scope).toBe(
      'query:advertisement-brandings query:organizations',
    );
    expect(browserTokenRequests(simulator)).toHaveLength(2);

    // Held to the manifest (PERSISTED_DOCUMENTS_REQUIRED=browser), the token runs its documents.
    const token = first.body.data.browserToken.accessToken as string;
    const byId = (documentId: string, variables?: Record<string, unknown>) =>
      request(gw.gateway.app)
        .post('/graphql')
        .set('authorization', `Bearer ${token}`)
        .send({ documentId, variables });
    const categories = await byId(idOf('jobCategories'), { schemeId: 'seekAnz' });
    expect(categories.body.errors).toBeUndefined();
    expect(categories.body.data.jobCategories.length).toBeGreaterThan(0);
    const hirer = await byId(idOf('hirerName'));
    expect(hirer.body).toEqual({
      data: { self: { partner: { name: expect.any(String) }, hirer: { name: 'Fake Ltd' } } },
    });
    expect(graphqlCalls(simulator)).toHaveLength(2);
  });

  it.each([
    ['both scope and documents', { scope: 'query:ontologies', documents: [idOf('version')] }],
    ['neither scope nor documents', {}],
    ['an empty list', { documents: [] }],
    ['too many ids', { documents: Array.from({ length: MAX_TOKEN_DOCUMENTS + 1 }, () => 'x') }],
  ])('refuses %s (BAD_USER_INPUT) without asking SEEK', async (_label, variables) => {
    await start();
    const response = await ask(variables);
    expect(response.status).toBe(400);
    expect(errorOf(response)?.extensions.code).toBe('BAD_USER_INPUT');
    expect(simulator.requests).toHaveLength(0);
  });

  it('refuses an id the manifest does not hold (PERSISTED_QUERY_NOT_IN_LIST) without quoting it', async () => {
    await start();
    const unknown = sha256Hex('query Unknown { version }');
    const response = await ask({ documents: [idOf('jobCategories'), unknown] });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({
      message: 'documents[1] is not in the list of trusted documents',
      extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', argument: 'documents' },
    });
    expect(JSON.stringify(response.body)).not.toContain(unknown);
    expect(simulator.requests).toHaveLength(0);
  });

  it('refuses a document no browser token may run, naming the field', async () => {
    await start();
    const response = await ask({ documents: [idOf('jobCategories'), idOf('version')] });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({
      message: 'documents[1] (Version) uses Query.version, which no browser token may use',
      extensions: { code: 'BAD_USER_INPUT', argument: 'documents' },
    });
    expect(simulator.requests).toHaveLength(0);
  });

  it('holds the union to BROWSER_TOKEN_SCOPES', async () => {
    await start({ BROWSER_TOKEN_SCOPES: 'query:ontologies' });
    expect((await ask({ documents: [idOf('jobCategories')] })).body.errors).toBeUndefined();
    const response = await ask({ documents: [idOf('jobCategories'), idOf('hirerName')] });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({
      message:
        'the documents need scope query:organizations, which this gateway does not allow (BROWSER_TOKEN_SCOPES)',
      extensions: { code: 'BAD_USER_INPUT', argument: 'documents' },
    });
    expect(browserTokenRequests(simulator)).toHaveLength(1);
  });

  it('without a manifest, documents is BAD_USER_INPUT and scope works as before', async () => {
    await start({ PERSISTED_DOCUMENTS_FILE: undefined, PERSISTED_DOCUMENTS_REQUIRED: undefined });
    const response = await ask({ documents: [idOf('jobCategories')] });
    expect(response.status).toBe(400);
    expect(errorOf(response)?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'documents',
    });
    expect((await ask({ scope: 'query:ontologies' })).body.data.browserToken.scope).toBe(
      'query:ontologies',
    );
  });
});
