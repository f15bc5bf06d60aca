import { z } from 'zod';

import {
  evenIfMalformed,
  flag,
  integer,
  optionalString,
  reportCombination,
  runtimeEnvironment,
} from '../fields';

/**
 * Defaults of the GRAPHQL_MAX_* limits, chosen from a corpus of realistic SEEK operations (see
 * src/pipeline/limits.ts, DEFAULT_QUERY_LIMITS; test/seekCorpus.test.ts checks the two agree).
 */
export const DEFAULT_GRAPHQL_MAX_DEPTH = 20;
export const DEFAULT_GRAPHQL_MAX_ALIASES = 20;
export const DEFAULT_GRAPHQL_MAX_TOKENS = 1_500;
export const DEFAULT_GRAPHQL_MAX_COST = 20_000;
export const DEFAULT_GRAPHQL_MAX_DIRECTIVES = 10;

/**
 * The IDE a browser gets on GET /graphql: Apollo Sandbox (its code comes from Apollo's CDN),
 * GraphiQL (bundled and served by the gateway itself, for networks without that CDN), or none.
 */
export const GRAPHQL_IDES = ['sandbox', 'graphiql', 'off'] as const;
export type GraphqlIde = (typeof GRAPHQL_IDES)[number];

/** GRAPHQL_SANDBOX, GRAPHQL_IDE's old name: `true` is `sandbox`, `false` is `off`. */
const ideOfSandboxFlag = (value: 'true' | 'false'): GraphqlIde =>
  value === 'true' ? 'sandbox' : 'off';

/** What the GraphQL endpoint shows (introspection, an IDE: on outside production) and allows. */
export const graphqlGroup = z
  .object({
    NODE_ENV: runtimeEnvironment,
    GRAPHQL_INTROSPECTION: flag,
    GRAPHQL_IDE: optionalString.pipe(z.enum(GRAPHQL_IDES).optional()),
    GRAPHQL_SANDBOX: flag,
    GRAPHQL_MAX_DEPTH: integer(DEFAULT_GRAPHQL_MAX_DEPTH, 1, 100),
    GRAPHQL_MAX_ALIASES: integer(DEFAULT_GRAPHQL_MAX_ALIASES, 0, 1_000),
    GRAPHQL_MAX_TOKENS: integer(DEFAULT_GRAPHQL_MAX_TOKENS, 100, 100_000),
    GRAPHQL_MAX_COST: integer(DEFAULT_GRAPHQL_MAX_COST, 100, 1_000_000),
    GRAPHQL_MAX_DIRECTIVES: integer(DEFAULT_GRAPHQL_MAX_DIRECTIVES, 1, 1_000),
  })
  .superRefine(
    (values, ctx) => {
      if (values.GRAPHQL_IDE === undefined || values.GRAPHQL_SANDBOX === undefined) return;
      const alias = ideOfSandboxFlag(values.GRAPHQL_SANDBOX);
      if (alias !== values.GRAPHQL_IDE) {
        reportCombination(
          ctx,
          `GRAPHQL_IDE and GRAPHQL_SANDBOX disagree: GRAPHQL_SANDBOX=${values.GRAPHQL_SANDBOX} means GRAPHQL_IDE=${alias}, but GRAPHQL_IDE=${values.GRAPHQL_IDE}. Set only GRAPHQL_IDE (GRAPHQL_SANDBOX is its old name)`,
        );
      }
    },
    { when: evenIfMalformed },
  )
  .transform((values) => {
    const introspection = values.GRAPHQL_INTROSPECTION
      ? values.GRAPHQL_INTROSPECTION === 'true'
      : values.NODE_ENV !== 'production';
    // Unset: Sandbox outside production (unless introspection is off: an IDE without the
    // schema has little to show), none in production.
    const ide: GraphqlIde =
      values.GRAPHQL_IDE ??
      (values.GRAPHQL_SANDBOX
        ? ideOfSandboxFlag(values.GRAPHQL_SANDBOX)
        : values.NODE_ENV !== 'production' && introspection
          ? 'sandbox'
          : 'off');
    return {
      introspection,
      ide,
      /** Apollo Sandbox is served (GRAPHQL_IDE=sandbox). */
      sandbox: ide === 'sandbox',
      maxDepth: values.GRAPHQL_MAX_DEPTH,
      maxAliases: values.GRAPHQL_MAX_ALIASES,
      maxTokens: values.GRAPHQL_MAX_TOKENS,
      maxCost: values.GRAPHQL_MAX_COST,
      maxDirectives: values.GRAPHQL_MAX_DIRECTIVES,
    };
  });
