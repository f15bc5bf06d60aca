import {
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';

/**
 * How SEEK's schema documentation names the scope a browser token needs for a field: "This query
 * accepts browser tokens that include the `query:ontologies` scope." (root fields: "query" or
 * "mutation"; a nested field that needs one more: "field"). Wording for other things (an
 * attachment's download URL: "This URL accepts …") is not a field's requirement.
 */
const SCOPE_ANNOTATION =
  /\bThis (?:query|mutation|field) accepts browser tokens that include the `((?:query|mutate|download):[a-z][a-z-]*)` scope\b/;

/** The browser-token scope a schema description names, if it names one. */
export const annotatedScope = (description: string | null | undefined): string | undefined =>
  description ? SCOPE_ANNOTATION.exec(description)?.[1] : undefined;

/** What a browser token needs to run a document: the scopes, and what no scope grants. */
export interface DocumentAccess {
  /** Unique and sorted: every scope the document's fields name. */
  scopes: readonly string[];
  /**
   * Root fields (`Query.candidate`) whose description names no browser-token scope: SEEK takes
   * them from partner tokens only, so no browser token may run the document.
   */
  unscopedFields: readonly string[];
}

// Per field definition of a schema version: a manifest's documents share most fields, and a new
// schema has new definition objects, so this never answers for a schema that is gone.
const scopeOfField = new WeakMap<GraphQLField<unknown, unknown>, string | null>();
const fieldScope = (field: GraphQLField<unknown, unknown>): string | undefined => {
  let scope = scopeOfField.get(field);
  if (scope === undefined) {
    scope = annotatedScope(field.description) ?? null;
    scopeOfField.set(field, scope);
  }
  return scope ?? undefined;
};

/**
 * The scopes a valid document needs, from the annotations of every field it selects: the root
 * fields' and any nested field's, through fragments (every fragment of a valid document is used,
 * so visiting all definitions covers exactly what its operations can select). Every operation
 * of the document counts, and `@skip`/`@include` do not: the token must run the document
 * whichever operation and variables it is sent with. Meta fields (`__typename`, introspection)
 * need no scope.
 */
export const documentAccess = (schema: GraphQLSchema, document: DocumentNode): DocumentAccess => {
  const rootTypeNames = new Set(
    [schema.getQueryType()?.name, schema.getMutationType()?.name].filter(Boolean),
  );
  const scopes = new Set<string>();
  const unscoped = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.FIELD]() {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (!field || !parent || field.name.startsWith('__')) return;
        const scope = fieldScope(field);
        if (scope !== undefined) scopes.add(scope);
        else if (rootTypeNames.has(parent.name)) unscoped.add(`${parent.name}.${field.name}`);
      },
    }),
  );
  return { scopes: [...scopes].sort(), unscopedFields: [...unscoped].sort() };
};
