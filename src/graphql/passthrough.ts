import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { NextFunction, Request, Response } from 'express';
import {
  parse,
  specifiedRules,
  validate,
  NoSchemaIntrospectionCustomRule,
  Kind,
  type ValidationRule,
} from 'graphql';

import type { CallerResolver } from '../callers/resolveCaller';
import { forwardableHeader } from '../http/headers';
import { errorBody, isGatewayError } from '../errors';
import type { Logger } from '../observability/logger';
import { describeError } from '../observability/logger';
import type { RequestRecorder } from '../observability/requestLog';
import type { Forwarder } from '../seek/forwarder';
import { LOCAL_ROOT_FIELDS } from './gatewaySchema';
import { classifyOperation } from './operationRoute';
import type { SchemaVersion } from './seekGateway';

/** What the lane remembers about a document: forward it, or leave it to Apollo Server. */
type Verdict =
  | { forward: true; isMutation: boolean; operationType: string; name: string | undefined }
  | { forward: false };

const MAX_VERDICTS = 2_000;
const MAX_KEY_CHARS = 4_096;
const LEAVE_TO_APOLLO: Verdict = { forward: false };

export interface PassthroughOptions {
  currentSchema: () => SchemaVersion | undefined;
  callers: CallerResolver;
  forwarder: Forwarder;
  /** The same rules Apollo Server validates with (GraphQL's, GraphQL Armor's limits). */
  validationRules: readonly ValidationRule[];
  introspection: boolean;
  maxTokens: number;
  record: RequestRecorder;
  logger: Logger;
}

/**
 * The fast lane for the common case: a service or a browser-token bearer POSTing an operation
 * that has only SEEK fields. The document is parsed and validated once (the verdict is cached
 * per schema version), then each request costs one upstream call and SEEK's bytes are sent
 * back untouched, without building a GraphQL result. Everything else (errors, user JWTs,
 * gateway fields, introspection, GET) falls through to Apollo Server, which answers it the
 * usual way, so both lanes give the same answers.
 */
export const createPassthrough = (options: PassthroughOptions) => {
  const rules = options.introspection
    ? options.validationRules
    : [...options.validationRules, NoSchemaIntrospectionCustomRule];
  let verdicts = new Map<string | undefined, Map<string, Verdict>>();
  let verdictCount = 0;
  let verdictGeneration = 0;

  const judge = (
    version: SchemaVersion,
    query: string,
    operationName: string | undefined,
  ): Verdict => {
    try {
      const document = parse(query, { maxTokens: options.maxTokens });
      if (validate(version.schema, document, [...specifiedRules, ...rules]).length > 0)
        return LEAVE_TO_APOLLO;
      const operations = document.definitions.filter(
        (definition) => definition.kind === Kind.OPERATION_DEFINITION,
      );
      const operation = operationName
        ? operations.find((definition) => definition.name?.value === operationName)
        : operations.length === 1
          ? operations[0]
          : undefined;
      if (!operation || operation.operation === 'subscription') return LEAVE_TO_APOLLO;
      if (classifyOperation(document, operation, LOCAL_ROOT_FIELDS) !== 'seek')
        return LEAVE_TO_APOLLO;
      return {
        forward: true,
        isMutation: operation.operation === 'mutation',
        operationType: operation.operation,
        // For the log, as Apollo's lane does: the document's name when the body gave none.
        name: operation.name?.value,
      };
    } catch {
      return LEAVE_TO_APOLLO;
    }
  };

  const verdictFor = (
    version: SchemaVersion,
    query: string,
    operationName: string | undefined,
  ): Verdict => {
    if (version.generation !== verdictGeneration) {
      verdicts = new Map();
      verdictCount = 0;
      verdictGeneration = version.generation;
    }
    // Keyed by operation name, then by document, so a request costs two lookups and no copy of
    // its query. Long documents are keyed by their digest: the cache's memory stays bounded (at
    // most MAX_VERDICTS keys of at most MAX_KEY_CHARS) whatever callers send.
    const key =
      query.length <= MAX_KEY_CHARS
        ? query
        : createHash('sha256').update(query).digest('base64url');
    let byQuery = verdicts.get(operationName);
    let verdict = byQuery?.get(key);
    if (verdict === undefined) {
      verdict = judge(version, query, operationName);
      if (verdictCount >= MAX_VERDICTS) {
        verdicts = new Map();
        verdictCount = 0;
        byQuery = undefined;
      }
      if (!byQuery) {
        byQuery = new Map();
        verdicts.set(operationName, byQuery);
      }
      byQuery.set(key, verdict);
      verdictCount += 1;
    }
    return verdict;
  };

  /**
   * Serves the request when it qualifies and answers true; answers false (having written
   * nothing) when it should go to Apollo Server instead. Node's own req/res, so the raw entry
   * in front of express and the express middleware share it.
   */
  const tryServe = async (
    req: IncomingMessage,
    res: ServerResponse,
    parsedBody: unknown,
    requestId: string,
    rawBody?: Buffer,
  ): Promise<boolean> => {
    const started = performance.now();
    const body = parsedBody as
      | { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown }
      | undefined;
    if (
      req.method !== 'POST' ||
      !body ||
      typeof body.query !== 'string' ||
      body.extensions !== undefined
    )
      return false;
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    if (
      body.operationName !== undefined &&
      body.operationName !== null &&
      operationName === undefined
    )
      return false;
    const variables = body.variables;
    if (
      variables !== undefined &&
      variables !== null &&
      (typeof variables !== 'object' || Array.isArray(variables))
    )
      return false;
    const version = options.currentSchema();
    if (!version) return false;

    let caller;
    try {
      caller = options.callers.resolveSync(req.headers.authorization);
    } catch {
      return false;
    }
    if ('verify' in caller || (caller.kind !== 'service' && caller.kind !== 'seek-token'))
      return false;
    const verdict = verdictFor(version, body.query, operationName);
    if (!verdict.forward) return false;

    let httpStatus = 200;
    let upstreamStatus: number | undefined;
    let errorCode: string | undefined;
    try {
      const result = await options.forwarder.forward({
        query: body.query,
        operationName,
        variables: variables as Record<string, unknown> | null | undefined,
        isMutation: verdict.isMutation,
        caller,
        requestId,
        rawBody: rawBody && onlyOperationFields(body) ? rawBody : undefined,
        sessionId: forwardableHeader(req.headers, 'x-session-id'),
        acceptLanguage: forwardableHeader(req.headers, 'accept-language'),
      });
      upstreamStatus = result.upstreamStatus;
      httpStatus = result.upstreamStatus;
      res.writeHead(httpStatus, JSON_HEADERS);
      res.end(result.body);
    } catch (error) {
      if (!isGatewayError(error)) {
        options.logger.error(
          { requestId, err: describeError(error) },
          'unexpected error in the passthrough lane',
        );
        throw error;
      }
      errorCode = error.code;
      httpStatus = (error.extensions.http as { status: number }).status;
      res.writeHead(httpStatus, JSON_HEADERS);
      res.end(errorBody(error, requestId));
    }
    options.record({
      requestId,
      callerKind: caller.kind,
      operationName: operationName ?? verdict.name,
      operationType: verdict.operationType,
      outcome: errorCode ? 'error' : 'ok',
      httpStatus,
      upstreamStatus,
      durationMs: performance.now() - started,
      lane: 'passthrough',
      errorCodes: errorCode ? [errorCode] : undefined,
    });
    return true;
  };

  /** The same lane as express middleware, for requests the raw entry left to express. */
  const middleware = (req: Request, res: Response, next: NextFunction) => {
    tryServe(req, res, req.body, res.locals.requestId as string).then(
      (served) => {
        if (!served) next();
      },
      (error: unknown) => next(error),
    );
  };

  return { tryServe, middleware };
};

export type Passthrough = ReturnType<typeof createPassthrough>;

const OPERATION_FIELDS = new Set(['query', 'operationName', 'variables']);
/** True when the client's body holds nothing SEEK should not see again verbatim. */
const onlyOperationFields = (body: object) =>
  Object.keys(body).every((key) => OPERATION_FIELDS.has(key));

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
