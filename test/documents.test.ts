import { buildSchema, parse } from 'graphql';

import { createDocuments } from '../src/pipeline/documents';

const documents = () =>
  createDocuments({
    parse: (source) => parse(source),
    limitRules: [],
    introspection: false,
    localRootFields: new Set(['browserToken']),
    hideSuggestions: true,
  });

const messagesOf = (prepared: ReturnType<ReturnType<typeof documents>['prepare']>) =>
  prepared.valid ? [] : prepared.errors.map((error) => [error.code, error.message]);

describe('validation of operation types against the schema', () => {
  it('refuses an operation whose root type the schema lacks, in validation, never at execution', () => {
    const queriesOnly = buildSchema('type Query { version: String! }');
    expect(messagesOf(documents().prepare(queriesOnly, 'mutation { version }'))).toEqual([
      ['GRAPHQL_VALIDATION_FAILED', 'This schema has no mutation operations'],
    ]);
    expect(messagesOf(documents().prepare(queriesOnly, 'subscription { version }'))).toEqual([
      [
        'GRAPHQL_VALIDATION_FAILED',
        'Subscriptions are not supported: SEEK sends events by webhook',
      ],
    ]);
    expect(documents().prepare(queriesOnly, '{ version }').valid).toBe(true);
  });
});
