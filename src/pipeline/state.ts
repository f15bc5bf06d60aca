import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Caller } from '../callers/caller';
import type { RequestTrace } from '../observability/tracing';
import type { ResponseMediaType } from './negotiate';
import type { DocumentSource } from './persistedQueries';

/**
 * How a request was answered: sent to SEEK as it is, run by the gateway, an attachment
 * downloaded from SEEK, or never run.
 */
export type Route = 'forward' | 'execute' | 'attachment' | 'refused';

/** How an attachment's body went: whole, cut at the size limit, stalled, or dropped. */
export type DownloadOutcome =
  'ok' | 'too_large' | 'idle_timeout' | 'timeout' | 'client_closed' | 'failed';

/**
 * How a streamed SEEK answer ended, once its status line went out: whole, cut for a defect
 * (not JSON or not a GraphQL response, cut short, too large: SEEK_BAD_RESPONSE), cut at
 * SEEK_TIMEOUT_MS, or dropped because the client went away.
 */
export type AnswerStreamOutcome = 'ok' | 'bad_response' | 'timeout' | 'client_closed';

/** What the pipeline knows about one request so far; every stage reads and fills it. */
export interface RequestState {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The gateway's own id: response header, log line, error bodies. */
  readonly requestId: string;
  /** The caller's X-Request-Id when well formed (echoed in the answer, logged beside ours). */
  readonly clientRequestId: string | undefined;
  /** The fresh X-Request-Id of each call to SEEK, in order (undefined until the first). */
  seekRequestIds: string[] | undefined;
  /** The request's span, only with tracing on. */
  readonly trace: RequestTrace | undefined;
  readonly started: number;
  readonly method: string;
  /** The answer's media type, from the Accept header (JSON until negotiated). */
  mediaType: ResponseMediaType;
  /**
   * The HTTP request was read into an operation request: a refusal now is a GraphQL answer in
   * the negotiated media type; before, a refusal of the HTTP request itself (always JSON).
   */
  operationRead: boolean;
  caller: Caller | undefined;
  operationName: string | undefined;
  operationType: string | undefined;
  route: Route;
  upstreamStatus: number | undefined;
  /** Written once the answer has gone out (status and the codes of its errors). */
  status: number;
  errorCodes: string[] | undefined;
  /** The answer had `data` (possibly next to errors): a partial success. */
  hadData: boolean;
  /** Where the document came from (its text, APQ, the manifest), once known. */
  document: DocumentSource | undefined;
  /** GET /attachments, once the file's headers went out: bytes passed on and how it ended. */
  download: { bytes: number; outcome: DownloadOutcome } | undefined;
  /** A SEEK answer above the streaming threshold, once its headers went out: bytes and ending. */
  answerStream: { bytes: number; outcome: AnswerStreamOutcome } | undefined;
}
