import { ErrorCode, GatewayError } from '../errors';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * The top-level keys of a JSON object text, in order, repeats included. Only called on text
 * JSON.parse accepted, so it can skip strings and nested values without checking them.
 */
const topLevelKeyCount = (text: string): number => {
  let depth = 0;
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === QUOTE) {
      // A string: at depth 1 right after `{` or `,` it is a key (values follow a colon).
      if (depth === 1 && isKeyPosition(text, index)) count += 1;
      index = endOfString(text, index);
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) depth += 1;
    else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) depth -= 1;
  }
  return count;
};

const isKeyPosition = (text: string, quoteIndex: number) => {
  for (let index = quoteIndex - 1; index >= 0; index -= 1) {
    const char = text.charCodeAt(index);
    if (char === 0x20 || char === 0x0a || char === 0x0d || char === 0x09) continue;
    return char === OPEN_BRACE || char === 0x2c;
  }
  return false;
};

/** Index of the closing quote of the string opening at `start`. */
const endOfString = (text: string, start: number) => {
  let index = start + 1;
  for (;;) {
    const next = text.indexOf('"', index);
    if (next === -1) return text.length;
    let backslashes = 0;
    for (let back = next - 1; text.charCodeAt(back) === BACKSLASH; back -= 1) backslashes += 1;
    if (backslashes % 2 === 0) return next;
    index = next + 1;
  }
};

/**
 * Parses a request body as a JSON object. A key given twice at the top level is refused:
 * parsers disagree on which one wins, so the document the gateway validated might not be
 * the one another parser would run.
 */
export const parseJsonObject = (raw: Buffer): Record<string, unknown> => {
  const text = raw.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError(ErrorCode.BadRequest, 'The request body is not valid JSON');
  }
  if (Array.isArray(parsed)) {
    throw new GatewayError(
      ErrorCode.BadRequest,
      'Batched operations are not supported: send one operation per request',
    );
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new GatewayError(ErrorCode.BadRequest, 'The request body must be a JSON object');
  }
  const object = parsed as Record<string, unknown>;
  if (topLevelKeyCount(text) !== Object.keys(object).length) {
    throw new GatewayError(
      ErrorCode.BadRequest,
      'The request body has a key more than once; send each of query, operationName, variables and extensions once',
    );
  }
  return object;
};
