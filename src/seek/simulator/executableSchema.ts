// Builds the executable schema for a schema revision. Revisions are cached: the gateway's
// schema polling may flip back and forth, and building is the expensive part.
import type { GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { BASE_TYPE_DEFS, REVISION_2_TYPE_DEFS } from './sdl';
import { createResolvers } from './resolvers';

const cache = new Map<boolean, GraphQLSchema>();

export function schemaForRevision(revision: number): GraphQLSchema {
  const hasRevisionField = revision >= 2;
  let schema = cache.get(hasRevisionField);
  if (!schema) {
    schema = makeExecutableSchema({
      typeDefs: hasRevisionField ? [BASE_TYPE_DEFS, REVISION_2_TYPE_DEFS] : [BASE_TYPE_DEFS],
      resolvers: createResolvers(hasRevisionField),
    });
    cache.set(hasRevisionField, schema);
  }
  return schema;
}
