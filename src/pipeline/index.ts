import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { OperationTypeNode, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';

import type { CallerResolver } from '../callers/resolveCaller';
import { ErrorCode, GatewayError, GatewayErrors, isGatewayError } from '../errors';
import { describeError, type Logger } from '../observability/logger';
import type { RequestRecord, RequestRecorder } from '../observability/requestLog';
import { isWholeUnauthenticated, type Forwarder } from '../seek/forwarder';
import { writeErrors, writeExecutionResult, writeSeekAnswer } from './answer';
import type { AttachmentStage } from './attachments';
import type { BodyLimits } from './body';
import type { Documents } from './documents';
import { forwardRequestOf } from './forward';
import { singleHeader } from './headers';
import { negotiateMediaType } from './negotiate';
import { readOperationRequest } from './operationRequest';
import type { PersistedQueries } from './persistedQueries';
import type { RequestState } from './state';

/** An operation the gateway runs itself (gateway fields, introspection, mixed operations). */
export interface ExecutionRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}
export interface ExecutionOutcome {
  result: FormattedExecutionResult;
  /** The status of the gateway's own error, when one failed the operation … */
  gatewayErrorStatus: number | undefined;
  /** … and the headers it asks for (Retry-After). */
  gatewayErrorHeaders: Readonly<Record<string, string>> | undefined;
}
/** Stage 6's execution branch: Apollo Server, in this gateway (src/graphql/apolloExecution.ts). */
export type ExecuteStage = (
  state: RequestState,
  request: ExecutionRequest,
) => Promise<ExecutionOutcome>;

export interface PipelineOptions {
  /** SEEK's schema with the gateway's additions, as in force now. */
  currentSchema: () => GraphQLSchema | undefined;
  callers: CallerResolver;
  documents: Documents;
  persistedQueries: PersistedQueries;
  forwarder: Forwarder;
  execute: ExecuteStage;
  /** GET /attachments' own stages (what to fetch, the download); the rest are these. */
  attachments: AttachmentStage;
  /**
   * Told of every browser token SEEK refused as a whole (UNAUTHENTICATED) on its way through,
   * so a cached copy of it is not handed out again.
   */
  onBrowserTokenRefused?: (accessToken: string) => void;
  body: BodyLimits;
  record: RequestRecorder;
  logger: Logger;
}

/**
 * The one request pipeline of /graphql. Every entry (POST from a server, POST from a browser
 * after CORS, GET, persisted queries) runs the same stages in the same order:
 *
 *   1 request id and response headers        beginRequest
 *   2 body, within size and time limits      body.ts (through 3)
 *   3 operation request: method, CSRF,       operationRequest.ts, csrf.ts, jsonBody.ts
 *     content type, JSON or GET parameters
 *   4 caller                                 callers/resolveCaller.ts
 *   5 document: persisted id, parse and      persistedQueries.ts, documents.ts
 *     validate (one rule list, cached), operation, variables
 *   6 route: SEEK-only operations are forwarded as they are (the fast lane); the rest is
 *     executed by Apollo Server                 route.ts, ExecuteStage
 *   7 the call to SEEK: one request builder   forward.ts, seek/forwarder.ts
 *   8 the answer: one writer                 answer.ts, negotiate.ts
 *   9 one log line and metrics               recordRequest
 *
 * The fast lane is not a second copy of these rules: it is stage 6 choosing "forward the
 * validated operation" instead of execution, as Apollo's responseForOperation does.
 *
 * GET /attachments runs the same stages 1, 4, 8 and 9 (`serve`, `resolveCaller`, `fail`,
 * `recordRequest`); its own (the URL check, the download) are attachments.ts.
 */
export const createPipeline = (options: PipelineOptions) => {
  const { logger } = options;

  const beginRequest = (req: IncomingMessage, res: ServerResponse): RequestState => {
    // Always ours, fresh per request: a caller's X-Request-Id is not trusted to be unique.
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    res.setHeader('cache-control', 'no-store');
    return {
      req,
      res,
      requestId,
      started: performance.now(),
      method: req.method ?? 'GET',
      mediaType: 'application/json',
      operationRead: false,
      caller: undefined,
      operationName: undefined,
      operationType: undefined,
      route: 'refused',
      upstreamStatus: undefined,
      status: 0,
      errorCodes: undefined,
      hadData: false,
      download: undefined,
    };
  };

  /** Stage 4: who is calling. A token claiming our issuer is verified once, without deciding its kind again. */
  const resolveCaller = async (state: RequestState) => {
    const authorization = singleHeader(state.req.headers, 'authorization');
    const decided = options.callers.resolveSync(authorization);
    state.caller = 'verify' in decided ? await options.callers.verifyUser(decided.verify) : decided;
  };

  const run = async (state: RequestState) => {
    const { req } = state;
    state.mediaType = negotiateMediaType(singleHeader(req.headers, 'accept'));
    const request = await readOperationRequest(req, options.body);
    // From here on the request is a GraphQL request: answers take the negotiated media type.
    state.operationRead = true;
    state.operationName = request.operationName;

    await resolveCaller(state);

    const schema = options.currentSchema();
    if (!schema)
      throw new GatewayError(ErrorCode.SeekUnavailable, "SEEK's schema is not loaded yet");
    const { query, register } = options.persistedQueries.documentOf(request);
    const prepared = options.documents.prepare(schema, query);
    if (!prepared.valid) throw new GatewayErrors(prepared.errors);
    register?.();
    const operation = options.documents.selectOperation(prepared, request.operationName);
    state.operationType = operation.type;
    state.operationName = request.operationName ?? operation.name;
    if (state.method === 'GET' && operation.type !== OperationTypeNode.QUERY) {
      throw new GatewayError(
        ErrorCode.MethodNotAllowed,
        'Only queries may be sent by GET: send mutations by POST',
        {},
        { headers: { allow: 'POST' } },
      );
    }
    options.documents.checkVariables(schema, operation, request.variables);

    if (operation.route === 'seek') {
      const forward = forwardRequestOf(state, {
        query,
        operationName: request.operationName,
        variables: request.variables,
        isMutation: operation.type === OperationTypeNode.MUTATION,
      });
      state.route = 'forward';
      const forwarded = await options.forwarder.forward(forward);
      writeSeekAnswer(state, forwarded);
      if (forward.caller.kind === 'seek-token' && isWholeUnauthenticated(forwarded.result))
        options.onBrowserTokenRefused?.(forward.caller.accessToken);
      return;
    }
    state.route = 'execute';
    const executed = await options.execute(state, {
      query,
      operationName: request.operationName,
      variables: request.variables,
    });
    writeExecutionResult(state, executed);
  };

  const fail = (state: RequestState, error: unknown) => {
    if (error instanceof GatewayErrors) return writeErrors(state, error.errors);
    if (isGatewayError(error)) {
      // SEEK answered, but not with something to pass on (5xx, not GraphQL): its status is logged.
      const { upstreamStatus } = error.extensions as { upstreamStatus?: unknown };
      if (typeof upstreamStatus === 'number') state.upstreamStatus = upstreamStatus;
      return writeErrors(state, [error]);
    }
    if (state.res.headersSent) return;
    logger.error(
      { requestId: state.requestId, err: describeError(error) },
      'unexpected error; answered INTERNAL_SERVER_ERROR',
    );
    writeErrors(state, [new GatewayError(ErrorCode.InternalServerError, 'Internal server error')]);
  };

  const runAttachment = async (state: RequestState) => {
    const url = options.attachments.target(state);
    await resolveCaller(state);
    await options.attachments.download(state, url);
  };

  const recordRequest = (state: RequestState, endpoint: RequestRecord['endpoint']) => {
    options.record({
      endpoint,
      requestId: state.requestId,
      method: state.method,
      callerKind: state.caller?.kind ?? 'unknown',
      operationName: state.operationName,
      operationType: state.operationType,
      outcome: !state.errorCodes ? 'ok' : state.route === 'refused' ? 'rejected' : 'error',
      httpStatus: state.status,
      upstreamStatus: state.upstreamStatus,
      durationMs: performance.now() - state.started,
      route: state.route,
      errorCodes: state.errorCodes,
      download: state.download,
    });
  };

  /** One request through the shared frame: id and headers, the stages, the error writer, the record. */
  const serve =
    (endpoint: RequestRecord['endpoint'], stages: (state: RequestState) => Promise<void>) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const state = beginRequest(req, res);
      try {
        await stages(state);
      } catch (error) {
        fail(state, error);
      }
      try {
        recordRequest(state, endpoint);
      } catch (error) {
        logger.error(
          { requestId: state.requestId, err: describeError(error) },
          'request log failed',
        );
      }
    };

  return {
    /** The node:http handler of /graphql (after CORS, for requests from browsers). */
    handle: serve('graphql', run),
    /** The node:http handler of GET /attachments. */
    handleAttachment: serve('attachments', runAttachment),
  };
};

export type Pipeline = ReturnType<typeof createPipeline>;
