// The request line is serialised by hand (src/observability/requestLog.ts) for speed: it must be
// the line pino writes for the same fields at `info`, member for member and in the same order.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import pino from 'pino';

import { traceIdMixin } from '../src/observability/logger';
import { loggableName, requestLine, type RequestRecord } from '../src/observability/requestLog';

/** What pino writes for the record, with the gateway's options (the recorder's, before it). */
const pinoLine = (record: RequestRecord, traceId: string | undefined): string => {
  let line = '';
  const logger = pino(
    {
      level: 'info',
      base: { service: 'seek-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(traceId ? { mixin: traceIdMixin(() => traceId) } : {}),
    },
    { write: (text: string) => void (line = text) },
  );
  logger.info(
    {
      requestId: record.requestId,
      clientRequestId: record.clientRequestId,
      seekRequestIds: record.seekRequestIds,
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
      document: record.document,
      streamedBytes: record.answerStream?.bytes,
      stream: record.answerStream?.outcome,
      bytes: record.download?.bytes,
      download: record.download?.outcome,
    },
    record.endpoint === 'attachments' ? 'attachment request' : 'graphql request',
  );
  return line;
};

const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');

const base: RequestRecord = {
  endpoint: 'graphql',
  requestId: '6f1f8a2e-4c2b-4a7e-9f3a-0c7b9e1d2a3b',
  clientRequestId: undefined,
  seekRequestIds: ['1f1f8a2e-4c2b-4a7e-9f3a-0c7b9e1d2a3b'],
  method: 'POST',
  callerKind: 'service',
  serviceName: 'billing',
  operationName: 'version',
  operationType: 'query',
  outcome: 'ok',
  httpStatus: 200,
  upstreamStatus: 200,
  durationMs: 1.23456,
  route: 'forward',
  document: 'text',
};

const RECORDS: [string, RequestRecord, string | undefined][] = [
  ['a forwarded query', base, undefined],
  ['with a trace id', base, '4bf92f3577b34da6a3ce929d0e0e4736'],
  [
    'refused, few fields',
    {
      ...base,
      seekRequestIds: undefined,
      callerKind: 'unknown',
      serviceName: undefined,
      operationName: undefined,
      operationType: undefined,
      outcome: 'rejected',
      httpStatus: 401,
      upstreamStatus: undefined,
      route: 'refused',
      errorCodes: ['UNAUTHENTICATED'],
      document: undefined,
    },
    undefined,
  ],
  [
    'names to escape and one not a GraphQL name',
    {
      ...base,
      clientRequestId: 'client "id" \\ é 😀',
      serviceName: 'svc\nwith\u0001control',
      operationName: 'not a name"',
      errorCodes: ['SEEK_BAD_RESPONSE', 'OTHER'],
    },
    undefined,
  ],
  [
    'a streamed answer',
    { ...base, answerStream: { bytes: 1_048_600, outcome: 'bad_response' } },
    undefined,
  ],
  [
    'an attachment',
    {
      ...base,
      endpoint: 'attachments',
      method: 'GET',
      route: 'attachment',
      operationName: undefined,
      operationType: undefined,
      document: undefined,
      download: { bytes: 2048, outcome: 'ok' },
    },
    undefined,
  ],
];

describe('the request line', () => {
  it.each(RECORDS)('is the line pino writes: %s', (_name, record, traceId) => {
    const ours = requestLine(record, traceId);
    expect(withoutTime(ours)).toBe(withoutTime(pinoLine(record, traceId)));
    expect(ours.endsWith('\n')).toBe(true);
    expect(JSON.parse(ours)).toMatchObject({ level: 'info', service: 'seek-gateway' });
  });

  it("writes the request line through stdout's batch as it is written anywhere else", () => {
    const modules = ['logger', 'metrics', 'requestLog'].map((name) =>
      JSON.stringify(path.resolve(__dirname, `../src/observability/${name}.ts`)),
    );
    const stdout = execFileSync(
      process.execPath,
      [
        '--require',
        'tsx/cjs',
        '-e',
        `const { createLogger } = require(${modules[0]});
         const { createMetrics } = require(${modules[1]});
         const { createRequestRecorder } = require(${modules[2]});
         const logger = createLogger({ level: 'info' });
         const record = createRequestRecorder({ logger, metrics: createMetrics() });
         logger.info('before');
         record(${JSON.stringify(base)});
         logger.info('after');
         setTimeout(() => process.exit(0), 50);`,
      ],
      { encoding: 'utf8' },
    );
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      'before',
      'graphql request',
      'after',
    ]);
    expect(withoutTime(lines[1] as string)).toBe(
      withoutTime(requestLine(base, undefined).trimEnd()),
    );
  });
});
