import type {
  GatewayExecutor,
  GatewayInterface,
  GatewaySchemaLoadOrUpdateCallback,
} from '@apollo/server-gateway-interface';
import { execute, type ExecutionResult, type GraphQLSchema } from 'graphql';

import { classifyOperation } from '../pipeline/route';
import type { SchemaManager } from '../seek/schemaManager';
import type { GatewayContext } from './context';
import { LOCAL_ROOT_FIELDS } from './gatewaySchema';

/**
 * Apollo Server's gateway hook over the schema manager: Apollo validates against the schema in
 * force and is told of every swap. It executes only what the pipeline hands it (operations
 * with gateway fields or introspection): SEEK-only operations never reach Apollo, the
 * pipeline forwards them.
 */
export const createApolloGateway = (schemas: SchemaManager): GatewayInterface => {
  // Apollo hands back the schema it validated with; this finds the matching executable one.
  const executables = new WeakMap<GraphQLSchema, () => GraphQLSchema>();
  const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  const unsubscribe = schemas.onChange((version) => {
    executables.set(version.api, version.executable);
    for (const listener of listeners)
      listener({ apiSchema: version.api, coreSupergraphSdl: version.fingerprint });
  });

  const executor: GatewayExecutor = async (requestContext) => {
    const local =
      classifyOperation(requestContext.document, requestContext.operation, LOCAL_ROOT_FIELDS) ===
      'local';
    return execute({
      schema: local
        ? requestContext.schema
        : (executables.get(requestContext.schema)?.() ?? requestContext.schema),
      document: requestContext.document,
      operationName: requestContext.request.operationName,
      variableValues: requestContext.request.variables,
      contextValue: requestContext.context as GatewayContext,
    }) as Promise<ExecutionResult>;
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      const version = schemas.current();
      if (!version) throw new Error('the schema manager must be started before Apollo Server');
      executables.set(version.api, version.executable);
      for (const listener of listeners)
        listener({ apiSchema: version.api, coreSupergraphSdl: version.fingerprint });
      return { executor };
    },
    async stop() {
      unsubscribe();
    },
  };
};
