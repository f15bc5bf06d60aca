/**
 * GraphQL Code Generator for the example service: typed documents for the operations in
 * src/operations.ts, generated from the schema the gateway serves (schema/seek-gateway.graphql,
 * written by `npm run schema:print`) into src/gql/.
 *
 *   npm run example:service:codegen
 *
 * Run from the repository root (the npm script does). In your own service, point `schema` at
 * your copy of seek-gateway.graphql (or at the gateway's URL, where introspection is on).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/seek-gateway.graphql',
  documents: ['examples/service/src/**/*.ts', '!examples/service/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'examples/service/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Documents as strings that carry their types: a service needs only fetch to send them.
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        // SEEK's custom scalars travel as strings.
        scalars: { Date: 'string', DateTime: 'string', HistoryDate: 'string' },
        strictScalars: true,
      },
    },
  },
  // Formatted and linted like the rest of the repository, so the committed output passes both.
  hooks: { afterAllFileWrite: ['eslint --fix', 'prettier --write'] },
};

export default config;
