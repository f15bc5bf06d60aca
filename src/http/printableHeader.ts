/**
 * The one rule for a header value the gateway passes from one side to the other (a caller's
 * X-Session-Id to SEEK, SEEK's Content-Type to a caller): printable ASCII only, at most
 * `maxChars`, or not passed at all. Nothing is trimmed or repaired: a value that breaks the rule
 * is dropped whole, so no control character, CR/LF or oversized value ever crosses.
 */
export const printableHeaderValue = (
  value: string | undefined,
  maxChars: number,
): string | undefined =>
  value !== undefined &&
  value.length > 0 &&
  value.length <= maxChars &&
  /^[\x20-\x7e]+$/.test(value)
    ? value
    : undefined;
