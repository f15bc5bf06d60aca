import type { ApolloServerPlugin } from '@apollo/server';

import type { RequestRecorder } from '../../observability/requestLog';
import type { GatewayContext } from '../context';

/** The Apollo lane's side of the one-line-per-request log and the request metrics. */
export const requestLogPlugin = (record: RequestRecorder): ApolloServerPlugin<GatewayContext> => ({
  async requestDidStart(requestContext) {
    const started = performance.now();
    let operationType: string | undefined;
    return {
      async didResolveOperation(resolved) {
        operationType = resolved.operation?.operation;
      },
      async willSendResponse({ response, contextValue, request }) {
        const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
        const errorCodes = result?.errors?.map((error) =>
          String(error.extensions?.code ?? 'UNKNOWN'),
        );
        const httpStatus = response.http.status ?? 200;
        record({
          requestId: contextValue.requestId,
          callerKind: contextValue.caller.kind,
          operationName: request.operationName ?? requestContext.operationName,
          operationType,
          outcome: !errorCodes?.length
            ? 'ok'
            : operationType && result?.data !== undefined
              ? 'error'
              : 'rejected',
          httpStatus,
          upstreamStatus: contextValue.upstreamStatus,
          durationMs: performance.now() - started,
          lane: 'apollo',
          errorCodes,
        });
      },
    };
  },
});
