import { ErrorCode, GatewayError } from '../errors';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * The top-level keys of a JSON object text, in order, repeats included, escapes decoded. Only
 * called on text JSON.parse accepted, so it can skip strings and nested values unchecked.
 */
const topLevelKeys = (text: string): string[] => {
  let depth = 0;
  const keys: string[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === QUOTE) {
      const end = endOfString(text, index);
      // A string at depth 1 right after `{` or `,` is a key (values follow a colon).
      if (depth === 1 && isKeyPosition(text, index))
        keys.push(JSON.parse(text.slice(index, end + 1)) as string);
      index = end;
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) depth += 1;
    else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) depth -= 1;
  }
  return keys;
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

/** The keys the gateway reads; a repeat of any other key is ignored, as the key itself is. */
const OPERATION_KEYS = ['query', 'operationName', 'variables', 'extensions', 'documentId'];
const QUOTED_OPERATION_KEYS = OPERATION_KEYS.map((key) => `"${key}"`);

/**
 * False when no key can be repeated: no escape sequence (an escaped key could spell a name
 * another way) and each operation key's text at most once. Then the exact scan is skipped:
 * it is the common case, and the scan walks the whole body.
 */
const mayRepeatAKey = (text: string) => {
  if (text.includes('\\u')) return true;
  for (const quoted of QUOTED_OPERATION_KEYS) {
    const first = text.indexOf(quoted);
    if (first !== -1 && text.indexOf(quoted, first + quoted.length) !== -1) return true;
  }
  return false;
};

const repeatsAnOperationKey = (text: string) => {
  const keys = topLevelKeys(text).filter((key) => OPERATION_KEYS.includes(key));
  return new Set(keys).size !== keys.length;
};

/**
 * Parses a request body as a JSON object. An operation key (query, operationName, variables,
 * extensions) given twice at the top level is refused: parsers disagree on which one wins, so
 * the document the gateway validated might not be the one another parser would run.
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
  if (mayRepeatAKey(text) && repeatsAnOperationKey(text)) {
    throw new GatewayError(
      ErrorCode.BadRequest,
      'The request body has an operation key more than once; send each of query, operationName, variables and extensions once',
    );
  }
  return object;
};
