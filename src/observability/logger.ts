import pino, { type DestinationStream, type Logger } from 'pino';

import { LineBatch } from './lineBatch';

/**
 * Paths that may hold a credential anywhere in a log object. pino removes them before the
 * line is serialised, so no code path can print a token by accident.
 */
export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'secret',
  '*.secret',
  'variables',
  '*.variables',
];

export type { Logger };

/**
 * pino's mixin adding `traceId` to every line written inside a traced request. A new object
 * each time: pino merges the line's fields into it.
 */
export const traceIdMixin = (traceIdOf: () => string | undefined) => () => {
  const traceId = traceIdOf();
  return traceId ? { traceId } : {};
};

export const createLogger = (options: {
  level: string;
  destination?: DestinationStream;
  /** With tracing on: the active trace id, for every line (no mixin at all without it). */
  traceIdOf?: () => string | undefined;
  /** Told how many lines were dropped because stdout stopped draining. */
  onDropped?: (lines: number) => void;
}): Logger =>
  pino(
    {
      level: options.level,
      base: { service: 'seek-gateway' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(options.traceIdOf ? { mixin: traceIdMixin(options.traceIdOf) } : {}),
    },
    options.destination ?? stdoutDestination(options.onDropped),
  );

/** Log lines held before a write to stdout; written at least every LOG_FLUSH_MS anyway. */
export const LOG_BATCH_BYTES = 64 * 1024;
const LOG_FLUSH_MS = 250;
/** Past this many bytes waiting (stdout not draining), new lines are dropped and counted. */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Asynchronous, batched writes to stdout: a synchronous write per request line was the largest
 * single cost of the hot path, and one asynchronous write per line still cost ~10% of it (each
 * is a trip through libuv's thread pool). Lines are gathered (LineBatch) and written once 64 KiB
 * are waiting, or within 250 ms; what is left is flushed at shutdown and when the process exits.
 * What waits is bounded: a stdout that stops draining cannot grow the process past
 * LOG_BUFFER_MAX_BYTES (sonic-boom's bound; the batches past it are dropped and counted).
 */
const stdoutDestination = (onDropped: ((lines: number) => void) | undefined) =>
  new LineBatch(
    pino.destination({ dest: 1, sync: false, maxLength: LOG_BUFFER_MAX_BYTES }),
    LOG_BATCH_BYTES,
    LOG_FLUSH_MS,
    onDropped,
  );

/** Turns an unknown thrown value into a loggable object without its message leaking secrets. */
export const describeError = (error: unknown): Record<string, unknown> => {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return {
      type: error.name,
      message: scrubSecrets(error.message),
      code: (error as { code?: unknown }).code,
      stack: error.stack ? scrubSecrets(error.stack) : undefined,
      cause:
        cause instanceof Error
          ? { type: cause.name, message: scrubSecrets(cause.message) }
          : undefined,
    };
  }
  return { type: typeof error };
};

/** A message as one line for an operator: scrubbed, whitespace folded. */
export const scrubbedLine = (text: string): string =>
  scrubSecrets(text).replace(/\s+/g, ' ').trim();

/** A URL as a message may show it: no user info, query or fragment (nor a lone `/` path). */
export const shownUrl = (value: string): string => {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return '(unparseable)';
  }
};

/**
 * Bearer values, JWT-shaped strings and the user:password of URLs never reach a log line,
 * even inside a message.
 */
export const scrubSecrets = (text: string): string =>
  text
    .replace(/Bearer\s+[^\s"']+/gi, 'Bearer [redacted]')
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"']*@/gi, '$1[redacted]@')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[redacted-jwt]');
