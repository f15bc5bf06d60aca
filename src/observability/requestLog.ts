import pino from 'pino';

import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface RequestRecord {
  requestId: string;
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
  /** forward: SEEK-only, sent to SEEK as it is; execute: run by the gateway; refused: never run. */
  route: 'forward' | 'execute' | 'refused';
  errorCodes?: string[];
}

/** One JSON log line and one histogram sample per GraphQL request, whatever its outcome. */
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
    if (record.serviceName !== undefined)
      metrics.serviceRequests.inc({ service: record.serviceName, outcome: record.outcome });
    logger.info(
      {
        requestId: record.requestId,
        method: record.method,
        caller: record.callerKind,
        serviceName: record.serviceName,
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
