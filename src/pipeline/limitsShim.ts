// TEMPORARY until src/pipeline/limits.ts lands.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, parse as graphqlParse } from 'graphql';
export const createQueryLimits = (limits: { maxDepth: number; maxAliases: number; maxDirectives: number; maxCost: number; maxTokens: number }) => {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, exposeLimits: false, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: false },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: false },
    costLimit: { maxCost: limits.maxCost, exposeLimits: false, ignoreIntrospection: true },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  return {
    validationRules: armor.protect().validationRules,
    parse: (source: string) => {
      try {
        return graphqlParse(source, { maxTokens: limits.maxTokens });
      } catch (error) {
        if (error instanceof GraphQLError) throw new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
        throw error;
      }
    },
  };
};
