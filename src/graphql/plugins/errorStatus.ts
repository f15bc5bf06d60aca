import type { ApolloServerPlugin } from '@apollo/server';

import type { GatewayContext } from '../context';

/**
 * When an operation failed as a whole (no data) with one of the gateway's errors, answer with
 * that error's HTTP status (401, 403, 429, 502, 504 …) instead of 200, and put the request id
 * on every error so a caller can quote it.
 */
export const errorStatusPlugin = (): ApolloServerPlugin<GatewayContext> => ({
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        if (!result.errors?.length) return;
        result.errors = result.errors.map((error) => ({
          ...error,
          extensions: { ...error.extensions, requestId: contextValue.requestId },
        }));
        const status = (result.errors[0]?.extensions?.http as { status?: unknown } | undefined)
          ?.status;
        if (
          result.data == null &&
          typeof status === 'number' &&
          (response.http.status ?? 200) === 200
        ) {
          response.http.status = status;
        }
        for (const error of result.errors) {
          if (error.extensions && 'http' in error.extensions)
            delete (error.extensions as Record<string, unknown>).http;
        }
      },
    };
  },
});
