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
  /** An argument failed validation; SEEK was not asked. */
  BadUserInput: 'BAD_USER_INPUT',
  /** Malformed HTTP request (body, content type). */
  BadRequest: 'BAD_REQUEST',
  /** Too many browser-token exchanges for this user in the current window. */
  RateLimited: 'RATE_LIMITED',
  /** SEEK did not answer within SEEK_TIMEOUT_MS. */
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
  RATE_LIMITED: 429,
  SEEK_TIMEOUT: 504,
  SEEK_UNAVAILABLE: 502,
  SEEK_BAD_RESPONSE: 502,
  SEEK_REJECTED: 502,
  SEEK_AUTH_REJECTED: 502,
  SEEK_AUTH_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * An error the gateway raises on purpose: its message is written for the caller and is safe
 * to show (no token, URL or stack). Anything else is masked before it leaves the process.
 */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra, http: { status: httpStatusOf[code] } } });
    this.code = code;
    this.name = 'GatewayError';
  }
}

export const isGatewayError = (error: unknown): error is GatewayError =>
  error instanceof GatewayError;

/** The JSON body of a failed request, as the gateway sends it from outside Apollo Server. */
export const errorBody = (error: GatewayError, requestId: string): string =>
  JSON.stringify({
    errors: [{ message: error.message, extensions: { code: error.code, requestId } }],
  });
