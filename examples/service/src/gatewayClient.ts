/**
 * A small client for seek-gateway, as a backend service should call it: a service key as the
 * bearer, typed documents (./gql), and one policy for the gateway's error codes.
 *
 * | code                                                  | what the client does                   |
 * | ----------------------------------------------------- | -------------------------------------- |
 * | SEEK_UNAVAILABLE, SEEK_TIMEOUT, SEEK_AUTH_UNAVAILABLE | retry with exponential backoff and     |
 * | (and the gateway unreachable)                         | jitter, at most `maxAttempts` in all   |
 * | RATE_LIMITED                                          | wait `Retry-After` seconds, then retry |
 * |                                                       | (up to `maxRetryAfterSeconds`)         |
 * | UNAUTHENTICATED                                       | no retry: the service key is wrong     |
 * | FORBIDDEN                                             | no retry: no access to this hirer      |
 * | anything else                                         | no retry: fix the request or config    |
 *
 * A mutation is retried only when the caller says it is safe to repeat (`idempotent`): after
 * SEEK_TIMEOUT, SEEK may have done it. Every failure carries the gateway's request id
 * (`extensions.requestId`, `X-Request-Id`), which finds the gateway's log line.
 */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';

/** Codes worth asking again for: SEEK (or auth.seek.com) was down or slow for a moment. */
const TRANSIENT = new Set(['SEEK_UNAVAILABLE', 'SEEK_TIMEOUT', 'SEEK_AUTH_UNAVAILABLE']);

/** What the client reports when it gives up, or when retrying cannot help. */
export class GatewayRequestError extends Error {
  override name = 'GatewayRequestError';
  constructor(
    message: string,
    readonly details: {
      /** `extensions.code` of the first error, or GATEWAY_UNREACHABLE. */
      code: string;
      /** HTTP status (undefined when the gateway could not be reached). */
      status: number | undefined;
      requestId: string | undefined;
      /** How many requests were made. */
      attempts: number;
      /** True when the failure is transient and the attempts ran out. */
      retryable: boolean;
    },
  ) {
    super(message);
  }
}

export interface GraphqlError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; requestId?: string; [key: string]: unknown };
}

export interface GatewayClientOptions {
  /** e.g. http://localhost:4000/graphql */
  url: string;
  /** A key listed in the gateway's GATEWAY_API_KEYS. */
  serviceKey: string;
  /** Requests per operation at most, the first included. @default 3 */
  maxAttempts?: number;
  /** First backoff; doubled each time, with jitter. @default 250 */
  baseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the error is reported. @default 60 */
  maxRetryAfterSeconds?: number;
  /** Bound on one request. @default 15000 (above the gateway's SEEK_TIMEOUT_MS of 10 s) */
  timeoutMs?: number;
  /** Told of each retry before its wait (for logs). */
  onRetry?: (retry: { operation: string; code: string; attempt: number; waitMs: number }) => void;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** @default the global fetch */
  fetch?: typeof fetch;
}

/** One answer: `data` (possibly partial) and SEEK's or the gateway's `errors`, if any. */
export interface GatewayResult<TResult> {
  data: TResult;
  errors: readonly GraphqlError[] | undefined;
  requestId: string | undefined;
}

/** A file `download` got: its bytes and what the gateway said of it. */
export interface DownloadedFile {
  bytes: Buffer;
  contentType: string;
  /** From Content-Disposition, when it names one. */
  fileName: string | undefined;
  requestId: string | undefined;
}

/** The file name of a Content-Disposition (`filename*=UTF-8''…` first, then `filename="…"`). */
const fileNameOf = (header: string | null): string | undefined => {
  if (!header) return undefined;
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(header)?.[1];
  if (extended) {
    try {
      return decodeURIComponent(extended);
    } catch {
      return undefined;
    }
  }
  return /filename="([^"]*)"/i.exec(header)?.[1];
};

type Attempt<TResult> =
  | { kind: 'ok'; result: GatewayResult<TResult> }
  | {
      kind: 'error';
      code: string;
      message: string;
      status: number | undefined;
      requestId: string | undefined;
      retryAfterSeconds: number | undefined;
    };

const operationName = (document: string) =>
  /\b(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(document)?.[1] ?? 'anonymous';
const isMutation = (document: string) => /^\s*mutation\b/.test(document);

/** Retry-After as seconds (a number of seconds, or an HTTP date), or undefined. */
const retryAfterOf = (header: string | null): number | undefined => {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1_000);
};

export const createGatewayClient = (options: GatewayClientOptions) => {
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 60;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const fetchFn = options.fetch ?? fetch;

  const send = async <TResult>(query: string, variables: unknown): Promise<Attempt<TResult>> => {
    let response: Response;
    try {
      response = await fetchFn(options.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.serviceKey}`,
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
        },
        body: JSON.stringify({ query, operationName: operationName(query), variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return {
        kind: 'error',
        code: 'GATEWAY_UNREACHABLE',
        message: `the gateway could not be reached: ${(error as Error).message}`,
        status: undefined,
        requestId: undefined,
        retryAfterSeconds: undefined,
      };
    }
    const headerRequestId = response.headers.get('x-request-id') ?? undefined;
    const body = (await response.json().catch(() => undefined)) as
      { data?: TResult | null; errors?: GraphqlError[] } | undefined;
    const first = body?.errors?.[0];
    const requestId = first?.extensions?.requestId ?? headerRequestId;
    // A result with data is an answer, even with errors beside it (a partial result).
    if (body && body.data !== undefined && body.data !== null) {
      return { kind: 'ok', result: { data: body.data, errors: body.errors, requestId } };
    }
    return {
      kind: 'error',
      code: first?.extensions?.code ?? `HTTP_${response.status}`,
      message: first?.message ?? `the gateway answered HTTP ${response.status} without a result`,
      status: response.status,
      requestId,
      retryAfterSeconds: retryAfterOf(response.headers.get('retry-after')),
    };
  };

  /**
   * One operation's attempts under the policy above: `send` again after a transient failure
   * (when repeating is safe), or after the wait RATE_LIMITED asks for; otherwise the error.
   */
  const withRetries = async <T>(
    operation: string,
    mayRepeat: boolean,
    send: () => Promise<{ kind: 'ok'; result: T } | Extract<Attempt<unknown>, { kind: 'error' }>>,
  ): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await send();
      if (outcome.kind === 'ok') return outcome.result;
      const transient = TRANSIENT.has(outcome.code) || outcome.code === 'GATEWAY_UNREACHABLE';
      const limited = outcome.code === 'RATE_LIMITED';
      const waitMs = limited
        ? (outcome.retryAfterSeconds ?? 1) * 1_000
        : Math.round(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
      const canRetry =
        (transient || (limited && waitMs <= maxRetryAfterSeconds * 1_000)) &&
        mayRepeat &&
        attempt < maxAttempts;
      if (!canRetry) {
        throw new GatewayRequestError(`${operation}: ${outcome.code}: ${outcome.message}`, {
          code: outcome.code,
          status: outcome.status,
          requestId: outcome.requestId,
          attempts: attempt,
          retryable: transient || limited,
        });
      }
      options.onRetry?.({ operation, code: outcome.code, attempt: attempt + 1, waitMs });
      await sleep(waitMs);
    }
  };

  const fetchFile = async (
    attachmentUrl: string,
  ): Promise<
    { kind: 'ok'; result: DownloadedFile } | Extract<Attempt<unknown>, { kind: 'error' }>
  > => {
    const url = new URL('/attachments', options.url);
    url.searchParams.set('url', attachmentUrl);
    let response: Response;
    let bytes: Buffer;
    try {
      response = await fetchFn(url, {
        headers: { authorization: `Bearer ${options.serviceKey}` },
        signal: AbortSignal.timeout(timeoutMs),
      });
      // A service would stream this to its storage; the example keeps it in memory.
      bytes = response.ok ? Buffer.from(await response.arrayBuffer()) : Buffer.alloc(0);
    } catch (error) {
      // Unreachable, or the transfer broke off (the gateway cuts a file over its limit).
      return {
        kind: 'error',
        code: 'GATEWAY_UNREACHABLE',
        message: `the download failed: ${(error as Error).message}`,
        status: undefined,
        requestId: undefined,
        retryAfterSeconds: undefined,
      };
    }
    const requestId = response.headers.get('x-request-id') ?? undefined;
    if (response.ok) {
      return {
        kind: 'ok',
        result: {
          bytes,
          contentType: response.headers.get('content-type') ?? 'application/octet-stream',
          fileName: fileNameOf(response.headers.get('content-disposition')),
          requestId,
        },
      };
    }
    const body = (await response.json().catch(() => undefined)) as
      { errors?: GraphqlError[] } | undefined;
    const first = body?.errors?.[0];
    return {
      kind: 'error',
      code: first?.extensions?.code ?? `HTTP_${response.status}`,
      message: first?.message ?? `the gateway answered HTTP ${response.status}`,
      status: response.status,
      requestId: first?.extensions?.requestId ?? requestId,
      retryAfterSeconds: retryAfterOf(response.headers.get('retry-after')),
    };
  };

  return {
    /**
     * Runs one typed document. Resolves with `data` (and any errors beside it); rejects with a
     * GatewayRequestError when there is no data, after the retries the policy allows.
     */
    async request<TResult, TVariables>(
      document: DocumentTypeDecoration<TResult, TVariables> & { toString(): string },
      variables: TVariables,
      requestOptions: { idempotent?: boolean } = {},
    ): Promise<GatewayResult<TResult>> {
      const query = document.toString();
      const mayRepeat = !isMutation(query) || requestOptions.idempotent === true;
      return withRetries(operationName(query), mayRepeat, () => send<TResult>(query, variables));
    },

    /**
     * Downloads a candidate's file (an `Attachment.url` from SEEK) through the gateway's
     * `GET /attachments`, under the same policy (a download is safe to repeat).
     */
    download(attachmentUrl: string): Promise<DownloadedFile> {
      return withRetries('download', true, () => fetchFile(attachmentUrl));
    },
  };
};

export type GatewayClient = ReturnType<typeof createGatewayClient>;
