// The streamed answers' JSON check reads nested values (depth 2 and deeper) in WebAssembly
// (src/seek/wasm/jsonNested.c) and the top level in TypeScript; the TypeScript loop can still
// read everything (`nestedIn: 'typescript'`), and is the reference. These tests hold the two
// equal, byte for byte and chunk split for chunk split, and both to JSON.parse.
import { JsonStreamCheck, MAX_DEPTH, type NestedIn } from '../src/seek/jsonStreamCheck';

/** A small deterministic PRNG (mulberry32), so every run reads the same inputs. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

interface Verdict {
  /** `valid` after each chunk. */
  validAfter: boolean[];
  complete: boolean;
  members: string;
  captured: string | undefined;
}

const run = (chunks: Buffer[], nestedIn: NestedIn): Verdict => {
  const check = new JsonStreamCheck('errors', 4096, nestedIn);
  const validAfter = chunks.map((chunk) => check.write(chunk));
  return {
    validAfter,
    complete: check.valid && check.complete,
    members: JSON.stringify(check.topLevelMembers),
    captured: check.captured?.toString('latin1'),
  };
};

/** What JSON.parse says: one JSON object (the check takes nothing else at the top). */
const parsesAsObject = (body: Buffer): boolean => {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
};

const splitAt = (body: Buffer, points: number[]): Buffer[] => {
  const sorted = [...new Set(points)].filter((p) => p > 0 && p < body.length).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of sorted) {
    chunks.push(body.subarray(from, point));
    from = point;
  }
  chunks.push(body.subarray(from));
  return chunks;
};

const expectSame = (body: Buffer, chunks: Buffer[]) => {
  const wasm = run(chunks, 'wasm');
  const typescript = run(chunks, 'typescript');
  expect({ body: body.toString('latin1'), ...wasm }).toEqual({
    body: body.toString('latin1'),
    ...typescript,
  });
  return wasm;
};

const SEEDS = [
  '{"data":{"a":1}}',
  '{"data":{"positionOpenings":{"edges":[{"node":{"id":{"value":"seekAnzPublicTest:positionOpening:1"},"title":"Senior \\"Engineer\\" \\u00e9","salary":{"minimum":120000,"maximum":150000.5,"exp":-1.5e-3,"big":2E+10},"active":true,"ref":null,"tags":["full time",false,null,[],{}]}}]}}}',
  '{"errors":[{"message":"no","extensions":{"code":"FORBIDDEN"},"path":["a",0]}],"data":null}',
  '{"data":{"s":"\\\\\\/\\b\\f\\n\\r\\t\\"x\\ud83d\\ude00"},"extensions":{"cost":[0,-0,0.5,1e5,12]}}',
  '{ "data" : { "x" : [ 1 , [ 2 , [ 3 ] ] , { "y" : { } } ] } , "errors" : [ ] }',
  `{"data":{"long":"${'plain text, '.repeat(40)}","after":[true,false,null]}}`,
  `{"data":${'['.repeat(40)}1${']'.repeat(40)}}`,
];

/** Bytes a mutation puts in: JSON's structure, escapes, number and literal letters, and junk. */
const INTERESTING = Buffer.from('"\\{}[]:, \n\t0123456789.eE+-tfnrulsa/bx\u0001\u001f\u007f');

const mutate = (seed: Buffer, random: () => number): Buffer => {
  const at = Math.floor(random() * seed.length);
  const byte =
    random() < 0.9
      ? (INTERESTING[Math.floor(random() * INTERESTING.length)] as number)
      : Math.floor(random() * 256);
  switch (Math.floor(random() * 4)) {
    case 0:
      return Buffer.concat([seed.subarray(0, at), seed.subarray(at + 1)]);
    case 1:
      return Buffer.concat([seed.subarray(0, at), Buffer.from([byte]), seed.subarray(at)]);
    case 2: {
      const copy = Buffer.from(seed);
      copy[at] = byte;
      return copy;
    }
    default:
      return seed.subarray(0, at);
  }
};

describe('JSON check: nested values in WebAssembly, the same as in TypeScript', () => {
  it('agrees on every seed split at every byte, and with JSON.parse', () => {
    for (const text of SEEDS) {
      const body = Buffer.from(text);
      expect(parsesAsObject(body)).toBe(true);
      expect(expectSame(body, [body]).complete).toBe(true);
      for (let at = 1; at < body.length; at += 1) {
        expect(expectSame(body, splitAt(body, [at])).complete).toBe(true);
      }
    }
  });

  it('agrees on 6,000 mutated answers, whole and in random chunks, and with JSON.parse', () => {
    const random = prng(15);
    let invalid = 0;
    for (let round = 0; round < 6_000; round += 1) {
      let body: Buffer = Buffer.from(SEEDS[round % SEEDS.length] as string);
      const mutations = 1 + Math.floor(random() * 3);
      for (let m = 0; m < mutations; m += 1) body = mutate(body, random);
      const whole = expectSame(body, [body]);
      expect(whole.complete).toBe(parsesAsObject(body));
      if (!whole.complete) invalid += 1;
      const points = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        Math.floor(random() * body.length),
      );
      expect(expectSame(body, splitAt(body, points)).complete).toBe(whole.complete);
    }
    // The mutations make both kinds: a corpus of only valid (or only invalid) proves little.
    expect(invalid).toBeGreaterThan(1_000);
    expect(invalid).toBeLessThan(5_500);
  });

  it('agrees byte by byte (one-byte chunks) on every seed', () => {
    for (const text of SEEDS) {
      const body = Buffer.from(text);
      const bytes = Array.from(body, (_, at) => body.subarray(at, at + 1));
      expect(expectSame(body, bytes).complete).toBe(true);
    }
  });

  it('reads chunks larger than its window (256 KiB) and many small members without copying each again', () => {
    const rows = Array.from({ length: 12_000 }, (_, index) => ({
      id: `row-${index}`,
      n: index * 1.5,
      ok: index % 2 === 0,
      s: 'x'.repeat(index % 40),
    }));
    const big = Buffer.from(JSON.stringify({ data: { rows } }));
    expect(big.length).toBeGreaterThan(600 * 1024);
    expect(expectSame(big, [big]).complete).toBe(true);
    expect(expectSame(big, splitAt(big, [300_000, 300_001, 599_999])).complete).toBe(true);
    // Many top-level members, each a small container: the TypeScript and the module take turns.
    const members = Object.fromEntries(
      Array.from({ length: 5_000 }, (_, i) => [`m${i}`, [i, { i }]]),
    );
    const many = Buffer.from(JSON.stringify(members));
    expect(expectSame(many, [many]).complete).toBe(true);
  });

  it('refuses containers deeper than MAX_DEPTH, at the same byte', () => {
    const depth = MAX_DEPTH;
    const atLimit = Buffer.from(`{"data":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`);
    expect(expectSame(atLimit, [atLimit]).complete).toBe(true);
    const past = Buffer.from(`{"data":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    const verdict = expectSame(past, splitAt(past, [depth, depth + 8, depth + 9]));
    expect(verdict.complete).toBe(false);
  });

  it('keeps each check its own: two answers read in turns, chunk by chunk', () => {
    const first = Buffer.from(SEEDS[1] as string);
    const second = Buffer.from(SEEDS[2] as string);
    const a = new JsonStreamCheck('errors', 4096);
    const b = new JsonStreamCheck('errors', 4096);
    const step = 7;
    for (let at = 0; at < Math.max(first.length, second.length); at += step) {
      if (at < first.length) expect(a.write(first.subarray(at, at + step))).toBe(true);
      if (at < second.length) expect(b.write(second.subarray(at, at + step))).toBe(true);
    }
    expect(a.complete && b.complete).toBe(true);
    expect(JSON.parse(b.captured?.toString() ?? 'null')).toEqual(
      JSON.parse(second.toString()).errors,
    );
  });
});
