import { addResolversToSchema } from '@graphql-tools/schema';
import type { ExecutionRequest, ExecutionResult } from '@graphql-tools/utils';
import { OperationTypeNode, extendSchema, parse, print, type GraphQLSchema } from 'graphql';

import type { BrowserTokenArgs } from './browserTokenResolver';
import type { GatewayContext } from './context';
import type { BrowserToken } from '../tokens/browserTokens';

export interface GatewaySchemaParts {
  seekSchema: GraphQLSchema;
  gatewayTypeDefs: string;
  browserToken: (
    source: unknown,
    args: BrowserTokenArgs,
    context: GatewayContext,
  ) => Promise<BrowserToken>;
}

/** Root fields the gateway answers itself (from schema/gateway.graphql). */
export const LOCAL_ROOT_FIELDS: ReadonlySet<string> = new Set(['browserToken']);

export interface GatewaySchema {
  /** SEEK's schema extended with the gateway's SDL: what Apollo validates against and serves. */
  api: GraphQLSchema;
  /**
   * The executable schema for operations that mix gateway and SEEK fields: SEEK's part wrapped
   * (@graphql-tools/wrap) to delegate in one batched request. Built on first use: the wrap of a
   * SEEK-sized schema costs hundreds of milliseconds and most operations never need it.
   */
  executable: () => GraphQLSchema;
}

/**
 * Built anew for every schema version, resolvers included: reusing a resolver map across
 * rebuilds is how other gateways leaked memory on each reload.
 */
export const buildGatewaySchema = (parts: GatewaySchemaParts): GatewaySchema => {
  const executor = async (request: ExecutionRequest): Promise<ExecutionResult> => {
    const context = request.context as GatewayContext;
    const forwarded = await context.forward({
      query: print(request.document),
      operationName: request.operationName,
      variables: request.variables as Record<string, unknown> | undefined,
      isMutation: request.operationType === OperationTypeNode.MUTATION,
    });
    return forwarded.result as ExecutionResult;
  };
  const typeDefs = parts.seekSchema.getMutationType()
    ? parts.gatewayTypeDefs
    : parts.gatewayTypeDefs.replace('extend type Mutation', 'type Mutation');
  const resolvers = { Mutation: { browserToken: parts.browserToken } };
  const api = addResolversToSchema({
    // Our own SDL, checked by the test suite: no need to validate it again at every start.
    schema: extendSchema(parts.seekSchema, parse(typeDefs, { noLocation: true }), {
      assumeValidSDL: true,
    }),
    resolvers,
    updateResolversInPlace: true,
  });
  let executable: GraphQLSchema | undefined;
  const wrap = () => {
    // Loaded on first use, like the wrapped schema itself.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { wrapSchema } = require('@graphql-tools/wrap') as typeof import('@graphql-tools/wrap');
    // batch: SEEK fields resolved in the same tick share one request. Mixed operations are
    // mutations, whose fields run one after another, so in practice each goes on its own.
    return wrapSchema({ schema: api, executor, batch: true });
  };
  return {
    api,
    executable: () =>
      (executable ??= addResolversToSchema({
        schema: wrap(),
        resolvers,
        updateResolversInPlace: true,
      })),
  };
};
