import { createHash } from 'node:crypto';

import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  getVariableValues,
  specifiedRules,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
  type VariableDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';

import { ErrorCode, GatewayError, GatewayErrors } from '../errors';
import type { RequestTrace } from '../observability/tracing';
import { classifyOperation, type OperationRoute } from './route';

/** What the pipeline keeps of one operation of a valid document. */
export interface PreparedOperation {
  name: string | undefined;
  type: OperationDefinitionNode['operation'];
  route: OperationRoute;
  variableDefinitions: readonly VariableDefinitionNode[];
}

/** A document, parsed and validated once: its operations, or why it cannot run. */
export type PreparedDocument =
  | { valid: true; operations: readonly PreparedOperation[] }
  | { valid: false; errors: readonly GatewayError[] };

export interface DocumentCacheBounds {
  /** @default 2000 */
  maxEntries?: number;
  /** Characters held in all (keys, error messages, per-operation overhead). @default 16 MiB */
  maxChars?: number;
}

export interface DocumentsOptions {
  /** graphql's parse with the token limit; throws a GraphQLError (code GRAPHQL_PARSE_FAILED). */
  parse: (source: string) => DocumentNode;
  /** The query limits' rules (depth, aliases, cost, directives). */
  limitRules: readonly ValidationRule[];
  introspection: boolean;
  /** Root fields the gateway answers itself. */
  localRootFields: ReadonlySet<string>;
  /** Drop "Did you mean …?" from messages: they describe the schema to anyone (production). */
  hideSuggestions: boolean;
  bounds?: DocumentCacheBounds;
}

/** Documents up to this length are their own cache key; longer ones are keyed by a digest. */
const MAX_KEY_CHARS = 4_096;
const OVERHEAD_CHARS = 128;
const MAX_VALIDATION_ERRORS = 20;
const MAX_VARIABLE_ERRORS = 10;

/**
 * SEEK has no subscriptions (it sends events by webhook), and a schema without a mutation type
 * runs no mutations: both refused in validation, before anything would try to run them.
 */
const RootTypeExistsRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(node) {
    if (node.operation === OperationTypeNode.SUBSCRIPTION)
      context.reportError(
        new GraphQLError('Subscriptions are not supported: SEEK sends events by webhook', {
          nodes: node,
        }),
      );
    else if (!context.getSchema().getRootType(node.operation))
      context.reportError(
        new GraphQLError(`This schema has no ${node.operation} operations`, { nodes: node }),
      );
  },
});

const SUGGESTION = / Did you mean .*\?$/;

const asGatewayError = (
  error: GraphQLError,
  fallbackCode: ErrorCode,
  hideSuggestions: boolean,
): GatewayError => {
  const { code, ...extensions } = error.extensions as { code?: unknown };
  const cached = new GatewayError(
    typeof code === 'string' && code in CODES ? (code as ErrorCode) : fallbackCode,
    detached(hideSuggestions ? error.message.replace(SUGGESTION, '') : error.message),
    detached(extensions),
    // Its locations, not its source: the verdict is cached, the document's text must not be.
    { locations: detached(error.locations) },
  );
  // A new error's stack is kept unformatted, holding the frames' arguments (the document among
  // them) until it is read: reading it once turns it into a short string.
  void cached.stack;
  return cached;
};

/**
 * A copy that holds nothing of the document's text: an AST node without `loc` (which points at
 * the source), and strings made anew (V8 keeps a string cut from a larger one as a slice that
 * holds the whole larger one). What the cache keeps goes through here.
 */
const detached = <T>(value: T): T =>
  value === undefined
    ? value
    : (JSON.parse(
        JSON.stringify(value, (key, inner: unknown) => (key === 'loc' ? undefined : inner)),
      ) as T);
const CODES: Record<string, true> = {
  [ErrorCode.GraphqlParseFailed]: true,
  [ErrorCode.GraphqlValidationFailed]: true,
};

const sizeOf = (key: string, prepared: PreparedDocument) =>
  key.length +
  OVERHEAD_CHARS +
  (prepared.valid
    ? prepared.operations.reduce(
        (sum, operation) =>
          sum +
          OVERHEAD_CHARS * (1 + operation.variableDefinitions.length) +
          (operation.name?.length ?? 0),
        0,
      )
    : prepared.errors.reduce((sum, error) => sum + error.message.length + OVERHEAD_CHARS, 0));

/**
 * Stage 5: parse and validate a document once per schema version, with one rule list for
 * every entry (GraphQL's rules, the query limits, introspection, no subscriptions), and pick
 * the operation to run. The cache is bounded in entries and characters, whatever callers send;
 * the operation name is not part of its key.
 */
export const createDocuments = (options: DocumentsOptions) => {
  const rules: readonly ValidationRule[] = [
    ...specifiedRules,
    ...options.limitRules,
    RootTypeExistsRule,
    ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  const newCache = () =>
    new LRUCache<string, PreparedDocument>({
      max: options.bounds?.maxEntries ?? 2_000,
      maxSize: options.bounds?.maxChars ?? 16 * 1_048_576,
      sizeCalculation: (prepared, key) => sizeOf(key, prepared),
    });
  let cache = newCache();
  let cachedFor: GraphQLSchema | undefined;

  const prepareUncached = (schema: GraphQLSchema, source: string): PreparedDocument => {
    let document: DocumentNode;
    try {
      document = options.parse(source);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return {
        valid: false,
        errors: [asGatewayError(error, ErrorCode.GraphqlParseFailed, false)],
      };
    }
    const errors = validate(schema, document, rules, { maxErrors: MAX_VALIDATION_ERRORS });
    if (errors.length > 0) {
      return {
        valid: false,
        errors: errors.map((error) =>
          asGatewayError(error, ErrorCode.GraphqlValidationFailed, options.hideSuggestions),
        ),
      };
    }
    const operations: PreparedOperation[] = [];
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      operations.push({
        name: detached(definition.name?.value),
        type: definition.operation,
        route: classifyOperation(document, definition, options.localRootFields),
        variableDefinitions: detached(definition.variableDefinitions ?? []),
      });
    }
    return { valid: true, operations };
  };

  /**
   * The document's verdict for this schema, from the cache when it has been seen. Parsing and
   * validating (a cache miss) is the request's `validate document` span when it is traced.
   */
  const prepare = (
    schema: GraphQLSchema,
    source: string,
    trace?: RequestTrace,
  ): PreparedDocument => {
    if (schema !== cachedFor) {
      // A new schema version: every verdict is judged again.
      cache = newCache();
      cachedFor = schema;
    }
    const key =
      source.length <= MAX_KEY_CHARS
        ? source
        : `#${createHash('sha256').update(source).digest('base64url')}`;
    let prepared = cache.get(key);
    if (prepared === undefined) {
      prepared = trace
        ? trace.stage('validate document', () => prepareUncached(schema, source))
        : prepareUncached(schema, source);
      cache.set(key, prepared);
    }
    return prepared;
  };

  /** The operation to run: the one named, or the only one. */
  const selectOperation = (
    prepared: Extract<PreparedDocument, { valid: true }>,
    operationName: string | undefined,
  ): PreparedOperation => {
    const { operations } = prepared;
    if (operationName === undefined) {
      if (operations.length === 1) return operations[0] as PreparedOperation;
      throw new GatewayError(
        ErrorCode.OperationResolutionFailure,
        'The document has several operations: name the one to run in operationName',
      );
    }
    const found = operations.find((operation) => operation.name === operationName);
    if (!found) {
      throw new GatewayError(
        ErrorCode.OperationResolutionFailure,
        // The name is the caller's and may be anything: it is not quoted back.
        'operationName names no operation of the document',
      );
    }
    return found;
  };

  /** Variables that do not fit the operation's definitions are refused before SEEK sees them. */
  const checkVariables = (
    schema: GraphQLSchema,
    operation: PreparedOperation,
    variables: Record<string, unknown> | undefined,
  ): void => {
    if (operation.variableDefinitions.length === 0) return;
    const coerced = getVariableValues(schema, operation.variableDefinitions, variables ?? {}, {
      maxErrors: MAX_VARIABLE_ERRORS,
    });
    if (coerced.errors) {
      throw new GatewayErrors(
        coerced.errors.map(
          (error) =>
            new GatewayError(
              ErrorCode.BadUserInput,
              error.message,
              {},
              { source: error.source, positions: error.positions },
            ),
        ),
      );
    }
  };

  return {
    prepare,
    /** The verdict without the cache: for the manifest, which holds its own verdicts. */
    prepareUncached,
    selectOperation,
    checkVariables,
    cacheStats: () => ({ entries: cache.size, chars: cache.calculatedSize }),
  };
};

export type Documents = ReturnType<typeof createDocuments>;
