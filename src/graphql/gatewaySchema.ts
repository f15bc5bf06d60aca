import { mergeSchemas } from '@graphql-tools/schema';
import type { ExecutionRequest, ExecutionResult } from '@graphql-tools/utils';
import { wrapSchema } from '@graphql-tools/wrap';
import { print, type GraphQLSchema } from 'graphql';

import type { Forwarder } from '../seek/forwarder';
import type { BrowserTokenArgs } from './browserTokenResolver';
import type { GatewayContext } from './context';
import type { BrowserToken } from '../tokens/browserTokens';

export interface GatewaySchemaParts {
  seekSchema: GraphQLSchema;
  gatewayTypeDefs: string;
  forwarder: Forwarder;
  browserToken: (
    source: unknown,
    args: BrowserTokenArgs,
    context: GatewayContext,
  ) => Promise<BrowserToken>;
}

/** Root fields the gateway answers itself (from schema/gateway.graphql). */
export const LOCAL_ROOT_FIELDS: ReadonlySet<string> = new Set(['browserToken']);

/**
 * SEEK's schema wrapped (@graphql-tools/wrap) with the gateway's own SDL merged in. Built anew
 * for every schema version, resolvers included: reusing a resolver map across rebuilds is how
 * other gateways leaked memory on each reload.
 */
export const buildGatewaySchema = (parts: GatewaySchemaParts): GraphQLSchema => {
  const executor = async (request: ExecutionRequest): Promise<ExecutionResult> => {
    const context = request.context as GatewayContext;
    const result = await parts.forwarder.forward({
      query: print(request.document),
      operationName: request.operationName,
      variables: request.variables,
      isMutation: request.operationType === 'mutation',
      caller: context.caller,
      requestId: context.requestId,
      sessionId: context.sessionId,
      acceptLanguage: context.acceptLanguage,
    });
    context.upstreamStatus = result.upstreamStatus;
    return JSON.parse(result.body.toString('utf8')) as ExecutionResult;
  };
  // batch: one upstream request for all SEEK root fields of an operation, not one per field.
  const wrapped = wrapSchema({ schema: parts.seekSchema, executor, batch: true });
  const typeDefs = parts.seekSchema.getMutationType()
    ? parts.gatewayTypeDefs
    : parts.gatewayTypeDefs.replace('extend type Mutation', 'type Mutation');
  return mergeSchemas({
    schemas: [wrapped],
    typeDefs,
    resolvers: { Mutation: { browserToken: parts.browserToken } },
  });
};
