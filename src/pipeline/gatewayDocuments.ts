import type { Config } from '../config';
import { LOCAL_ROOT_FIELDS } from '../graphql/gatewaySchema';
import { createDocuments } from './documents';
import { createQueryLimits } from './limits';

/**
 * The document stage with the gateway's configured rules (GraphQL's, the query limits,
 * introspection): the gateway's pipeline and `npm run documents:check` both build it here, so a
 * manifest is checked by exactly the rules requests are.
 */
export const createGatewayDocuments = (
  graphql: Config['graphql'],
  options: { hideSuggestions: boolean },
) => {
  const limits = createQueryLimits(graphql);
  return createDocuments({
    parse: limits.parse,
    limitRules: limits.validationRules,
    introspection: graphql.introspection,
    localRootFields: LOCAL_ROOT_FIELDS,
    hideSuggestions: options.hideSuggestions,
  });
};
