import type { IncomingHttpHeaders } from 'node:http';
import { printableHeaderValue } from '../http/printableHeader';

/** One header's value: the first when repeated, undefined when absent or empty. */
export const singleHeader = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  const single = Array.isArray(value) ? value[0] : value;
  return single && single.length > 0 ? single : undefined;
};

/** Longest X-Session-Id / Accept-Language passed on to SEEK; longer ones are dropped. */
const MAX_FORWARDED_HEADER = 256;

/** A caller header to pass on to SEEK: printable, bounded, or not at all. */
export const forwardableHeader = (headers: IncomingHttpHeaders, name: string): string | undefined =>
  printableHeaderValue(singleHeader(headers, name), MAX_FORWARDED_HEADER);

/** The contract's shape of a caller's X-Request-Id: 1-128 of `[A-Za-z0-9._:-]`. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's X-Request-Id, when well formed: echoed in the answer and logged as
 * clientRequestId. Anything else is ignored (the answer then carries the gateway's own id).
 */
export const clientRequestIdOf = (headers: IncomingHttpHeaders): string | undefined => {
  const value = headers['x-request-id'];
  return typeof value === 'string' && CLIENT_REQUEST_ID.test(value) ? value : undefined;
};
