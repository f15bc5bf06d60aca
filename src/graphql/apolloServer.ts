import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ValidationRule } from 'graphql';

import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import type { RequestRecorder } from '../observability/requestLog';
import type { GatewayContext } from './context';
import { createErrorMasker } from './errorMasking';
import { errorStatusPlugin } from './plugins/errorStatus';
import { requestLogPlugin } from './plugins/requestLog';

/** Query limits (GraphQL Armor) as validation rules, shared by Apollo and the passthrough lane. */
export const createQueryLimits = (limits: Config['graphql']) => {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, exposeLimits: false, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: false },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: false },
    costLimit: { maxCost: limits.maxCost, exposeLimits: false, ignoreIntrospection: true },
    // Token limits go through graphql-js's own parser option (Apollo answers 400 with it;
    // Armor's plugin answered an over-long query with HTTP 500).
    maxTokens: { enabled: false },
    // Apollo's hideSchemaDetailsFromClientErrors does this where it matters (production).
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect();
};

export interface ApolloOptions {
  gateway: GatewayInterface;
  config: Config;
  logger: Logger;
  record: RequestRecorder;
  limits: { plugins: ApolloServerPlugin[]; validationRules: ValidationRule[] };
  /** Headers Sandbox starts with (the embedded default's development key). */
  sandboxHeaders?: Record<string, string>;
  extraPlugins?: ApolloServerPlugin<GatewayContext>[];
}

export const createApolloServer = (options: ApolloOptions) => {
  const { config } = options;
  return new ApolloServer<GatewayContext>({
    gateway: options.gateway,
    introspection: config.graphql.introspection,
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT (drain HTTP first, then stop); Apollo's own handlers raced it.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.environment === 'production',
    parseOptions: { maxTokens: config.graphql.maxTokens },
    validationRules: options.limits.validationRules,
    formatError: createErrorMasker(options.logger),
    logger: {
      debug: (message) => options.logger.debug(message),
      info: (message) => options.logger.info(message),
      warn: (message) => options.logger.warn(message),
      error: (message) => options.logger.error(message),
    },
    plugins: [
      ...(options.limits.plugins as ApolloServerPlugin<GatewayContext>[]),
      requestLogPlugin(options.record),
      errorStatusPlugin(),
      config.graphql.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({
            embed: true,
            includeCookies: false,
            ...(options.sandboxHeaders
              ? {
                  headers: options.sandboxHeaders,
                  document: '{\n  version\n  self {\n    partner {\n      name\n    }\n  }\n}\n',
                }
              : {}),
          })
        : ApolloServerPluginLandingPageDisabled(),
      ...(options.extraPlugins ?? []),
    ],
  });
};
