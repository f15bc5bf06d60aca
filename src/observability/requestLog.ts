import pino from 'pino';

import { ErrorCode } from '../errors';
import type { AnswerStreamOutcome, DownloadOutcome } from '../pipeline/state';

import { LineBatch, type LaterLine } from './lineBatch';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface RequestRecord {
  /** POST/GET /graphql, or GET /attachments. */
  endpoint: 'graphql' | 'attachments';
  requestId: string;
  /** The caller's own X-Request-Id, when it sent a well-formed one. */
  clientRequestId: string | undefined;
  /** The fresh X-Request-Id of each call to SEEK this request made, in order. */
  seekRequestIds: readonly string[] | undefined;
  method: string;
  /** The caller's kind, or `unknown` when the request was refused before it was resolved. */
  callerKind: string;
  /** The service key's name, for a service (never the key). */
  serviceName?: string | undefined;
  operationName: string | null | undefined;
  operationType: string | undefined;
  /** ok: answered without errors; error: GraphQL errors; rejected: refused before execution. */
  outcome: 'ok' | 'error' | 'rejected';
  httpStatus: number;
  upstreamStatus: number | undefined;
  durationMs: number;
  /**
   * forward: SEEK-only, sent to SEEK as it is; execute: run by the gateway; attachment: a file
   * asked of SEEK; refused: never run.
   */
  route: 'forward' | 'execute' | 'attachment' | 'refused';
  errorCodes?: string[];
  /** text, apq or manifest: where the document came from (absent when refused before). */
  document?: string | undefined;
  /** An attachment whose headers went out: the bytes passed on and how the body ended. */
  download?: { bytes: number; outcome: DownloadOutcome };
  /** A SEEK answer streamed (above the threshold): the bytes passed on and how it ended. */
  answerStream?: { bytes: number; outcome: AnswerStreamOutcome } | undefined;
}

/** The metric label of an attachment request's outcome. */
const attachmentOutcome = (record: RequestRecord): string => {
  if (record.download) return record.download.outcome;
  if (record.route === 'refused') return 'refused';
  return record.errorCodes?.includes(ErrorCode.AttachmentTooLarge) ? 'too_large' : 'upstream_error';
};

/**
 * The codes `gateway_requests_refused_total` is labelled with: the gateway's own and the ones
 * SEEK is known to send; any other code (SEEK's, passed through) counts as OTHER, so the label
 * cannot grow with what an upstream writes.
 */
const COUNTED_CODES: ReadonlySet<string> = new Set<string>([
  ...Object.values(ErrorCode),
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'INTERNAL_SERVER_ERROR',
  'UNKNOWN',
]);
const countedCode = (code: string) => (COUNTED_CODES.has(code) ? code : 'OTHER');

/**
 * One JSON log line per request, whatever its outcome, and its metrics: for a GraphQL request a
 * histogram sample and, for an answer with errors, one count per distinct error code; for an
 * attachment the download counters.
 */
export const createRequestRecorder = (options: {
  logger: Logger;
  metrics: Metrics;
  /** The active trace id, written on the line when tracing is on. */
  traceIdOf?: () => string | undefined;
}) => {
  const { metrics } = options;
  // The request line goes to the logger's own stream (same destination, level and format).
  const stream = (options.logger as unknown as Record<symbol, pino.DestinationStream>)[
    pino.symbols.streamSym
  ] as pino.DestinationStream;
  const countRefused = (codes: readonly string[], caller: string) => {
    const counted = codes.length === 1 ? codes : new Set(codes);
    for (const code of counted) metrics.requestsRefused.inc({ code: countedCode(code), caller });
  };
  // To stdout (a LineBatch), the line is rendered with its batch; to any other destination, now.
  const batch = stream instanceof LineBatch ? stream : undefined;
  /** The one request line, for both endpoints: fields an endpoint does not have are left out. */
  const writeLine = (record: RequestRecord) => {
    if (!options.logger.isLevelEnabled('info')) return;
    const traceId = options.traceIdOf?.();
    const timeMs = Date.now();
    if (batch) batch.writeLater(new PendingRequestLine(record, traceId, timeMs));
    else stream.write(requestLine(record, traceId, timeMs));
  };
  return (record: RequestRecord) => {
    if (record.endpoint === 'attachments') {
      metrics.attachmentDownloads.inc({ outcome: attachmentOutcome(record) });
      if (record.download) metrics.attachmentBytes.inc(record.download.bytes);
      writeLine(record);
      return;
    }
    metrics.requestSeconds.observe(
      {
        operation_type: record.operationType ?? 'unknown',
        caller: record.callerKind,
        outcome: record.outcome,
      },
      record.durationMs / 1_000,
    );
    if (record.errorCodes) countRefused(record.errorCodes, record.callerKind);
    // Only callers not held to the manifest get this far with another document: the count
    // per caller kind says whether PERSISTED_DOCUMENTS_REQUIRED would refuse anyone.
    if (record.document === 'text' || record.document === 'apq')
      metrics.freeFormDocuments.inc({ caller: record.callerKind, document: record.document });
    if (record.serviceName !== undefined)
      metrics.serviceRequests.inc({ service: record.serviceName, outcome: record.outcome });
    writeLine(record);
  };
};

export type RequestRecorder = ReturnType<typeof createRequestRecorder>;

type LineValue = string | number | readonly string[] | undefined;

/** `,"name":value` for a field that has a value; pino leaves undefined fields out too. */
const field = (name: string, value: LineValue): string =>
  value === undefined
    ? ''
    : `,"${name}":${typeof value !== 'number' ? JSON.stringify(value) : Number.isFinite(value) ? String(value) : 'null'}`;

/**
 * The request's JSON log line, as pino writes a line at `info` (the same members in the same
 * order: level, time, service, traceId, the fields, msg; test/requestLog.test.ts holds the two
 * equal), serialised here. Its fields are known and flat (ids, kinds, names, statuses, numbers,
 * never headers or variables), so pino's general serialiser, its merge of the mixin and the
 * redaction pass are not needed: this was a request's largest single dependency cost (~5 µs).
 */
export const requestLine = (
  record: RequestRecord,
  traceId: string | undefined,
  timeMs = Date.now(),
): string =>
  `{"level":"info","time":"${isoTime(timeMs)}","service":"seek-gateway"` +
  field('traceId', traceId) +
  field('requestId', record.requestId) +
  field('clientRequestId', record.clientRequestId) +
  field('seekRequestIds', record.seekRequestIds) +
  field('method', record.method) +
  field('caller', record.callerKind) +
  field('serviceName', record.serviceName) +
  field('operationName', loggableName(record.operationName)) +
  field('operationType', record.operationType) +
  field('outcome', record.outcome) +
  field('status', record.httpStatus) +
  field('upstreamStatus', record.upstreamStatus) +
  field('durationMs', Math.round(record.durationMs * 100) / 100) +
  field('route', record.route) +
  field('errorCodes', record.errorCodes) +
  field('document', record.document) +
  field('streamedBytes', record.answerStream?.bytes) +
  field('stream', record.answerStream?.outcome) +
  field('bytes', record.download?.bytes) +
  field('download', record.download?.outcome) +
  `,"msg":"${record.endpoint === 'attachments' ? 'attachment request' : 'graphql request'}"}\n`;

/** A request's line as it ended (its record, trace id and time), rendered with its batch. */
class PendingRequestLine implements LaterLine {
  constructor(
    private readonly record: RequestRecord,
    private readonly traceId: string | undefined,
    private readonly timeMs: number,
  ) {}

  render(): string {
    return requestLine(this.record, this.traceId, this.timeMs);
  }
}

/** The ISO time of the last line, kept for the millisecond it names: a batch's lines share most. */
let lastTimeMs = Number.NaN;
let lastTime = '';
const isoTime = (timeMs: number): string => {
  if (timeMs !== lastTimeMs) {
    lastTimeMs = timeMs;
    lastTime = new Date(timeMs).toISOString();
  }
  return lastTime;
};

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;
/** Operation names come from the caller: only a GraphQL name is logged, nothing else. */
export const loggableName = (name: string | null | undefined) =>
  name && GRAPHQL_NAME.test(name) ? name : undefined;
