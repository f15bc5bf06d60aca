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
  const { logger, metrics } = options;
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
        operationName: record.operationName ?? undefined,
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
