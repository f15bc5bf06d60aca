import { parseJsonObject } from '../src/pipeline/jsonBody';

const parse = (text: string) => parseJsonObject(Buffer.from(text));
const refusal = (text: string) => {
  try {
    parse(text);
    return undefined;
  } catch (error) {
    return (error as { code?: string; message: string }).code;
  }
};

describe('request bodies: one JSON object, no key twice', () => {
  it('parses an operation', () => {
    expect(parse('{"query":"{ version }","operationName":null,"variables":{}}')).toEqual({
      query: '{ version }',
      operationName: null,
      variables: {},
    });
  });

  it.each([
    ['a repeated query', '{"query":"{ __schema { types { name } } }","query":"{ version }"}'],
    ['a repeated key spelt with an escape', '{"query":"{ a }","\\u0071uery":"{ version }"}'],
    ['a repeated variables map', '{"query":"{ a }","variables":{},"variables":{"x":1}}'],
    ['a repeated key after whitespace', '{ "query" : "x" ,\n "query":"y"}'],
  ])('refuses %s', (_name, text) => {
    expect(refusal(text)).toBe('BAD_REQUEST');
  });

  it.each([
    ['the key text inside a value', '{"query":"query \\"query\\" { a }","operationName":"query"}'],
    [
      'the key text inside variables',
      '{"query":"{ a }","variables":{"query":"x","v":{"query":1}}}',
    ],
    ['escaped quotes before a key', '{"query":"\\\\","variables":{}}'],
    ['a repeated key the gateway does not read', '{"query":"{ a }","foo":1,"foo":2}'],
    ['the same, with an escape present', '{"query":"\\u0041","foo":1,"foo":2}'],
  ])('accepts %s', (_name, text) => {
    expect(refusal(text)).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"query":'],
    ['a batch', '[{"query":"{ a }"}]'],
    ['a string', '"{ a }"'],
    ['null', 'null'],
  ])('refuses %s with BAD_REQUEST', (_name, text) => {
    expect(refusal(text)).toBe('BAD_REQUEST');
  });
});
