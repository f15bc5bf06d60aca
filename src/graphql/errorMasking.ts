import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { ErrorCode, isGatewayError } from '../errors';
import { describeError, type Logger } from '../observability/logger';

/**
 * Apollo's formatError: the gateway's own errors, GraphQL's validation errors and SEEK's errors
 * go out as they are; anything unexpected (a bug, a library's message that might hold a URL or
 * a token) becomes a generic INTERNAL_SERVER_ERROR, and its detail goes to the log only.
 */
export const createErrorMasker =
  (logger: Logger) =>
  (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // graphql-js's token limit (parseOptions.maxTokens) quotes the configured limit; hide it
    // as GraphQL Armor's other limits do.
    if (TOKEN_LIMIT_MESSAGE.test(formatted.message)) {
      return withoutStack({
        ...formatted,
        message: 'Syntax Error: Document contains too many tokens. Parsing aborted.',
      });
    }
    const original = unwrapResolverError(error);
    if (isGatewayError(original)) return withoutStack(formatted);
    if (
      original instanceof GraphQLError &&
      !(original.originalError && !(original.originalError instanceof GraphQLError))
    ) {
      return withoutStack(formatted);
    }
    if (!(original instanceof Error)) return withoutStack(formatted);
    logger.error(
      { err: describeError(original), path: formatted.path },
      'unexpected error; masked in the response',
    );
    return {
      message: 'Internal server error',
      path: formatted.path,
      extensions: { code: ErrorCode.InternalServerError },
    };
  };

const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] \d+ tokens\b/;

const withoutStack = (formatted: GraphQLFormattedError): GraphQLFormattedError => {
  if (!formatted.extensions || !('stacktrace' in formatted.extensions)) return formatted;
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
};
