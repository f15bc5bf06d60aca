import { z } from 'zod';

import { flag, integer, runtimeEnvironment } from '../fields';

/**
 * Defaults of the GRAPHQL_MAX_* limits, chosen from a corpus of realistic SEEK operations (see
 * src/pipeline/limits.ts, DEFAULT_QUERY_LIMITS; test/seekCorpus.test.ts checks the two agree).
 */
export const DEFAULT_GRAPHQL_MAX_DEPTH = 20;
export const DEFAULT_GRAPHQL_MAX_ALIASES = 20;
export const DEFAULT_GRAPHQL_MAX_TOKENS = 1_500;
export const DEFAULT_GRAPHQL_MAX_COST = 20_000;
export const DEFAULT_GRAPHQL_MAX_DIRECTIVES = 10;

/** What the GraphQL endpoint shows (introspection, Sandbox: on outside production) and allows. */
export const graphqlGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    GRAPHQL_INTROSPECTION: flag,
    GRAPHQL_SANDBOX: flag,
    GRAPHQL_MAX_DEPTH: integer(DEFAULT_GRAPHQL_MAX_DEPTH, 1, 100),
    GRAPHQL_MAX_ALIASES: integer(DEFAULT_GRAPHQL_MAX_ALIASES, 0, 1_000),
    GRAPHQL_MAX_TOKENS: integer(DEFAULT_GRAPHQL_MAX_TOKENS, 100, 100_000),
    GRAPHQL_MAX_COST: integer(DEFAULT_GRAPHQL_MAX_COST, 100, 1_000_000),
    GRAPHQL_MAX_DIRECTIVES: integer(DEFAULT_GRAPHQL_MAX_DIRECTIVES, 1, 1_000),
  })
  .transform((values) => {
    const introspection = values.GRAPHQL_INTROSPECTION
      ? values.GRAPHQL_INTROSPECTION === 'true'
      : values.NODE_ENV !== 'production';
    return {
      introspection,
      sandbox: values.GRAPHQL_SANDBOX ? values.GRAPHQL_SANDBOX === 'true' : introspection,
      maxDepth: values.GRAPHQL_MAX_DEPTH,
      maxAliases: values.GRAPHQL_MAX_ALIASES,
      maxTokens: values.GRAPHQL_MAX_TOKENS,
      maxCost: values.GRAPHQL_MAX_COST,
      maxDirectives: values.GRAPHQL_MAX_DIRECTIVES,
    };
  });
