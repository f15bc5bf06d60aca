// POST /graphql. Order of checks: request shape → token → parse → (no token: introspection
// only) → validation → root-field rules → execution. Whole-request failures other than
// malformed requests come back as HTTP 200 with `data: null`, as SEEK does.
import {
  execute,
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import {
  checkRootFieldRules,
  unauthenticated,
  INTROSPECTION_FIELDS,
  rootFieldNames,
  type GraphqlContext,
} from './access';
import { schemaForRevision } from './executableSchema';
import { isPlainObject, json, tryParseJson, type SimulatorResponse } from './http';
import type { SimulatorState } from './state';
import type { TokenRecord } from './tokens';

function requestError(status: number, code: string, message: string): SimulatorResponse {
  return json(status, { errors: [{ message, extensions: { code } }] });
}

function wholeRequestError(error: GraphQLError): SimulatorResponse {
  return json(200, { errors: [formatError(error)], data: null });
}

/** Every error carries an `extensions.code`; anything a resolver threw unlabelled is internal. */
function formatError(error: GraphQLError): GraphQLFormattedError {
  const formatted = error.toJSON();
  const code = formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
  return { ...formatted, extensions: { ...formatted.extensions, code } };
}

interface GraphqlRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

function parseRequest(rawBody: string): GraphqlRequest | string {
  const parsed = tryParseJson(rawBody);
  if (!parsed.ok || !isPlainObject(parsed.value)) return 'Request body must be a JSON object';
  const { query, operationName, variables } = parsed.value;
  if (typeof query !== 'string' || query.trim() === '') return 'query must be a non-empty string';
  if (operationName != null && typeof operationName !== 'string') {
    return 'operationName must be a string';
  }
  if (variables != null && !isPlainObject(variables)) return 'variables must be an object';
  return { query, operationName: operationName ?? undefined, variables: variables ?? undefined };
}

export async function handleGraphql(
  state: SimulatorState,
  bearer: string | undefined,
  rawBody: string,
): Promise<SimulatorResponse> {
  const request = parseRequest(rawBody);
  if (typeof request === 'string') return requestError(400, 'BAD_REQUEST', request);

  // A presented token must be valid even for introspection: SEEK does not ignore bad tokens.
  let token: TokenRecord | undefined;
  if (bearer !== undefined) {
    const check = state.tokens.check(bearer);
    if (!check.ok) {
      return wholeRequestError(unauthenticated(`Access token is ${check.reason}`));
    }
    token = check.token;
  }

  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'Could not parse query';
    return requestError(400, 'GRAPHQL_PARSE_FAILED', message);
  }
  const operation = getOperationAST(document, request.operationName);
  if (!operation) {
    const message = request.operationName
      ? `Unknown operation named "${request.operationName}"`
      : 'operationName is required when the document has several operations';
    return requestError(400, 'BAD_REQUEST', message);
  }
  const fields = rootFieldNames(document, operation);
  const rootTypeName = operation.operation === OperationTypeNode.MUTATION ? 'Mutation' : 'Query';

  // The gateway introspects at startup before it has a token, so introspection stays open.
  if (token === undefined && !fields.every((f) => INTROSPECTION_FIELDS.has(f))) {
    return wholeRequestError(unauthenticated('Missing access token'));
  }

  const schema = schemaForRevision(state.schemaRevision);
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) {
    return json(400, {
      errors: validationErrors.map((e) =>
        formatError(
          new GraphQLError(e.message, {
            nodes: e.nodes,
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
        ),
      ),
    });
  }

  if (token !== undefined) {
    const denied = checkRootFieldRules(token, rootTypeName, fields);
    if (denied) return wholeRequestError(denied);
  }

  const contextValue: GraphqlContext = {
    token,
    world: state.world,
    schemaRevision: state.schemaRevision,
  };
  const result: ExecutionResult = await execute({
    schema,
    document,
    operationName: request.operationName,
    variableValues: request.variables,
    contextValue,
  });
  // No `data` key at all means the variables could not be coerced: a client error.
  if (!('data' in result)) {
    return json(400, {
      errors: (result.errors ?? []).map((e) =>
        formatError(
          new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } }),
        ),
      ),
    });
  }
  return json(200, {
    ...(result.errors ? { errors: result.errors.map(formatError) } : {}),
    data: result.data ?? null,
  });
}
