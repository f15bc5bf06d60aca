import { GraphQLError } from 'graphql';

/**
 * Every error code the gateway itself puts in `extensions.code`. SEEK's own codes
 * (UNAUTHENTICATED, FORBIDDEN, …) on forwarded operations are passed through untouched.
 */
export const ErrorCode = {
  /** No credential, or a credential that failed verification. */
  Unauthenticated: 'UNAUTHENTICATED',
  /** The caller is known but may not do this (wrong hirer, user JWT on a SEEK operation). */
  Forbidden: 'FORBIDDEN',
  /** An argument or a variable failed validation; SEEK was not asked. */
  BadUserInput: 'BAD_USER_INPUT',
  /** Malformed HTTP request: body, parameters, CSRF prevention, a hash or id that does not match its document. */
  BadRequest: 'BAD_REQUEST',
  /** The request body is larger than MAX_BODY_BYTES. */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** The request body did not arrive within HTTP_BODY_TIMEOUT_MS. */
  RequestTimeout: 'REQUEST_TIMEOUT',
  /** A method /graphql does not take (PUT…), a mutation sent by GET, or /attachments not by GET. */
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  /** A body that is not JSON, in a charset other than UTF-8, or in an unknown content-encoding. */
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** The Accept header names no type the gateway answers in. */
  NotAcceptable: 'NOT_ACCEPTABLE',
  /** The document is not valid GraphQL syntax, or has too many tokens. */
  GraphqlParseFailed: 'GRAPHQL_PARSE_FAILED',
  /** The document does not validate against SEEK's schema or exceeds a query limit. */
  GraphqlValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  /** operationName names no operation of the document, or it has several and no name was given. */
  OperationResolutionFailure: 'OPERATION_RESOLUTION_FAILURE',
  /** An automatic persisted query hash the gateway does not know yet: send the query with it. */
  PersistedQueryNotFound: 'PERSISTED_QUERY_NOT_FOUND',
  /** A document id the manifest (PERSISTED_DOCUMENTS_FILE) does not hold: nothing to register. */
  PersistedQueryNotInList: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** A free-form document from a caller PERSISTED_DOCUMENTS_REQUIRED holds to the manifest. */
  PersistedQueryIdRequired: 'PERSISTED_QUERY_ID_REQUIRED',
  /**
   * Over a rate limit: the service's key, the browser token, the client address, or the
   * browserToken exchanges of one user, in the current minute. Retry-After says when to retry.
   */
  RateLimited: 'RATE_LIMITED',
  /** As many calls to SEEK are in flight as SEEK_MAX_CONCURRENCY allows and the queue is full. */
  GatewayBusy: 'GATEWAY_BUSY',
  /** SEEK did not answer within SEEK_TIMEOUT_MS (or an attachment's body stalled ATTACHMENT_IDLE_TIMEOUT_MS). */
  SeekTimeout: 'SEEK_TIMEOUT',
  /** SEEK could not be reached or answered 5xx / 429 after the allowed retry. */
  SeekUnavailable: 'SEEK_UNAVAILABLE',
  /** SEEK answered something that is not a GraphQL response (or token) we understand. */
  SeekBadResponse: 'SEEK_BAD_RESPONSE',
  /** SEEK refused the request (4xx other than auth) — e.g. an invalid browser-token request. */
  SeekRejected: 'SEEK_REJECTED',
  /** auth.seek.com rejected the client credentials (HTTP 401/403). */
  SeekAuthRejected: 'SEEK_AUTH_REJECTED',
  /** auth.seek.com was down, slow or answered garbage; no cached token could serve. */
  SeekAuthUnavailable: 'SEEK_AUTH_UNAVAILABLE',
  /**
   * GET /attachments: the `url` is not one of SEEK's attachment URLs (another origin, scheme or
   * port, userinfo, a query, an encoded or odd path, a repeated parameter). Nothing was fetched.
   */
  AttachmentUrlRefused: 'ATTACHMENT_URL_REFUSED',
  /** SEEK refused the download for the token (HTTP 403): scope, hirer or relationship. */
  AttachmentForbidden: 'ATTACHMENT_FORBIDDEN',
  /** SEEK has no such attachment (HTTP 404). */
  AttachmentNotFound: 'ATTACHMENT_NOT_FOUND',
  /** The file is larger than ATTACHMENT_MAX_BYTES: refused, or cut where it passed the limit. */
  AttachmentTooLarge: 'ATTACHMENT_TOO_LARGE',
  /** Anything unexpected; the detail is in the log under the request id. */
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status the gateway answers with when an error of this code fails the whole request. */
export const httpStatusOf: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_TIMEOUT: 408,
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_ACCEPTABLE: 406,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  // Apollo clients read this code from a 200 answer and retry with the full query.
  PERSISTED_QUERY_NOT_FOUND: 200,
  // Not request errors: no retry with the document helps, whatever Accept says (as Apollo Router).
  PERSISTED_QUERY_NOT_IN_LIST: 400,
  PERSISTED_QUERY_ID_REQUIRED: 400,
  RATE_LIMITED: 429,
  GATEWAY_BUSY: 503,
  SEEK_TIMEOUT: 504,
  SEEK_UNAVAILABLE: 502,
  SEEK_BAD_RESPONSE: 502,
  SEEK_REJECTED: 502,
  SEEK_AUTH_REJECTED: 502,
  SEEK_AUTH_UNAVAILABLE: 503,
  ATTACHMENT_URL_REFUSED: 400,
  ATTACHMENT_FORBIDDEN: 403,
  ATTACHMENT_NOT_FOUND: 404,
  ATTACHMENT_TOO_LARGE: 502,
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * GraphQL request errors (GraphQL-over-HTTP's term): the request was well-formed but its
 * document or variables cannot run. Answered 200 for `Accept: application/json` and 400 for
 * `application/graphql-response+json`, as the GraphQL-over-HTTP specification asks.
 */
export const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set([
  ErrorCode.GraphqlParseFailed,
  ErrorCode.GraphqlValidationFailed,
  ErrorCode.OperationResolutionFailure,
  ErrorCode.BadUserInput,
]);

/**
 * An error the gateway raises on purpose: its message is written for the caller and is safe
 * to show (no token, URL or stack). Anything else is masked before it leaves the process.
 */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  /** HTTP status when this error fails the whole request. */
  readonly status: number;
  /** Extra response headers the refusal needs (Allow, Retry-After). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
    options: {
      headers?: Record<string, string>;
      /** The status when it is not its code's (a refusal answered as SEEK answers it). */
      status?: number;
      locations?: GraphQLError['locations'];
      source?: GraphQLError['source'];
      positions?: readonly number[];
    } = {},
  ) {
    super(message, {
      extensions: { code, ...extra },
      source: options.source,
      positions: options.positions,
    });
    // Locations given as such keep no reference to the document's text (a cached error must
    // not hold on to a large document).
    if (options.locations)
      (this as { locations?: GraphQLError['locations'] }).locations = options.locations;
    this.code = code;
    this.status = options.status ?? httpStatusOf[code];
    this.headers = options.headers;
    this.name = 'GatewayError';
  }
}

export const isGatewayError = (error: unknown): error is GatewayError =>
  error instanceof GatewayError;

/** Several errors that fail one request together (a document's validation errors). */
export class GatewayErrors extends Error {
  constructor(readonly errors: readonly GatewayError[]) {
    super(errors[0]?.message ?? 'request refused');
    this.name = 'GatewayErrors';
  }
}
