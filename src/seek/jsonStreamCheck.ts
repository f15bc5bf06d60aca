/**
 * An incremental JSON syntax check: bytes go in chunk by chunk, as they pass on their way to the
 * client, and the check says as soon as they cannot be the start of one JSON object (RFC 8259:
 * the grammar, string escapes, no raw control characters in strings, nothing but whitespace
 * after the value). Nothing is parsed into values and nothing is kept of the bytes, except:
 *
 * - the names of the top-level members (up to MAX_KEY_CHARS characters each; longer or escaped
 *   names are recorded as not matching any name) and the first byte of each one's value, so a
 *   caller can check a GraphQL response's shape (`data` an object or null, `errors` an array);
 * - the raw bytes of one top-level member's value, when asked (`captureMember`), up to a bound:
 *   a streamed answer's `errors`, for the codes in the log line.
 *
 * Every value below a top-level member (depth 2 and deeper: nearly all of a large answer) is read
 * in WebAssembly (src/seek/wasm/jsonNested.c, through jsonWasm.ts), with the same grammar and
 * states, ~4x faster; the top level here. This loop can still read everything
 * (`nestedIn: 'typescript'`): it is the reference the tests hold the WebAssembly to.
 *
 * Memory is fixed per check: a container stack of MAX_DEPTH entries, a few numbers, and the
 * bounded capture. UTF-8 is not validated (JSON.parse of a decoded body does not reject it
 * either: invalid sequences become U+FFFD).
 */

import { checkNested, plainRunEnd, startChunk, type NestedState } from './jsonWasm';

/** Containers nested deeper than this make the body invalid (JSON.parse has only the stack). */
export const MAX_DEPTH = 512;
/** Top-level member names longer than this are recorded as `undefined` (matching no name). */
const MAX_KEY_CHARS = 32;

// Lexer states.
const S_START = 0; // before the top-level value: whitespace, then `{`
const S_VALUE = 1; // a value is due (after `:`, `,` in an array)
const S_VALUE_OR_CLOSE = 2; // right after `[`
const S_KEY_OR_CLOSE = 3; // right after `{`
const S_KEY = 4; // a member name is due (after `,` in an object)
const S_COLON = 5; // after a member name
const S_AFTER_VALUE = 6; // `,` or the container's close
const S_STRING = 7; // inside a string
const S_ESCAPE = 8; // after `\` in a string
const S_UNICODE = 9; // inside `\uXXXX`
const S_MINUS = 10; // after `-`
const S_ZERO = 11; // a number's integer part is `0`
const S_INT = 12; // in a number's integer digits
const S_FRACTION_START = 13; // after `.`: a digit is due
const S_FRACTION = 14;
const S_EXPONENT_START = 15; // after `e`: sign or digit
const S_EXPONENT_SIGN = 16; // after the exponent's sign: a digit is due
const S_EXPONENT = 17;
const S_LITERAL = 18; // inside true, false or null
const S_DONE = 19; // after the top-level value: whitespace only
const S_INVALID = 20;

/** Bytes of a string read one by one before the rest of its run is searched in bulk. */
const BYTE_LOOP_RUN = 16;

const OBJECT = 1;
const ARRAY = 2;

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const ESCAPABLE = new Uint8Array(256);
for (const c of '"\\/bfnrtu') ESCAPABLE[c.charCodeAt(0)] = 1;

/** Where values below the top level are read: in WebAssembly, or (the reference) in this loop. */
export type NestedIn = 'wasm' | 'typescript';

/** One top-level member as seen so far: its name (when short and plain) and its value's first byte. */
export interface TopLevelMember {
  readonly name: string | undefined;
  readonly firstByte: number;
}

export class JsonStreamCheck {
  private state = S_START;
  private depth = 0;
  private readonly stack = new Uint8Array(MAX_DEPTH + 1);
  /** The string being read is a member name (not a value). */
  private inKey = false;
  private unicodeLeft = 0;
  private literal: Buffer = NULL;
  private literalIndex = 0;
  /** The name of the top-level member being read, while it is short and plain. */
  private keyText: string | undefined = '';
  private lastTopLevelName: string | undefined = undefined;
  private readonly members: TopLevelMember[] = [];
  /** Bytes of the captured member's value so far, and whether it is being read now. */
  private capturing = false;
  private capturedParts: Buffer[] = [];
  private capturedBytes = 0;
  private captureOverflowed = false;
  private captureDone = false;
  /** Where the WebAssembly left a value below the top level (with `stack`), between chunks. */
  private readonly nested: NestedState = { state: S_START, depth: 0, inKey: 0, aux: 0 };
  private readonly nestedInWasm: boolean;

  /**
   * @param captureMember a top-level member whose value's raw bytes to keep (the first one of
   *   that name), up to `captureMaxBytes`; past it nothing is kept (`captured` is undefined).
   * @param nestedIn where values below the top level are read (`typescript`: for the tests).
   */
  constructor(
    private readonly captureMember?: string,
    private readonly captureMaxBytes = 0,
    nestedIn: NestedIn = 'wasm',
  ) {
    this.nestedInWasm = nestedIn === 'wasm';
  }

  /** False once the bytes so far cannot begin a JSON object; stays false. */
  get valid(): boolean {
    return this.state !== S_INVALID;
  }

  /** The top-level members seen so far (a name may repeat: JSON.parse keeps the last). */
  get topLevelMembers(): readonly TopLevelMember[] {
    return this.members;
  }

  /** The captured member's value, when it was seen whole within the bound. */
  get captured(): Buffer | undefined {
    if (!this.captureDone || this.captureOverflowed) return undefined;
    return this.capturedParts.length === 1
      ? this.capturedParts[0]
      : Buffer.concat(this.capturedParts, this.capturedBytes);
  }

  /** Feeds the next chunk; false as soon as the body is invalid. */
  write(chunk: Uint8Array): boolean {
    if (this.state === S_INVALID) return false;
    startChunk();
    const n = chunk.length;
    const stack = this.stack;
    // The hot fields as locals, written back at the end: ~2x faster than through `this`.
    let state = this.state;
    let depth = this.depth;
    let inKey = this.inKey;
    let captureFrom = this.capturing ? 0 : -1;
    let i = 0;
    const nested = this.nested;
    const nestedInWasm = this.nestedInWasm;
    for (;;) {
      if (nestedInWasm && depth >= 2) {
        // Below the top level: the WebAssembly reads on, to the end of the chunk or to where the
        // depth is back to 1 (the member's value closed), from the state it or this loop left.
        if (i >= n || state === S_INVALID) break;
        nested.state = state;
        nested.depth = depth;
        nested.inKey = inKey ? 1 : 0;
        i = checkNested(chunk, i, n, nested, stack) | 0;
        state = nested.state;
        depth = nested.depth;
        inKey = nested.inKey === 1;
        if (depth === 1 && captureFrom >= 0) {
          this.endCapture(chunk, captureFrom, i);
          captureFrom = -1;
        }
        continue;
      }
      scan: while (i < n && state !== S_INVALID) {
        const c = chunk[i] as number;
        switch (state) {
          case S_STRING: {
            if (inKey && depth === 1) {
              // A top-level member name: kept while short and plain (rare, so byte by byte).
              if (c === 0x22) {
                inKey = false;
                this.lastTopLevelName = this.keyText;
                state = S_COLON;
              } else if (c === 0x5c) {
                this.keyText = undefined;
                state = S_ESCAPE;
              } else if (c < 0x20) {
                state = S_INVALID;
              } else if (this.keyText !== undefined) {
                this.keyText =
                  this.keyText.length < MAX_KEY_CHARS
                    ? this.keyText + String.fromCharCode(c)
                    : undefined;
              }
              i += 1;
              break;
            }
            // The hot loop: most of a GraphQL answer's bytes are inside strings. A short string
            // is read here, byte by byte; past BYTE_LOOP_RUN bytes the rest of the run is looked
            // through 16 bytes at a time (plainRunEnd).
            let d = c;
            const last = i + BYTE_LOOP_RUN < n ? i + BYTE_LOOP_RUN : n;
            while (d !== 0x22 && d !== 0x5c && d >= 0x20) {
              i += 1;
              if (i === last) break;
              d = chunk[i] as number;
            }
            if (i === n) break;
            // A long run: its end is searched for out of this loop (below).
            if (i === last) break scan;
            if (d === 0x22) {
              state = inKey ? S_COLON : S_AFTER_VALUE;
              inKey = false;
            } else state = d === 0x5c ? S_ESCAPE : S_INVALID;
            i += 1;
            break;
          }
          case S_AFTER_VALUE:
            if (c === 0x2c) {
              state = stack[depth] === OBJECT ? S_KEY : S_VALUE;
            } else if (c === 0x7d || c === 0x5d) {
              if (stack[depth] !== (c === 0x7d ? OBJECT : ARRAY)) {
                state = S_INVALID;
                break;
              }
              depth -= 1;
              state = depth === 0 ? S_DONE : S_AFTER_VALUE;
              if (depth === 1 && captureFrom >= 0) {
                this.endCapture(chunk, captureFrom, i + 1);
                captureFrom = -1;
              }
            } else if (!isSpace(c)) {
              state = S_INVALID;
              break;
            }
            i += 1;
            break;
          case S_KEY_OR_CLOSE:
          case S_KEY:
            if (c === 0x22) {
              inKey = true;
              if (depth === 1) this.keyText = '';
              state = S_STRING;
            } else if (c === 0x7d && state === S_KEY_OR_CLOSE) {
              depth -= 1;
              state = depth === 0 ? S_DONE : S_AFTER_VALUE;
              if (depth === 1 && captureFrom >= 0) {
                this.endCapture(chunk, captureFrom, i + 1);
                captureFrom = -1;
              }
            } else if (!isSpace(c)) {
              state = S_INVALID;
              break;
            }
            i += 1;
            break;
          case S_COLON:
            if (c === 0x3a) state = S_VALUE;
            else if (!isSpace(c)) {
              state = S_INVALID;
              break;
            }
            i += 1;
            break;
          case S_VALUE:
          case S_VALUE_OR_CLOSE:
            i += 1;
            if (isSpace(c)) break;
            if (c === 0x5d && state === S_VALUE_OR_CLOSE) {
              depth -= 1;
              state = S_AFTER_VALUE;
              if (depth === 1 && captureFrom >= 0) {
                this.endCapture(chunk, captureFrom, i);
                captureFrom = -1;
              }
              break;
            }
            if (depth === 1) {
              // A top-level member's value begins here.
              const name = this.lastTopLevelName;
              this.members.push({ name, firstByte: c });
              // Only a container is captured: its end is where the depth comes back to 1.
              if (
                (c === 0x5b || c === 0x7b) &&
                name !== undefined &&
                name === this.captureMember &&
                !this.captureDone
              ) {
                this.capturing = true;
                captureFrom = i - 1;
              }
            }
            switch (c) {
              case 0x22:
                inKey = false;
                state = S_STRING;
                break;
              case 0x7b:
              case 0x5b:
                if (depth === MAX_DEPTH) {
                  state = S_INVALID;
                  break;
                }
                depth += 1;
                stack[depth] = c === 0x7b ? OBJECT : ARRAY;
                state = c === 0x7b ? S_KEY_OR_CLOSE : S_VALUE_OR_CLOSE;
                // A top-level member's value is a container: the WebAssembly reads it (above).
                if (depth === 2 && nestedInWasm) break scan;
                break;
              case 0x2d:
                state = S_MINUS;
                break;
              case 0x30:
                state = S_ZERO;
                break;
              case 0x74:
                state = this.startLiteral(TRUE);
                break;
              case 0x66:
                state = this.startLiteral(FALSE);
                break;
              case 0x6e:
                state = this.startLiteral(NULL);
                break;
              default:
                state = isDigit(c) ? S_INT : S_INVALID;
            }
            break;
          case S_ESCAPE:
            if (ESCAPABLE[c] !== 1) state = S_INVALID;
            else if (c === 0x75) {
              this.unicodeLeft = 4;
              state = S_UNICODE;
            } else state = S_STRING;
            i += 1;
            break;
          case S_UNICODE:
            if (!isHex(c)) state = S_INVALID;
            else if (--this.unicodeLeft === 0) state = S_STRING;
            i += 1;
            break;
          case S_LITERAL:
            if (c !== this.literal[this.literalIndex]) state = S_INVALID;
            else if (++this.literalIndex === this.literal.length) state = S_AFTER_VALUE;
            i += 1;
            break;
          case S_MINUS:
            if (c === 0x30) state = S_ZERO;
            else state = isDigit(c) ? S_INT : S_INVALID;
            i += 1;
            break;
          case S_ZERO:
          case S_INT:
            if (state === S_INT && isDigit(c)) i += 1;
            else if (c === 0x2e) {
              state = S_FRACTION_START;
              i += 1;
            } else if (c === 0x65 || c === 0x45) {
              state = S_EXPONENT_START;
              i += 1;
            } else state = S_AFTER_VALUE; // the number ended: this byte is read again
            break;
          case S_FRACTION_START:
            state = isDigit(c) ? S_FRACTION : S_INVALID;
            i += 1;
            break;
          case S_FRACTION:
            if (isDigit(c)) i += 1;
            else if (c === 0x65 || c === 0x45) {
              state = S_EXPONENT_START;
              i += 1;
            } else state = S_AFTER_VALUE;
            break;
          case S_EXPONENT_START:
            if (c === 0x2b || c === 0x2d) state = S_EXPONENT_SIGN;
            else state = isDigit(c) ? S_EXPONENT : S_INVALID;
            i += 1;
            break;
          case S_EXPONENT_SIGN:
            state = isDigit(c) ? S_EXPONENT : S_INVALID;
            i += 1;
            break;
          case S_EXPONENT:
            if (isDigit(c)) i += 1;
            else state = S_AFTER_VALUE;
            break;
          case S_START:
            if (c === 0x7b) {
              depth = 1;
              stack[1] = OBJECT;
              state = S_KEY_OR_CLOSE;
            } else if (!isSpace(c)) {
              state = S_INVALID;
              break;
            }
            i += 1;
            break;
          default:
            // S_DONE: whitespace only.
            if (isSpace(c)) i += 1;
            else state = S_INVALID;
        }
      }
      // Out of the loop at the chunk's end, or for a long string run: its end is searched for
      // in bulk, and the loop goes on from the byte that ended it. `| 0`: the index must stay an
      // int32 in the compiled loop (typed as any number, it made the whole loop ~2x slower).
      if (nestedInWasm && depth >= 2) continue;
      if (i >= n || state !== S_STRING) break;
      i = plainRunEnd(chunk, i, n) | 0;
    }
    this.state = state;
    this.depth = depth;
    this.inKey = inKey;
    if (state === S_INVALID) {
      this.dropCapture();
      return false;
    }
    if (captureFrom >= 0) this.keepCaptured(chunk.subarray(captureFrom, n));
    return true;
  }

  /** True when the bytes so far are one whole JSON object and nothing more: the body may end here. */
  get complete(): boolean {
    return this.state === S_DONE;
  }

  private startLiteral(literal: Buffer): number {
    this.literal = literal;
    this.literalIndex = 1;
    return S_LITERAL;
  }

  private keepCaptured(part: Uint8Array) {
    if (this.captureOverflowed) return;
    this.capturedBytes += part.length;
    if (this.capturedBytes > this.captureMaxBytes) {
      this.captureOverflowed = true;
      this.capturedParts = [];
      return;
    }
    // A copy: a view would pin the whole chunk it came from.
    this.capturedParts.push(Buffer.from(part));
  }

  private endCapture(chunk: Uint8Array, from: number, to: number) {
    this.keepCaptured(chunk.subarray(Math.max(from, 0), to));
    this.capturing = false;
    this.captureDone = true;
  }

  private dropCapture() {
    this.capturing = false;
    this.capturedParts = [];
  }
}
