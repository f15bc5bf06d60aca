import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { OperationTypeNode, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';

import type { Caller } from '../callers/caller';
import type { CallerResolver } from '../callers/resolveCaller';
import { ErrorCode, GatewayError, GatewayErrors, isGatewayError } from '../errors';
import { describeError, type Logger } from '../observability/logger';
import type { RequestRecord, RequestRecorder } from '../observability/requestLog';
import type { Tracing } from '../observability/tracing';
import { isWholeUnauthenticated, type ForwardRequest, type Forwarder } from '../seek/forwarder';
import { writeErrors, writeExecutionResult, writeSeekAnswer } from './answer';
import type { AttachmentStage } from './attachments';
import type { BodyLimits } from './body';
import type { Documents } from './documents';
import { forwardRequestOf } from './forward';
import { clientRequestIdOf, singleHeader } from './headers';
import { negotiateMediaType } from './negotiate';
import { readOperationRequest } from './operationRequest';
import type { PersistedQueries } from './persistedQueries';
import type { CallerProtection } from './protect';
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
  /** Rate limits per caller and refused browser tokens (stage 4b). */
  protection: CallerProtection;
  documents: Documents;
  persistedQueries: PersistedQueries;
  forwarder: Forwarder;
  execute: ExecuteStage;
  /** GET /attachments' own stages (what to fetch, the download); the rest are these. */
  attachments: AttachmentStage;
  /**
   * Told of every browser token SEEK refused as a whole (UNAUTHENTICATED) on its way through,
   * so it is refused from memory next time and a cached copy of it is not handed out again.
   */
  onBrowserTokenRefused?: (accessToken: string) => void;
  body: BodyLimits;
  record: RequestRecorder;
  logger: Logger;
  /** Spans for each request and its stages; undefined (no tracing, no cost) without an endpoint. */
  tracing?: Tracing;
}

/** Stages 7 and 8 of a forwarded operation in one (a traced stage's span covers both). */
const forwardAndAnswer = async (
  forwarder: Forwarder,
  state: RequestState,
  forward: ForwardRequest,
) => {
  const forwarded = await forwarder.forwardStreaming(forward);
  const streaming = writeSeekAnswer(state, forwarded);
  if (streaming) await streaming;
  return forwarded;
};

/**
 * The one request pipeline of /graphql. Every entry (POST from a server, POST from a browser
 * after CORS, GET, persisted queries) runs the same stages in the same order:
 *
 *   1 request id and response headers        beginRequest
 *   2 body, within size and time limits      body.ts (through 3)
 *   3 operation request: method, CSRF,       operationRequest.ts, csrf.ts, jsonBody.ts
 *     content type, JSON or GET parameters
 *   4 caller                                 callers/resolveCaller.ts
 *   4b caller protection: rate limits per     protect.ts, protection/
 *     service, browser token and address; refused browser tokens
 *   5 document: by id (trusted documents,   persistedQueries.ts, safelist.ts, documents.ts
 *     prepared at load; APQ) or text, safelisting per caller kind; parse and validate (one
 *     rule list, cached), operation, variables
 *   6 route: SEEK-only operations are forwarded as they are (the fast lane); the rest is
 *     executed by Apollo Server                 route.ts, ExecuteStage
 *   7 the call to SEEK: one request builder   forward.ts, seek/forwarder.ts
 *   8 the answer: one writer                 answer.ts, negotiate.ts
 *   9 one log line, metrics and the span     recordRequest
 *
 * With tracing on, the request is a server span and stages 3, 4 (a user JWT's verification), 5
 * (validation, on a cache miss), 7 and execution are its children, each written once, here or in
 * the stage's own module; every outbound call made inside is a client span under its stage.
 * With tracing off, each of those places checks `trace` once and does nothing more.
 *
 * The fast lane is not a second copy of these rules: it is stage 6 choosing "forward the
 * validated operation" instead of execution, as Apollo's responseForOperation does.
 *
 * GET /attachments runs the same stages 1, 4, 8 and 9 (`serve`, `resolveCaller`, `fail`,
 * `recordRequest`); its own (the URL check, the download) are attachments.ts.
 */
export const createPipeline = (options: PipelineOptions) => {
  const { logger, tracing } = options;

  const beginRequest = (
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: RequestRecord['endpoint'],
  ): RequestState => {
    // Always ours, fresh per request: a caller's X-Request-Id is not trusted to be unique, so it
    // is echoed and logged beside ours, never used as ours. The one writer sends the header (and
    // Cache-Control) with the answer's other headers.
    const requestId = randomUUID();
    const clientRequestId = clientRequestIdOf(req.headers);
    const method = req.method ?? 'GET';
    return {
      req,
      res,
      requestId,
      clientRequestId,
      seekRequestIds: undefined,
      trace: tracing ? tracing.startRequest(method, req.headers, endpoint) : undefined,
      started: performance.now(),
      method,
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
      document: undefined,
      download: undefined,
      answerStream: undefined,
    };
  };

  /**
   * Stage 4: who is calling, with caller protection as early as each kind allows. A service
   * key (decided sync) counts against its own limit, with no await while its window is known.
   * Every other request counts against its client address before anything costs: a malformed
   * header and a token claiming our issuer that fails verification are counted too. Then the
   * user JWT is verified (once, without deciding its kind again), then a browser token's own
   * limit and the refused browser tokens.
   */
  const resolveCaller = async (state: RequestState): Promise<Caller> => {
    const { trace } = state;
    const { callers, protection } = options;
    const authorization = singleHeader(state.req.headers, 'authorization');
    let decided: ReturnType<CallerResolver['resolveSync']>;
    try {
      decided = callers.resolveSync(authorization);
    } catch (error) {
      const counting = protection.address(state);
      if (counting) await counting;
      throw error;
    }
    if (!('verify' in decided) && decided.kind === 'service') {
      state.caller = decided;
      const counting = protection.service(decided.name);
      if (counting) await counting;
      return decided;
    }
    // Known already, but a user's: logged as its kind when the address limit refuses it.
    if (!('verify' in decided)) state.caller = decided;
    const counting = protection.address(state);
    if (counting) await counting;
    const caller =
      'verify' in decided
        ? await (trace
            ? trace.stage('resolve caller', () => callers.verifyUser(decided.verify))
            : callers.verifyUser(decided.verify))
        : decided;
    state.caller = caller;
    const protecting = protection.caller(state, caller);
    if (protecting) await protecting;
    return caller;
  };

  const run = async (state: RequestState) => {
    const { req, trace } = state;
    state.mediaType = negotiateMediaType(singleHeader(req.headers, 'accept'));
    const request = await (trace
      ? trace.stage('read operation', () => readOperationRequest(req, options.body))
      : readOperationRequest(req, options.body));
    // From here on the request is a GraphQL request: answers take the negotiated media type.
    state.operationRead = true;
    state.operationName = request.operationName;

    const caller = await resolveCaller(state);

    const schema = options.currentSchema();
    if (!schema)
      throw new GatewayError(ErrorCode.SeekUnavailable, "SEEK's schema is not loaded yet");
    const resolved = options.persistedQueries.documentOf(request, caller);
    const {
      query,
      source,
      register,
      prepared: trustedVerdict,
    } = resolved instanceof Promise ? await resolved : resolved;
    state.document = source;
    // A trusted document comes prepared (at load, and again on a schema change).
    const prepared = trustedVerdict ?? options.documents.prepare(schema, query, trace);
    if (!prepared.valid) throw new GatewayErrors(prepared.errors);
    if (register?.when === 'validated') register.run();
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
      // Traced, the stage's span lasts to the answer's last byte (a streamed answer's too).
      const forwarded = await (trace
        ? trace.stage('forward to SEEK', () => forwardAndAnswer(options.forwarder, state, forward))
        : options.forwarder.forwardStreaming(forward));
      if (!trace) {
        const streaming = writeSeekAnswer(state, forwarded);
        if (streaming) await streaming;
      }
      // A whole refusal is small: never a streamed answer (which has no parsed result).
      if (
        forward.caller.kind === 'seek-token' &&
        'result' in forwarded &&
        isWholeUnauthenticated(forwarded.result)
      )
        options.onBrowserTokenRefused?.(forward.caller.accessToken);
      else if (register?.when === 'seek-accepted') register.run();
      return;
    }
    state.route = 'execute';
    const executionRequest: ExecutionRequest = {
      query,
      operationName: request.operationName,
      variables: request.variables,
    };
    const executed = await (trace
      ? trace.stage('execute', () => options.execute(state, executionRequest))
      : options.execute(state, executionRequest));
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
    const record: RequestRecord = {
      endpoint,
      requestId: state.requestId,
      clientRequestId: state.clientRequestId,
      seekRequestIds: state.seekRequestIds,
      method: state.method,
      callerKind: state.caller?.kind ?? 'unknown',
      serviceName: state.caller?.kind === 'service' ? state.caller.name : undefined,
      operationName: state.operationName,
      operationType: state.operationType,
      outcome: !state.errorCodes ? 'ok' : state.route === 'refused' ? 'rejected' : 'error',
      httpStatus: state.status,
      upstreamStatus: state.upstreamStatus,
      durationMs: performance.now() - state.started,
      route: state.route,
      errorCodes: state.errorCodes,
      document: state.document,
      download: state.download,
      answerStream: state.answerStream,
    };
    options.record(record);
    state.trace?.end(record);
  };

  /** One request through the shared frame: id and headers, the stages, the error writer, the record. */
  const serve =
    (endpoint: RequestRecord['endpoint'], stages: (state: RequestState) => Promise<void>) =>
    (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const state = beginRequest(req, res, endpoint);
      const served = async () => {
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
      // With tracing on, the whole request runs with its span active (log lines get its trace id).
      return state.trace ? state.trace.run(served) : served();
    };

  return {
    /** The node:http handler of /graphql (after CORS, for requests from browsers). */
    handle: serve('graphql', run),
    /** The node:http handler of GET /attachments. */
    handleAttachment: serve('attachments', runAttachment),
  };
};

export type Pipeline = ReturnType<typeof createPipeline>;
