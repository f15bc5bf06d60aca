import { WASM_BASE64 } from './wasm/plainRun.wasm';

/**
 * The streamed answers' JSON check spends most of its time inside strings, looking for the byte
 * that ends a run of plain ones (a quote, a backslash, a control character). Past a few bytes
 * that search runs here, in WebAssembly with SIMD (src/seek/wasm/plainRun.wat): 16 bytes a step,
 * ~0.05 ns a byte against ~0.8 for the JavaScript byte loop (a 1 MB answer: ~0.1 ms of CPU
 * instead of ~1 ms). The bytes are copied into the module's memory first (~0.01 ns a byte), a
 * window of at most WINDOW_BYTES at a time: its memory is fixed, whatever the chunk sizes.
 */
const WINDOW_BYTES = 4 * 64 * 1024; // the module's 4 pages

interface PlainRunExports {
  memory: { buffer: ArrayBuffer };
  plainRunEnd(from: number, to: number): number;
}

/** The part of the WebAssembly API used here (the project's TypeScript libs carry no DOM types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const wasm = new Instance(new Module(Buffer.from(WASM_BASE64, 'base64')))
  .exports as PlainRunExports;
const memory = new Uint8Array(wasm.memory.buffer);

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

/** The index of the first quote, backslash or byte below 0x20 in `chunk[from, to)`, or `to`. */
export const stats = { calls: 0, copies: 0 };
export const plainRunEnd = (chunk: Uint8Array, from: number, to: number): number => {
  let at = from;
  while (at < to) {
    if (chunk !== windowChunk || at < windowFrom || at >= windowTo) {
      windowChunk = chunk;
      windowFrom = at;
      windowTo = Math.min(to, at + WINDOW_BYTES);
      memory.set(chunk.subarray(windowFrom, windowTo), 0);
    }
    const end = Math.min(to, windowTo);
    const found = (wasm.plainRunEnd(at - windowFrom, end - windowFrom) | 0) + windowFrom;
    if (found < end) return found;
    at = end;
  }
  return to;
};
