import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { ErrorCode, isGatewayError } from '../errors';
import { describeError, type Logger } from '../observability/logger';
import type { GatewayContext } from './context';

/**
 * True for errors whose message was written for the caller: the gateway's own, GraphQL's,
 * and SEEK's (passed through as GraphQLErrors). Anything else (a bug, a library's message
 * that might hold a URL or a token) is masked.
 */
const isExposable = (error: unknown): boolean => {
  const original = unwrapResolverError(error);
  if (isGatewayError(original)) return true;
  if (original instanceof GraphQLError)
    return !(original.originalError && !(original.originalError instanceof GraphQLError));
  return !(original instanceof Error);
};

/** Apollo's formatError: unexpected errors become a generic INTERNAL_SERVER_ERROR. */
export const maskError = (
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError => {
  if (isExposable(error)) return withoutStack(formatted);
  return {
    message: 'Internal server error',
    path: formatted.path,
    extensions: { code: ErrorCode.InternalServerError },
  };
};

/**
 * Sees the original errors of every executed operation: logs the masked ones (scrubbed, with
 * the request id, so a caller quoting the id finds the detail) and notes the status of the
 * gateway's own first error for the answer.
 */
export const errorReportingPlugin = (logger: Logger): ApolloServerPlugin<GatewayContext> => ({
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors) {
          const original = unwrapResolverError(error);
          if (isGatewayError(original)) {
            if (contextValue.report.gatewayErrorStatus === undefined) {
              contextValue.report.gatewayErrorStatus = original.status;
              contextValue.report.gatewayErrorHeaders = original.headers;
            }
          } else if (!isExposable(error)) {
            logger.error(
              {
                requestId: contextValue.requestId,
                err: describeError(original),
                path: error.path,
              },
              'unexpected error; masked in the response',
            );
          }
        }
      },
    };
  },
});

const withoutStack = (formatted: GraphQLFormattedError): GraphQLFormattedError => {
  if (!formatted.extensions || !('stacktrace' in formatted.extensions)) return formatted;
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
};
