import type { IncomingHttpHeaders } from 'node:http';

/** One header's value: the first when repeated, undefined when absent or empty. */
export const singleHeader = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  const single = Array.isArray(value) ? value[0] : value;
  return single && single.length > 0 ? single : undefined;
};
