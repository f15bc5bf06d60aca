import type { ApolloServer } from '@apollo/server';

import { ErrorCode, GatewayError } from '../errors';
import { forwardRequestOf } from '../pipeline/forward';
import type { ExecuteStage } from '../pipeline';
import type { Forwarder } from '../seek/forwarder';
import type { GatewayContext } from './context';

/**
 * The pipeline's execution branch: operations with gateway fields or introspection run on
 * Apollo Server (executeOperation), with a context whose `forward` sends SEEK's part through
 * the pipeline's one request builder.
 */
export const createApolloExecution =
  (apollo: ApolloServer<GatewayContext>, forwarder: Forwarder): ExecuteStage =>
  async (state, request) => {
    if (!state.caller) throw new Error('execution before the caller was resolved');
    const context: GatewayContext = {
      caller: state.caller,
      requestId: state.requestId,
      report: { gatewayErrorStatus: undefined, gatewayErrorHeaders: undefined },
      forward: async (fields) => {
        const forwarded = await forwarder.forward(forwardRequestOf(state, fields));
        state.upstreamStatus = forwarded.upstreamStatus;
        return forwarded;
      },
    };
    const response = await apollo.executeOperation(
      { query: request.query, operationName: request.operationName, variables: request.variables },
      { contextValue: context },
    );
    if (response.body.kind !== 'single') {
      // Incremental delivery (@defer, @stream) is not enabled: a single result is all there is.
      throw new GatewayError(ErrorCode.InternalServerError, 'Internal server error');
    }
    return {
      result: response.body.singleResult,
      gatewayErrorStatus: context.report.gatewayErrorStatus,
      gatewayErrorHeaders: context.report.gatewayErrorHeaders,
    };
  };
