// Who may ask for what. Two layers, mirroring SEEK:
//  - per root field: a browser token needs the field's scope; some fields are partner-only.
//    Checked for the whole operation before execution (see graphqlRoute.ts).
//  - per hirer: a browser token only sees its own hirer; a partner token only hirers it has a
//    relationship with. Checked in resolvers, since the hirer comes from arguments or data.
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { SimulatorWorld } from './seedData';
import type { TokenRecord } from './tokens';

export interface GraphqlContext {
  /** Undefined only for introspection-only operations sent without a token. */
  token: TokenRecord | undefined;
  world: SimulatorWorld;
  schemaRevision: number;
}

export interface FieldRule {
  /** Scope a browser token must hold. Partner tokens are never scope-limited. */
  scope?: string;
  partnerOnly?: boolean;
}

/** Keyed by `Query.field` / `Mutation.field`; root fields not listed only need a valid token. */
export const ROOT_FIELD_RULES: Readonly<Record<string, FieldRule>> = {
  'Query.hiringOrganization': { scope: 'query:organizations' },
  'Query.currencies': { scope: 'query:ontologies' },
  'Query.payTypes': { scope: 'query:ontologies' },
  'Query.jobCategories': { scope: 'query:ontologies' },
  'Query.location': { scope: 'query:ontologies' },
  'Query.positionProfile': { scope: 'query:position-profiles' },
  'Mutation.createApplicationQuestionnaire': { scope: 'mutate:application-questionnaires' },
  'Mutation.createWebhookSubscription': { partnerOnly: true },
};

export const INTROSPECTION_FIELDS: ReadonlySet<string> = new Set([
  '__schema',
  '__type',
  '__typename',
]);

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

/**
 * Names of the operation's root fields. Follows fragment spreads and inline fragments but
 * ignores @skip/@include: requiring scopes for a skipped field is conservative, never unsafe.
 */
export function rootFieldNames(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): string[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const names = new Set<string>();
  const visited = new Set<string>(); // fragment cycles are a validation error, but don't loop
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        names.add(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return [...names];
}

/** The first rule the token breaks on the operation's root fields, as a FORBIDDEN error. */
export function checkRootFieldRules(
  token: TokenRecord,
  rootTypeName: string,
  fieldNames: readonly string[],
): GraphQLError | undefined {
  if (token.kind === 'partner') return undefined;
  for (const field of fieldNames) {
    const rule = ROOT_FIELD_RULES[`${rootTypeName}.${field}`];
    if (rule?.partnerOnly) {
      return forbidden(`${rootTypeName}.${field} requires a partner token`);
    }
    if (rule?.scope !== undefined && !token.scopes.includes(rule.scope)) {
      return forbidden(`${rootTypeName}.${field} requires the ${rule.scope} scope`);
    }
  }
  return undefined;
}

/** Throws FORBIDDEN unless the context's token may act for `hirerId`. */
export function assertHirerAccess(context: GraphqlContext, hirerId: string): void {
  const token = requireToken(context);
  if (token.kind === 'browser') {
    if (token.hirerId !== hirerId)
      throw forbidden('Browser token is not authorised for this hirer');
    return;
  }
  if (!context.world.hirers.some((hirer) => hirer.id === hirerId)) {
    throw forbidden('Partner has no relationship with this hirer');
  }
}

/** Resolvers behind a token check always have a token; this makes that explicit for the types. */
export function requireToken(context: GraphqlContext): TokenRecord {
  if (context.token === undefined) throw unauthenticated('Missing access token');
  return context.token;
}
