// The incremental JSON check against JSON.parse, the reference: the same verdict for every
// document of a fixed corpus and of a seeded random one (valid documents, and each one cut and
// with bytes changed), whatever the chunk boundaries. Top-level objects only (what a GraphQL
// response is); nesting past MAX_DEPTH is the one place it is stricter, on purpose.
import { JsonStreamCheck, MAX_DEPTH } from '../src/seek/jsonStreamCheck';

/** JSON.parse's verdict on a body that must be one JSON object. */
const reference = (bytes: Buffer) => {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
};

/** The check's verdict, the bytes fed in chunks cut at `cuts`. */
const verdict = (bytes: Buffer, cuts: readonly number[] = []) => {
  const check = new JsonStreamCheck('errors', 1_024);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (!check.write(bytes.subarray(from, cut))) return false;
    from = cut;
  }
  return check.complete;
};

const CORPUS_VALID = [
  '{}',
  ' \n\t\r{ } \n',
  '{"data":null}',
  '{"data":{"a":[1,-2,3.25,-0.5e10,1E+2,4e-3,0,-0]}}',
  '{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00"}',
  '{"a":[[],{},[{}],[[[]]]],"b":true,"c":false,"d":null}',
  '{"é":"ünïcødé ✓ 😀"}',
  '{"errors":[{"message":"x","extensions":{"code":"FORBIDDEN"}}],"data":null}',
  '{"a":1,"a":2}',
];
const CORPUS_INVALID = [
  '',
  ' ',
  '[]',
  '"a"',
  '1',
  'null',
  '{',
  '{"a"',
  '{"a":',
  '{"a":1',
  '{"a":1,}',
  '{,}',
  '{"a":1}}',
  '{"a":1} x',
  '{"a":1}{}',
  '{"a":01}',
  '{"a":1.}',
  '{"a":.5}',
  '{"a":-}',
  '{"a":1e}',
  '{"a":1e+}',
  '{"a":+1}',
  '{"a":tru}',
  '{"a":nul}',
  '{"a":True}',
  '{"a":"\\x"}',
  '{"a":"\\u12g4"}',
  '{"a":"tab\there"}',
  '{"a":"new\nline"}',
  "{'a':1}",
  '{a:1}',
  '{"a" 1}',
  '{"a":[1,]}',
  '{"a":[1 2]}',
  '{"a":[}',
  '{"a":{]}',
  '{"a":1]',
  '\ufeff{}',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":"unterminated}',
];

describe('JsonStreamCheck', () => {
  it.each(CORPUS_VALID.map((text) => [text]))('accepts %j, cut anywhere', (text) => {
    const bytes = Buffer.from(text);
    expect(reference(bytes)).toBe(true);
    for (let cut = 0; cut <= bytes.length; cut += 1) expect(verdict(bytes, [cut])).toBe(true);
    expect(
      verdict(
        bytes,
        Array.from({ length: bytes.length }, (_, index) => index),
      ),
    ).toBe(true);
  });

  it.each(CORPUS_INVALID.map((text) => [text]))('refuses %j, cut anywhere', (text) => {
    const bytes = Buffer.from(text);
    expect(reference(bytes)).toBe(false);
    for (let cut = 0; cut <= bytes.length; cut += 1) expect(verdict(bytes, [cut])).toBe(false);
  });

  it('agrees with JSON.parse on random documents, cut short and with bytes changed', () => {
    let seed = 15;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const value = (depth: number): unknown => {
      const kind = depth > 4 ? Math.floor(random() * 4) : Math.floor(random() * 6);
      if (kind === 0) return pick([true, false, null]);
      if (kind === 1) return pick([0, -1, 3.5, 1e21, -2.5e-7, 123456789]);
      if (kind === 2) return pick(['', 'a', 'quote " and \\ slash', 'é😀', '\u0001\n\t', '</x>']);
      if (kind === 3) return `s${Math.floor(random() * 1000)}`;
      if (kind === 4)
        return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, (_, index) => [
          pick(['data', 'errors', 'k', `key${index}`, 'é']),
          value(depth + 1),
        ]),
      );
    };
    const MUTATIONS = [...'{}[]:,"\\ 0-.eE+tfnu x\n'].map((c) => c.charCodeAt(0));
    let compared = 0;
    for (let documentIndex = 0; documentIndex < 400; documentIndex += 1) {
      const text = JSON.stringify({ data: value(1), errors: [value(2)] }, null, pick([0, 1]));
      const bytes = Buffer.from(text);
      const cuts = [Math.floor(random() * bytes.length)];
      expect(verdict(bytes, cuts)).toBe(true);
      for (let variant = 0; variant < 8; variant += 1) {
        const changed = Buffer.from(bytes);
        changed[Math.floor(random() * changed.length)] = pick(MUTATIONS);
        const short = changed.subarray(
          0,
          random() < 0.3 ? Math.floor(random() * changed.length) : changed.length,
        );
        expect([
          text,
          short.toString(),
          verdict(
            short,
            cuts.filter((cut) => cut <= short.length),
          ),
        ]).toEqual([text, short.toString(), reference(short)]);
        compared += 1;
      }
    }
    expect(compared).toBe(3_200);
  });

  // Long strings are searched in bulk (src/seek/jsonWasm.ts: WebAssembly, 16 bytes a step, a
  // 256 KiB window): a byte that ends the run must be found wherever it sits in it.
  it('finds a quote, a backslash or a control byte anywhere in a long string, cut anywhere', () => {
    const lengths = [15, 16, 17, 31, 32, 33, 47, 100, 1_000];
    const specials: [string, string][] = [
      ['\\n', 'valid'], // an escape
      ['\\u00e9', 'valid'],
      ['\n', 'invalid'], // a raw control character
      ['\u0000', 'invalid'],
      ['\u001f', 'invalid'],
      ['"', 'invalid'], // a quote ends the string early: `x"x…` follows
      ['\\q', 'invalid'], // a bad escape
    ];
    let compared = 0;
    for (const length of lengths) {
      for (let at = 0; at < length; at += at < 40 ? 1 : 37) {
        for (const [special, expected] of specials) {
          const inner = `${'x'.repeat(at)}${special}${'y'.repeat(length - at)}`;
          const bytes = Buffer.from(`{"data":{"a":"${inner}","b":1}}`);
          expect(reference(bytes)).toBe(expected === 'valid');
          for (const cut of [0, 11, 14 + at, 15 + at, 30 + at, bytes.length - 3]) {
            // An odd offset into a larger buffer, as the pool's chunks are.
            const padded = Buffer.concat([Buffer.from('..'), bytes]).subarray(2);
            expect([inner, cut, verdict(padded, [Math.min(cut, bytes.length)])]).toEqual([
              inner,
              cut,
              expected === 'valid',
            ]);
            compared += 1;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(1_000);
  });

  it('finds a control byte on either side of the bulk search window (256 KiB)', () => {
    const WINDOW = 256 * 1024;
    for (const at of [WINDOW - 40, WINDOW - 17, WINDOW - 1, WINDOW, WINDOW + 1, 2 * WINDOW + 5]) {
      const body = Buffer.from(`{"data":{"a":"${'x'.repeat(3 * WINDOW)}"}}`);
      expect(verdict(body)).toBe(true);
      expect(verdict(body, [WINDOW / 2, WINDOW + 3])).toBe(true);
      const broken = Buffer.from(body);
      broken[14 + at] = 0x01;
      expect(verdict(broken)).toBe(false);
      expect(verdict(broken, [WINDOW / 2, WINDOW + 3])).toBe(false);
      broken[14 + at] = 0x22; // a quote: the string ends there, `xxx…` after it is not JSON
      expect(verdict(broken)).toBe(false);
    }
  });

  it(`refuses nesting deeper than ${MAX_DEPTH}, accepts ${MAX_DEPTH}`, () => {
    const nested = (levels: number) =>
      Buffer.from(`{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`);
    expect(verdict(nested(MAX_DEPTH))).toBe(true);
    expect(verdict(nested(MAX_DEPTH + 1))).toBe(false);
    expect(reference(nested(MAX_DEPTH + 1))).toBe(true);
  });

  it('reports the top-level members and the first byte of each value, cut anywhere', () => {
    const bytes = Buffer.from(
      '{"data":{"errors":[1]},"errors":[{"a":1}],"d\\u0061ta":null,"a_very_long_member_name_over_32_chars":1}',
    );
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const check = new JsonStreamCheck('errors', 1_024);
      check.write(bytes.subarray(0, cut));
      check.write(bytes.subarray(cut));
      expect(check.complete).toBe(true);
      expect(check.topLevelMembers).toEqual([
        { name: 'data', firstByte: '{'.charCodeAt(0) },
        { name: 'errors', firstByte: '['.charCodeAt(0) },
        { name: undefined, firstByte: 'n'.charCodeAt(0) },
        { name: undefined, firstByte: '1'.charCodeAt(0) },
      ]);
      expect(check.captured?.toString()).toBe('[{"a":1}]');
    }
  });

  // The fast paths of JsonStreamCheck.write take a whole sequence at once when the chunk holds
  // it (a member name's `":`, a string value's opening quote, `,"`, `{"`, `["`, a digit run, a
  // whole literal), and leave it to the byte-by-byte states when the chunk ends inside it. Each
  // document is fed cut at every offset into two chunks, and one byte per chunk: the verdict,
  // the members and the capture must be those of one chunk, and the verdict JSON.parse's.
  const FAST_PATH_VALID = [
    '{"data":{"a":"x","b":"","c":"y"},"errors":[{"m":"e"}]}',
    '{"data":{"a":{"b":{"c":"d"}},"e":["f","g",""],"h":[{"i":"j"},{"k":[]}]}}',
    '{"data":[true,false,null,{"t":true,"f":false,"n":null}],"x":true}',
    '{"data":[0,7,-0,-12,3.25,10.5e3,1E-2,1e+2,123456789,-0.0e0],"n":42}',
    '{"data":{"a":1,"b":2.5,"c":-3,"d":4e1},"errors":[1,2,{"k":3}]}',
    '{ "data" : { "a" : "x" , "b" : [ "y" , true , null , 1 ] , "c" : { } } , "errors" : [ ] }',
    '{"data":{"k":"a long value, past the sixteen bytes read one by one","\\u0061":"\\"\\n"}}',
    '{"a":{"":""},"b":[[["x"]]],"c":{"d":[{"e":{"f":"g"}}]}}',
  ];
  const FAST_PATH_INVALID = [
    '{"data":{"a":tru}}',
    '{"data":[tru]}',
    '{"data":{"a":nul,"b":1}}',
    '{"data":[nul,1]}',
    '{"data":[nulll]}',
    '{"data":[falsy]}',
    '{"data":[truex]}',
    '{"data":{"a":1.}}',
    '{"data":[1.e5]}',
    '{"data":[-]}',
    '{"data":{"a":-}}',
    '{"data":{"a":01}}',
    '{"data":[-01]}',
    '{"data":[1e]}',
    '{"data":{"a" 1}}',
    '{"data":{"a""b"}}',
    '{"data":{"a":1,}}',
    '{"data":{"a":"x",}}',
    '{"data":[1,]}',
    '{"data":["x",]}',
    '{"data":{"a":"x"]}',
    '{"data":["x"}}',
    '{"data":{"a"::1}}',
    '{"data":{"a":,1}}',
    '{"data":{,"a":1}}',
    '{"data":{"a":1,,"b":2}}',
    '{"data":{"k\u0001":1}}',
    '{"k\u001f":1}',
    '{"data":{"a\nb":1}}',
    '{"data":{"a":"x"}"b":1}',
    '{"data":{"a":"\\q"}}',
  ];
  /** Verdict, members and capture after every chunk; the chunks cut at `cuts`. */
  const outcome = (bytes: Buffer, cuts: readonly number[]) => {
    const check = new JsonStreamCheck('errors', 1_024);
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      check.write(bytes.subarray(from, cut));
      from = cut;
    }
    return {
      valid: check.valid,
      complete: check.complete,
      members: check.topLevelMembers,
      captured: check.captured?.toString('latin1'),
    };
  };
  it.each([...FAST_PATH_VALID, ...FAST_PATH_INVALID].map((text) => [text]))(
    'gives %j the same outcome whatever the cut (fast paths)',
    (text) => {
      const bytes = Buffer.from(text);
      const whole = outcome(bytes, []);
      expect(whole.valid && whole.complete).toBe(reference(bytes));
      expect(whole.complete).toBe(FAST_PATH_VALID.includes(text));
      for (let cut = 0; cut <= bytes.length; cut += 1) {
        expect([cut, outcome(bytes, [cut])]).toEqual([cut, whole]);
      }
      const everyByte = Array.from({ length: bytes.length }, (_, index) => index);
      expect(outcome(bytes, everyByte)).toEqual(whole);
    },
  );

  it('agrees with JSON.parse on random nested documents, mutated and cut at random offsets', () => {
    let seed = 20_261_202;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    // The list answers' shape: objects of short strings, numbers and literals, some nesting.
    const value = (depth: number): unknown => {
      const kind = depth > 5 ? Math.floor(random() * 4) : Math.floor(random() * 7);
      if (kind === 0) return pick([true, false, null]);
      if (kind === 1) return pick([0, -1, 7, 3.5, 1e21, -2.5e-7, 120_000, 150_000.5]);
      if (kind === 2)
        return pick(['', 'AU', 'a "quoted" \\ word', 'équipes', '\u0001\n', 'x'.repeat(40)]);
      if (kind === 3) return `REF-${Math.floor(random() * 1000)}`;
      if (kind === 4)
        return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: 1 + Math.floor(random() * 4) }, (_, index) => [
          pick([
            'id',
            'title',
            'label',
            'errors',
            '',
            `key${index}`,
            'é',
            'a_name_of_twenty_bytes',
          ]),
          value(depth + 1),
        ]),
      );
    };
    const MUTATIONS = [...'{}[]:,"\\ 0123-.eE+tfnulrse x\n\t\u0001'].map((c) => c.charCodeAt(0));
    let compared = 0;
    for (let documentIndex = 0; documentIndex < 500; documentIndex += 1) {
      const text = JSON.stringify({ data: value(1), errors: [value(3)] }, null, pick([0, 0, 1]));
      const bytes = Buffer.from(text);
      const whole = outcome(bytes, []);
      expect(whole.complete).toBe(true);
      for (let variant = 0; variant < 8; variant += 1) {
        const changed = Buffer.from(bytes);
        if (variant > 0) {
          for (let change = 0; change < 1 + Math.floor(random() * 2); change += 1) {
            changed[Math.floor(random() * changed.length)] = pick(MUTATIONS);
          }
        }
        const short = changed.subarray(
          0,
          random() < 0.2 ? Math.floor(random() * changed.length) : changed.length,
        );
        const cuts = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
          Math.floor(random() * (short.length + 1)),
        ).sort((a, b) => a - b);
        const cutOutcome = outcome(short, cuts);
        // Valid per JSON.parse ⇔ complete (and valid) after the last chunk, whatever the cuts;
        // and the same members and capture as one chunk.
        expect([short.toString(), cuts, cutOutcome.valid && cutOutcome.complete]).toEqual([
          short.toString(),
          cuts,
          reference(short),
        ]);
        expect(cutOutcome).toEqual(outcome(short, []));
        compared += 1;
      }
    }
    expect(compared).toBe(4_000);
  });

  it('keeps the captured member only within its bound', () => {
    const errors = JSON.stringify([{ message: 'm'.repeat(100) }]);
    const check = new JsonStreamCheck('errors', 50);
    expect(check.write(Buffer.from(`{"errors":${errors}}`))).toBe(true);
    expect(check.complete).toBe(true);
    expect(check.captured).toBeUndefined();
  });
});
