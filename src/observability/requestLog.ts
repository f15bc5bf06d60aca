import pino from 'pino';

import { ErrorCode } from '../errors';
import type { DownloadOutcome } from '../pipeline/state';

import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface RequestRecord {
  /** POST/GET /graphql, or GET /attachments. */
  endpoint: 'graphql' | 'attachments';
  requestId: string;
  method: string;
  /** The caller's kind, or `unknown` when the request was refused before it was resolved. */
  callerKind: string;
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
  /** An attachment whose headers went out: the bytes passed on and how the body ended. */
  download?: { bytes: number; outcome: DownloadOutcome };
}

/** The metric label of an attachment request's outcome. */
const attachmentOutcome = (record: RequestRecord): string => {
  if (record.download) return record.download.outcome;
  if (record.route === 'refused') return 'refused';
  return record.errorCodes?.includes(ErrorCode.AttachmentTooLarge) ? 'too_large' : 'upstream_error';
};

/**
 * One JSON log line per request, whatever its outcome, and its metrics: a histogram sample for
 * a GraphQL request, the download counters for an attachment.
 */
export const createRequestRecorder = (options: { logger: Logger; metrics: Metrics }) => {
  const { metrics } = options;
  // The request line is built here from known fields only (ids, kinds, names, statuses, times),
  // never from headers or variables, so it skips the redaction pass the general logger runs
  // on every line (a measurable cost per request). Same level, stream and format.
  const logger = pino(
    {
      level: options.logger.level,
      base: { service: 'seek-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    (options.logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym],
  );
  return (record: RequestRecord) => {
    if (record.endpoint === 'attachments') {
      metrics.attachmentDownloads.inc({ outcome: attachmentOutcome(record) });
      if (record.download) metrics.attachmentBytes.inc(record.download.bytes);
      logger.info(
        {
          requestId: record.requestId,
          method: record.method,
          caller: record.callerKind,
          outcome: record.outcome,
          status: record.httpStatus,
          upstreamStatus: record.upstreamStatus,
          durationMs: Math.round(record.durationMs * 100) / 100,
          route: record.route,
          errorCodes: record.errorCodes,
          bytes: record.download?.bytes,
          download: record.download?.outcome,
        },
        'attachment request',
      );
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
    logger.info(
      {
        requestId: record.requestId,
        method: record.method,
        caller: record.callerKind,
        operationName: loggableName(record.operationName),
        operationType: record.operationType,
        outcome: record.outcome,
        status: record.httpStatus,
        upstreamStatus: record.upstreamStatus,
        durationMs: Math.round(record.durationMs * 100) / 100,
        route: record.route,
        errorCodes: record.errorCodes,
      },
      'graphql request',
    );
  };
};

export type RequestRecorder = ReturnType<typeof createRequestRecorder>;

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;
/** Operation names come from the caller: only a GraphQL name is logged, nothing else. */
const loggableName = (name: string | null | undefined) =>
  name && GRAPHQL_NAME.test(name) ? name : undefined;
