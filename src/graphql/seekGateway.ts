import type {
  GatewayExecutor,
  GatewayInterface,
  GatewaySchemaLoadOrUpdateCallback,
} from '@apollo/server-gateway-interface';
import { execute, type ExecutionResult, type GraphQLSchema } from 'graphql';

import { isGatewayError } from '../errors';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { parseSeekResult, type Forwarder } from '../seek/forwarder';
import type { LoadedSchema } from '../seek/schemaSource';
import type { GatewayContext } from './context';
import { LOCAL_ROOT_FIELDS, type GatewaySchema } from './gatewaySchema';
import { classifyOperation } from './operationRoute';

export interface SchemaVersion {
  /** SEEK's schema with the gateway's additions, what clients see. */
  schema: GraphQLSchema;
  /** Executable schema for mixed operations (built on first use). */
  executable: () => GraphQLSchema;
  /** Fingerprint of SEEK's schema source, to tell whether a polled schema changed. */
  fingerprint: string;
  /** Increases with every swap; caches keyed on the schema check it. */
  generation: number;
}

export interface SeekGatewayOptions {
  loadSeekSchema: () => Promise<LoadedSchema>;
  buildSchema: (seekSchema: GraphQLSchema) => GatewaySchema;
  forwarder: Forwarder;
  /** Poll SEEK's schema this often; undefined: never. */
  pollMs: number | undefined;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Apollo Server's gateway hook: it owns the schema (and swaps it when SEEK's changes, without
 * dropping requests) and executes operations. An operation with only SEEK fields goes to SEEK
 * as the client wrote it, in one request; anything else runs on the merged schema.
 */
export const createSeekGateway = (options: SeekGatewayOptions) => {
  const { logger, metrics } = options;
  const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  let version: SchemaVersion | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let polling = false;

  // Apollo hands us back the schema it validated with; this finds the matching executable one.
  const executables = new WeakMap<GraphQLSchema, () => GraphQLSchema>();
  const install = (loaded: LoadedSchema) => {
    const built = options.buildSchema(loaded.schema);
    executables.set(built.api, built.executable);
    version = {
      schema: built.api,
      executable: built.executable,
      fingerprint: loaded.fingerprint,
      generation: (version?.generation ?? 0) + 1,
    };
    for (const listener of listeners)
      listener({ apiSchema: built.api, coreSupergraphSdl: loaded.fingerprint });
  };

  const poll = async () => {
    if (polling || !version) return;
    polling = true;
    try {
      const loaded = await options.loadSeekSchema();
      if (loaded.fingerprint === version.fingerprint) {
        metrics.schemaReloads.inc({ result: 'unchanged' });
        return;
      }
      // The new SDL is remembered only once the schema built: a failed build is retried next time.
      install(loaded);
      metrics.schemaReloads.inc({ result: 'updated' });
      logger.info(
        { generation: version.generation },
        'SEEK schema changed; swapped in the new one',
      );
    } catch (error) {
      metrics.schemaReloads.inc({ result: 'failed' });
      logger.warn(
        { err: { message: (error as Error).message } },
        'SEEK schema poll failed; keeping the current schema',
      );
    } finally {
      polling = false;
    }
  };

  const executor: GatewayExecutor = async (requestContext) => {
    const context = requestContext.context as GatewayContext;
    const route = classifyOperation(
      requestContext.document,
      requestContext.operation,
      LOCAL_ROOT_FIELDS,
    );
    if (route !== 'seek') {
      return execute({
        schema:
          route === 'mixed'
            ? (executables.get(requestContext.schema)?.() ?? requestContext.schema)
            : requestContext.schema,
        document: requestContext.document,
        operationName: requestContext.request.operationName,
        variableValues: requestContext.request.variables,
        contextValue: context,
      }) as Promise<ExecutionResult>;
    }
    try {
      const result = await options.forwarder.forward({
        query: requestContext.source,
        operationName: requestContext.request.operationName,
        variables: requestContext.request.variables,
        isMutation: requestContext.operation.operation === 'mutation',
        caller: context.caller,
        requestId: context.requestId,
        sessionId: context.sessionId,
        acceptLanguage: context.acceptLanguage,
      });
      context.upstreamStatus = result.upstreamStatus;
      return parseSeekResult(result.body);
    } catch (error) {
      if (isGatewayError(error)) return { errors: [error] };
      throw error;
    }
  };

  const gateway: GatewayInterface = {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      install(await options.loadSeekSchema());
      if (options.pollMs) {
        pollTimer = setInterval(() => void poll(), options.pollMs);
        pollTimer.unref();
      }
      return { executor };
    },
    async stop() {
      clearInterval(pollTimer);
    },
  };

  return {
    gateway,
    /** The schema in force, or undefined before the first load. */
    current: (): SchemaVersion | undefined => version,
    /** Polls once now (tests, and the interval). */
    poll,
  };
};

export type SeekGateway = ReturnType<typeof createSeekGateway>;
