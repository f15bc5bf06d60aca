import pino from 'pino';

import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface RequestRecord {
  requestId: string;
  callerKind: string;
  operationName: string | null | undefined;
  operationType: string | undefined;
  /** ok: answered without errors; error: GraphQL errors; rejected: refused before execution. */
  outcome: 'ok' | 'error' | 'rejected';
  httpStatus: number;
  upstreamStatus: number | undefined;
  durationMs: number;
  /** passthrough: SEEK-only operation served before Apollo; apollo: through Apollo Server. */
  lane: 'passthrough' | 'apollo';
  errorCodes?: string[];
}

/** One JSON log line and one histogram sample per GraphQL request, whichever lane served it. */
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
        caller: record.callerKind,
        operationName: loggableName(record.operationName),
        operationType: record.operationType,
        outcome: record.outcome,
        status: record.httpStatus,
        upstreamStatus: record.upstreamStatus,
        durationMs: Math.round(record.durationMs * 100) / 100,
        lane: record.lane,
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
