import { printableHeaderValue } from '../src/http/printableHeader';
import { forwardableHeader } from '../src/pipeline/headers';

// The one rule both directions use: a caller's header on its way to SEEK (forwardableHeader,
// 256 characters) and SEEK's attachment headers on their way to the caller (1,024).
const CASES: [string, string | undefined, boolean][] = [
  ['plain text', 'en-AU,en;q=0.9', true],
  ['printable punctuation', 'abc-123_~!"#$%&()*+,./:;<=>?@[\\]^`{|}', true],
  ['CR LF (header injection)', 'a\r\nX-Evil: 1', false],
  ['a tab', 'a\tb', false],
  ['NUL', 'a\u0000b', false],
  ['DEL', 'a\u007fb', false],
  ['non-ASCII', 'caf\u00e9', false],
  ['empty', '', false],
  ['absent', undefined, false],
];

describe('printableHeaderValue: the one rule for a header value passed across', () => {
  it.each(CASES)('%s', (_name, value, passes) => {
    expect(printableHeaderValue(value, 1_024)).toBe(passes ? value : undefined);
    expect(
      forwardableHeader(value === undefined ? {} : { 'x-session-id': value }, 'x-session-id'),
    ).toBe(passes ? value : undefined);
  });

  it('passes a value of exactly the bound and drops one character more, whole', () => {
    expect(printableHeaderValue('x'.repeat(256), 256)).toBe('x'.repeat(256));
    expect(printableHeaderValue('x'.repeat(257), 256)).toBeUndefined();
    expect(
      forwardableHeader({ 'accept-language': 'x'.repeat(256) }, 'accept-language'),
    ).toHaveLength(256);
    expect(
      forwardableHeader({ 'accept-language': 'x'.repeat(257) }, 'accept-language'),
    ).toBeUndefined();
  });
});
