import { ApolloServer, type ApolloServerOptions } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GatewayInterface } from '@apollo/server-gateway-interface';

import type { Logger } from '../observability/logger';
import type { GatewayContext } from './context';
import { errorReportingPlugin, maskError } from './errorMasking';

/**
 * The document an IDE starts with when it also starts with the embedded default's service key
 * (Sandbox and GraphiQL alike): it answers at once.
 */
export const STARTER_DOCUMENT =
  '{\n  version\n  self {\n    partner {\n      name\n    }\n  }\n}\n';

export interface ApolloOptions {
  gateway: GatewayInterface;
  introspection: boolean;
  /** Apollo Sandbox is the landing page (GRAPHQL_IDE=sandbox); otherwise Apollo has none. */
  sandbox: boolean;
  production: boolean;
  logger: Logger;
  /** Headers Sandbox starts with (the embedded default's development key). */
  sandboxHeaders?: Record<string, string>;
  /** Apollo's cache of parsed documents (createExecutedDocuments().store). */
  executedDocuments: ApolloServerOptions<GatewayContext>['documentStore'];
}

/**
 * Apollo Server, as the pipeline's execution stage and Sandbox's host. Requests reach it only
 * from the pipeline (src/pipeline/), which has already read, validated and authorised them,
 * so nothing here re-states a rule of the pipeline: no limits, no CSRF, no status codes.
 */
export const createApolloServer = (options: ApolloOptions) =>
  new ApolloServer<GatewayContext>({
    gateway: options.gateway,
    introspection: options.introspection,
    // For the landing page's own route; GraphQL requests never come through Apollo's HTTP layer.
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT (drain HTTP first, then stop); Apollo's own handlers raced it.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // Bounded by the source text its documents hold (src/graphql/executedDocuments.ts); without
    // one, Apollo parses and validates every operation it runs again, the pipeline's validation
    // notwithstanding (a browserToken call then cost ~2x more CPU).
    documentStore: options.executedDocuments,
    hideSchemaDetailsFromClientErrors: options.production,
    formatError: maskError,
    logger: {
      debug: (message) => options.logger.debug(message),
      info: (message) => options.logger.info(message),
      warn: (message) => options.logger.warn(message),
      error: (message) => options.logger.error(message),
    },
    plugins: [
      errorReportingPlugin(options.logger),
      // Installed by default, and pure cost here: cache control computes a cache policy at every
      // field it resolves, for a Cache-Control header the pipeline never sends (every answer is
      // no-store); inline traces are for federated subgraphs, which this is not.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      options.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({
            embed: true,
            includeCookies: false,
            ...(options.sandboxHeaders
              ? {
                  headers: options.sandboxHeaders,
                  document: STARTER_DOCUMENT,
                }
              : {}),
          })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });

export type GatewayApolloServer = ReturnType<typeof createApolloServer>;
