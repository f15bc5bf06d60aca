import { pipeline } from 'node:stream/promises';

import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';

import { ErrorCode, GatewayError, REQUEST_ERROR_CODES } from '../errors';
import type { AttachmentFile } from '../seek/attachments';
import type { ForwardResult, StreamedForwardResult } from '../seek/forwarder';
import {
  streamDefectCode,
  type StreamDefect,
  type StreamedAnswerSink,
  type StreamedAnswerSummary,
  type StreamedSeekAnswer,
} from '../seek/streamedAnswer';
import type { ExecutionOutcome } from './index';
import { BodyRefusal } from './body';
import { ByteLimit, ByteLimitExceeded } from './byteLimit';
import { contentDispositionOf } from './contentDisposition';
import { CONTENT_TYPE_OF } from './negotiate';
import type { AnswerStreamOutcome, DownloadOutcome, RequestState } from './state';

const JSON_CONTENT_TYPE = CONTENT_TYPE_OF['application/json'];

/**
 * Stage 8, the one writer: every answer of /graphql (and every refusal of /attachments) leaves
 * through `send`; a file from SEEK through `writeAttachment`, below.
 */
/** The headers every answer carries, whichever writer sends it: the request id and no-store. */
const requestIdHeader = (state: RequestState) => state.clientRequestId ?? state.requestId;
const NO_STORE = 'no-store';

const send = (
  state: RequestState,
  status: number,
  contentType: string,
  body: string | Buffer,
  extraHeaders?: Readonly<Record<string, string>>,
  closeAfter = false,
) => {
  const { req, res } = state;
  state.status = status;
  if (res.headersSent || res.destroyed) return;
  // A request whose body was not read to the end (a refusal before or while reading it): the
  // connection is not reused, so nothing more of that body is read.
  const close = closeAfter || !req.complete;
  // Built key by key: spreads with more properties after them take V8's slow path, and this
  // runs for every answer. All headers go to writeHead at once: a header set earlier with
  // setHeader would send writeHead down node:http's slower merging path.
  const headers: Record<string, string> = {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestIdHeader(state),
    'cache-control': NO_STORE,
  };
  if (extraHeaders) for (const [name, value] of Object.entries(extraHeaders)) headers[name] = value;
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
  if (close) res.once('finish', () => req.destroy());
};

const codeOf = (error: { extensions?: { code?: unknown } | undefined }) => {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
};

/**
 * SEEK's answer, byte for byte, with SEEK's status and the negotiated media type. A streamed one
 * (above the threshold) is written as it arrives: the promise settles when it has ended.
 */
export const writeSeekAnswer = (
  state: RequestState,
  forwarded: ForwardResult | StreamedForwardResult,
): Promise<void> | undefined => {
  if ('stream' in forwarded) return streamSeekAnswer(state, forwarded.stream);
  const { result } = forwarded;
  state.upstreamStatus = forwarded.upstreamStatus;
  state.hadData = result.data !== undefined && result.data !== null;
  state.errorCodes = result.errors?.length ? result.errors.map(codeOf) : undefined;
  send(state, forwarded.upstreamStatus, CONTENT_TYPE_OF[state.mediaType], forwarded.body);
  return undefined;
};

const STREAM_OUTCOME_OF: Readonly<Record<StreamDefect, AnswerStreamOutcome>> = {
  bad_response: 'bad_response',
  timeout: 'timeout',
  // The pipeline abandons an answer only when the client went away.
  aborted: 'client_closed',
};

/**
 * The most of a streamed answer that waits in the gateway for the client's socket (above what the
 * kernel took) before SEEK is paused: two chunks as loopback and most networks hand them over.
 */
export const MAX_ANSWER_BYTES_WAITING = 128 * 1024;

/**
 * Writes one streamed answer to the client: each chunk as it passed its check, SEEK paused while
 * more than MAX_ANSWER_BYTES_WAITING wait for the client (bounded memory however slowly it
 * reads), SEEK's connection closed when the client goes away. A defect found after the status
 * line left cuts the connection, so the client sees a failed transfer, never a complete-looking
 * answer.
 */
class AnswerStreamWriter implements StreamedAnswerSink {
  private waitingForDrain = false;
  private done = false;
  readonly progress: { bytes: number; outcome: AnswerStreamOutcome } = { bytes: 0, outcome: 'ok' };

  constructor(
    private readonly state: RequestState,
    private readonly stream: StreamedSeekAnswer,
    private readonly finished: () => void,
  ) {
    state.answerStream = this.progress;
  }

  data(chunk: Buffer): boolean {
    if (this.done) return true;
    this.progress.bytes += chunk.length;
    const { res } = this.state;
    res.write(chunk);
    // Past Node's own mark (16 KiB, below one chunk) `write` says false for nearly every chunk;
    // pausing SEEK each time cost a pause, a resume and two epoll calls per chunk. SEEK is paused
    // only once the bytes waiting for the client pass the bound (the client reads slowly).
    if (res.writableLength <= MAX_ANSWER_BYTES_WAITING) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      res.once('drain', this.onDrain);
    }
    return false;
  }

  end(summary: StreamedAnswerSummary): void {
    if (this.done) return;
    this.done = true;
    this.state.hadData = summary.hadData;
    this.state.errorCodes = summary.errorCodes;
    this.state.res.end();
    this.finished();
  }

  fail(defect: StreamDefect): void {
    if (this.done) return;
    this.done = true;
    this.progress.outcome = STREAM_OUTCOME_OF[defect];
    const code = streamDefectCode(defect);
    this.state.errorCodes = code ? [code] : undefined;
    this.state.hadData = false;
    this.state.res.destroy();
    this.finished();
  }

  private readonly onDrain = () => {
    this.waitingForDrain = false;
    this.stream.resume();
  };

  /** The client's connection closed before the end: SEEK's is closed too. */
  readonly onClose = () => {
    if (!this.done) this.stream.abort();
  };
}

const streamSeekAnswer = (state: RequestState, stream: StreamedSeekAnswer): Promise<void> =>
  new Promise<void>((resolve) => {
    const { res } = state;
    state.upstreamStatus = stream.upstreamStatus;
    state.status = stream.upstreamStatus;
    if (res.headersSent || res.destroyed) {
      stream.abort();
      resolve();
      return;
    }
    // The headers `send` gives every answer; SEEK's Content-Length when it sent one (the client
    // then also sees a cut answer as short), chunked otherwise.
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPE_OF[state.mediaType],
      'x-request-id': requestIdHeader(state),
      'cache-control': NO_STORE,
    };
    if (stream.contentLength !== undefined) headers['content-length'] = stream.contentLength;
    res.writeHead(stream.upstreamStatus, headers);
    const writer = new AnswerStreamWriter(state, stream, resolve);
    res.once('close', writer.onClose);
    // The first chunks leave in one vectored write, with the headers.
    res.cork();
    for (const chunk of stream.head) writer.data(chunk);
    res.uncork();
    stream.pipeTo(writer);
  });

/**
 * A result the gateway executed (browserToken, introspection, mixed operations). When the
 * operation failed as a whole with one of the gateway's errors, its status (401, 403, 429,
 * 502 …) is the answer's; otherwise 200, as for any executed operation.
 */
export const writeExecutionResult = (
  state: RequestState,
  { result, gatewayErrorStatus, gatewayErrorHeaders }: ExecutionOutcome,
) => {
  const errors = result.errors?.map((error) => withRequestId(error, state.requestId));
  const failedWhole = result.data === undefined || result.data === null;
  state.hadData = !failedWhole;
  state.errorCodes = errors?.length ? errors.map(codeOf) : undefined;
  const whole = Boolean(errors?.length && failedWhole && gatewayErrorStatus);
  const body = JSON.stringify({ ...(errors ? { errors } : {}), ...withoutErrors(result) });
  send(
    state,
    whole && gatewayErrorStatus ? gatewayErrorStatus : 200,
    CONTENT_TYPE_OF[state.mediaType],
    body,
    whole ? gatewayErrorHeaders : undefined,
  );
};

/**
 * The gateway's refusals and GraphQL request errors. A request error (the document or its
 * variables cannot run) is 200 for application/json and 400 for
 * application/graphql-response+json, as GraphQL over HTTP asks; any other refusal has the
 * status of its code. Refusals of the HTTP request itself (before it was read into an
 * operation request) are always application/json.
 */
export const writeErrors = (state: RequestState, errors: readonly GatewayError[]) => {
  const first = errors[0];
  if (!first) throw new Error('writeErrors needs at least one error');
  const requestError = REQUEST_ERROR_CODES.has(first.code);
  const status = requestError ? (state.mediaType === 'application/json' ? 200 : 400) : first.status;
  state.hadData = false;
  state.errorCodes = errors.map((error) => error.code);
  const body = JSON.stringify({
    errors: errors.map((error) => withRequestId(error.toJSON(), state.requestId)),
  });
  send(
    state,
    status,
    state.operationRead ? CONTENT_TYPE_OF[state.mediaType] : JSON_CONTENT_TYPE,
    body,
    first.headers,
    first instanceof BodyRefusal,
  );
};

const withRequestId = (error: GraphQLFormattedError, requestId: string): GraphQLFormattedError => ({
  ...error,
  extensions: { ...error.extensions, requestId },
});

const withoutErrors = ({ errors: _errors, ...rest }: FormattedExecutionResult) => rest;

/** How a failed stream of a file is reported (in the log line's errorCodes). */
const DOWNLOAD_ERROR_CODES: Readonly<Record<DownloadOutcome, string | undefined>> = {
  ok: undefined,
  too_large: ErrorCode.AttachmentTooLarge,
  idle_timeout: ErrorCode.SeekTimeout,
  // ATTACHMENT_TIMEOUT_MS ran out, whoever was slow (SEEK or the caller).
  timeout: ErrorCode.RequestTimeout,
  failed: ErrorCode.SeekUnavailable,
  // The caller went away: nothing the gateway or SEEK did wrong.
  client_closed: undefined,
};

const downloadOutcomeOf = (error: unknown, deadline: AbortSignal): DownloadOutcome => {
  if (error instanceof ByteLimitExceeded) return 'too_large';
  if (deadline.aborted) return 'timeout';
  const code = (error as { code?: unknown }).code;
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'idle_timeout';
  // Our response closed before the file ended: the caller hung up.
  if (code === 'ERR_STREAM_PREMATURE_CLOSE') return 'client_closed';
  return 'failed';
};

/**
 * A file from SEEK, streamed as it arrives (never held whole): its Content-Type and
 * Content-Length and no other header of SEEK's, at most `maxBytes`, always as an attachment
 * (SEEK's file name kept, parsed and written afresh: ./contentDisposition.ts) in a sandbox. A
 * declared length over the limit is refused before anything is sent (ATTACHMENT_TOO_LARGE, by
 * the error writer); a body that passes the limit, stalls, breaks or is still going when
 * `deadline` fires (ATTACHMENT_TIMEOUT_MS) is cut: the connection is dropped, so the caller
 * sees a failed transfer, not a complete-looking file.
 */
export const writeAttachment = async (
  state: RequestState,
  file: AttachmentFile,
  { maxBytes, deadline }: { maxBytes: number; deadline: AbortSignal },
): Promise<void> => {
  state.upstreamStatus = file.upstreamStatus;
  if (file.contentLength !== undefined && file.contentLength > maxBytes) {
    file.body.destroy();
    throw new GatewayError(
      ErrorCode.AttachmentTooLarge,
      `The attachment is larger than the gateway passes on (${maxBytes} bytes)`,
      { upstreamStatus: file.upstreamStatus },
    );
  }
  const { res } = state;
  state.status = 200;
  const limit = new ByteLimit(maxBytes);
  state.download = { bytes: 0, outcome: 'ok' };
  const headers: Record<string, string> = {
    'content-type': file.contentType ?? 'application/octet-stream',
    // Never rendered by a browser, whatever SEEK's header or the file's type say: saved as a
    // file, not sniffed, and if opened in place anyway, sandboxed (no script, no origin).
    'content-disposition': contentDispositionOf(file.contentDisposition),
    'content-security-policy': 'sandbox',
    'x-content-type-options': 'nosniff',
    'x-request-id': requestIdHeader(state),
    'cache-control': NO_STORE,
  };
  if (file.contentLength !== undefined) headers['content-length'] = String(file.contentLength);
  try {
    res.writeHead(200, headers);
    await pipeline(file.body, limit, res, { signal: deadline });
  } catch (error) {
    // pipeline() has destroyed SEEK's body and our response: the connection is gone.
    file.body.destroy();
    res.destroy();
    state.download.outcome = downloadOutcomeOf(error, deadline);
    const code = DOWNLOAD_ERROR_CODES[state.download.outcome];
    state.errorCodes = code ? [code] : undefined;
  } finally {
    state.download.bytes = limit.bytes;
  }
};
