import { WASM_BASE64 } from './wasm/jsonNested.wasm';

/**
 * The WebAssembly half of the streamed answers' JSON check (src/seek/wasm/jsonNested.c):
 *
 * - `checkNested` reads every value below a top-level member (depth 2 and deeper: nearly all of
 *   a large answer's bytes) with the same grammar and states as jsonStreamCheck.ts, ~4x faster
 *   than the TypeScript loop on an answer of small objects;
 * - `plainRunEnd` finds the end of a long run of plain bytes in a string, 16 bytes a step.
 *
 * The bytes are copied into the module's memory first, a window of at most WINDOW_BYTES at a
 * time, and each byte of a chunk at most once however many calls read it (the window is kept
 * while calls go on in the same chunk): the memory is fixed, whatever the chunk sizes, and a
 * body of many small members costs no more copying than one of a few large ones.
 */
const WINDOW_BYTES = 4 * 64 * 1024;
/** jsonStreamCheck's state for a byte that cannot be valid (the module stops there). */
const S_INVALID = 20;
/** The deepest container stack the module keeps (jsonStreamCheck's MAX_DEPTH). */
const STACK_ENTRIES = 512 + 1;

interface JsonNestedExports {
  memory: { buffer: ArrayBuffer };
  window_at(): number;
  stack_at(): number;
  exit_state_at(): number;
  check_nested(
    from: number,
    to: number,
    state: number,
    depth: number,
    inKey: number,
    aux: number,
  ): number;
  plain_run_end(from: number, to: number): number;
}

/** The part of the WebAssembly API used here (the project's TypeScript libs carry no DOM types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const wasm = new Instance(new Module(Buffer.from(WASM_BASE64, 'base64')))
  .exports as JsonNestedExports;
const window = new Uint8Array(wasm.memory.buffer, wasm.window_at(), WINDOW_BYTES);
const moduleStack = new Uint8Array(wasm.memory.buffer, wasm.stack_at(), STACK_ENTRIES);
/** state, depth, inKey, aux: where check_nested stopped. */
const exitState = new Uint32Array(wasm.memory.buffer, wasm.exit_state_at(), 4);

/** The chunk whose bytes [windowFrom, windowTo) are in the module's memory now. */
let windowChunk: Uint8Array | undefined;
let windowFrom = 0;
let windowTo = 0;

/**
 * Forgets the copied window: a new chunk is being read (a chunk's bytes do not change while it
 * is read, but its object may be a reused one).
 */
export const startChunk = (): void => {
  windowChunk = undefined;
};

/** Makes `chunk[at, …)` readable in the module's memory; the index in `window` where `at` is. */
const windowed = (chunk: Uint8Array, at: number, to: number): number => {
  if (chunk !== windowChunk || at < windowFrom || at >= windowTo) {
    windowChunk = chunk;
    windowFrom = at;
    windowTo = Math.min(to, at + WINDOW_BYTES);
    window.set(chunk.subarray(windowFrom, windowTo), 0);
  }
  return at - windowFrom;
};

/** The index of the first quote, backslash or byte below 0x20 in `chunk[from, to)`, or `to`. */
export const plainRunEnd = (chunk: Uint8Array, from: number, to: number): number => {
  let at = from;
  while (at < to) {
    const offset = windowed(chunk, at, to);
    const end = Math.min(to, windowTo);
    const found = (wasm.plain_run_end(offset, end - windowFrom) | 0) + windowFrom;
    if (found < end) return found;
    at = end;
  }
  return to;
};

/** A check's state below the top level, as check_nested reads and leaves it. */
export interface NestedState {
  state: number;
  depth: number;
  /** 1 while the string being read is a member name. */
  inKey: number;
  /** What a \u escape or a literal has read so far (the module's own encoding). */
  aux: number;
}

/**
 * Reads `chunk[from, to)` from `nested` (depth 2 or more) with the check's container `stack`;
 * stops at `to`, when the depth is back to 1 (the member's value closed), or at the first
 * invalid byte. Returns the index it stopped at; `nested` and `stack` are left as it stopped.
 */
export const checkNested = (
  chunk: Uint8Array,
  from: number,
  to: number,
  nested: NestedState,
  stack: Uint8Array,
): number => {
  moduleStack.set(stack.subarray(0, nested.depth + 1));
  let at = from;
  while (at < to) {
    const offset = windowed(chunk, at, to);
    const end = Math.min(to, windowTo);
    at =
      (wasm.check_nested(
        offset,
        end - windowFrom,
        nested.state,
        nested.depth,
        nested.inKey,
        nested.aux,
      ) |
        0) +
      windowFrom;
    nested.state = exitState[0] as number;
    nested.depth = exitState[1] as number;
    nested.inKey = exitState[2] as number;
    nested.aux = exitState[3] as number;
    if (at < end || nested.depth < 2 || nested.state === S_INVALID) break;
  }
  // The entries below the depth it stopped at are the live ones (those above were popped).
  stack.set(moduleStack.subarray(0, nested.depth + 1));
  return at;
};
