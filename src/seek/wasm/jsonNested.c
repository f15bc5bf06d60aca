// The nested part of the streamed answers' JSON check (src/seek/jsonStreamCheck.ts), compiled
// to WebAssembly: every value inside a top-level member's value (depth 2 and deeper) is checked
// here, the top level (member names, the capture of `errors`) in TypeScript. Same grammar, same
// state numbers, same verdicts: RFC 8259, string escapes, no raw control characters in strings,
// containers matched, at most MAX_DEPTH deep. Strings are searched 16 bytes a step with SIMD.
//
// Built into src/seek/wasm/jsonNested.wasm.ts by `node scripts/build-wasm.mjs` (clang and lld,
// Debian's `clang` and `lld` packages); no C library, no allocation, no imports.
//
// Streaming: `check_nested` reads window[from, to) from the state it is given and stops at the
// end of the bytes (to be called again with the next ones and the state it left), when the
// container that opened depth 2 closes (depth is back to 1: the TypeScript goes on), or at the
// first byte that cannot be valid (state S_INVALID). The state it stops in is in `exit_state`.
#include <stdint.h>
#include <wasm_simd128.h>

// The states of jsonStreamCheck.ts that can occur at depth 2 and deeper (same numbers).
enum {
  S_VALUE = 1,
  S_VALUE_OR_CLOSE = 2,
  S_KEY_OR_CLOSE = 3,
  S_KEY = 4,
  S_COLON = 5,
  S_AFTER_VALUE = 6,
  S_STRING = 7,
  S_ESCAPE = 8,
  S_UNICODE = 9,
  S_MINUS = 10,
  S_ZERO = 11,
  S_INT = 12,
  S_FRACTION_START = 13,
  S_FRACTION = 14,
  S_EXPONENT_START = 15,
  S_EXPONENT_SIGN = 16,
  S_EXPONENT = 17,
  S_LITERAL = 18,
  S_INVALID = 20,
};

enum { OBJECT = 1, ARRAY = 2 };

#define MAX_DEPTH 512
#define WINDOW_BYTES (4 * 64 * 1024)

// The bytes being read, copied in by the caller; the container stack of the check being run
// (copied in and out by the caller: several checks take turns); the state it stops in.
static uint8_t window[WINDOW_BYTES];
static uint8_t stack[MAX_DEPTH + 1];
static struct {
  uint32_t state;
  uint32_t depth;
  // 1 while the string being read is a member name.
  uint32_t in_key;
  // S_UNICODE: hex digits still due; S_LITERAL: which literal (bits 8+) and the next index.
  uint32_t aux;
} exit_state;

__attribute__((export_name("window_at"))) uint8_t *window_at(void) { return window; }
__attribute__((export_name("stack_at"))) uint8_t *stack_at(void) { return stack; }
__attribute__((export_name("exit_state_at"))) void *exit_state_at(void) { return &exit_state; }

static const uint8_t LITERALS[3][6] = {"true", "false", "null"};
static const uint8_t LITERAL_LENGTHS[3] = {4, 5, 4};

static inline int is_space(uint32_t c) { return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09; }
static inline int is_digit(uint32_t c) { return c - 0x30u < 10u; }
static inline int is_hex(uint32_t c) { return c - 0x30u < 10u || (c | 0x20u) - 0x61u < 6u; }
static inline int is_escapable(uint32_t c) {
  return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
         c == 't';
}

// The index of the first quote, backslash or control byte in window[at, to), or `to`.
static inline uint32_t plain_run_end(uint32_t at, uint32_t to) {
  const v128_t quote = wasm_i8x16_splat('"');
  const v128_t backslash = wasm_i8x16_splat('\\');
  const v128_t space = wasm_i8x16_splat(0x20);
  while (at + 16 <= to) {
    v128_t bytes = wasm_v128_load(window + at);
    v128_t stops = wasm_v128_or(
        wasm_v128_or(wasm_i8x16_eq(bytes, quote), wasm_i8x16_eq(bytes, backslash)),
        wasm_u8x16_lt(bytes, space));
    uint32_t mask = wasm_i8x16_bitmask(stops);
    if (mask != 0) return at + (uint32_t)__builtin_ctz(mask);
    at += 16;
  }
  while (at < to) {
    uint32_t c = window[at];
    if (c == '"' || c == '\\' || c < 0x20) break;
    at += 1;
  }
  return at;
}

__attribute__((export_name("plain_run_end"))) uint32_t plain_run_end_export(uint32_t at,
                                                                          uint32_t to) {
  return plain_run_end(at, to);
}

// The reading is threaded code: one label per state, jumped to directly (a switch on the state
// per byte was ~1.5x slower). NEED(s): at the end of the bytes, stop in state s, to resume there.
#define NEED(s)    \
  do {             \
    if (i == to) { \
      state = (s); \
      goto stop;   \
    }              \
  } while (0)
#define FAIL           \
  do {                 \
    state = S_INVALID; \
    goto stop;         \
  } while (0)

// Exported by name: the index it stopped at; the state it stopped in is in exit_state.
__attribute__((export_name("check_nested"))) uint32_t check_nested(uint32_t from, uint32_t to,
                                                                   uint32_t state, uint32_t depth,
                                                                   uint32_t in_key, uint32_t aux) {
  uint32_t i = from;
  uint32_t c;
  switch (state) {
    case S_VALUE:
      goto value;
    case S_VALUE_OR_CLOSE:
      goto value_or_close;
    case S_KEY_OR_CLOSE:
      goto key_or_close;
    case S_KEY:
      goto key;
    case S_COLON:
      goto colon;
    case S_AFTER_VALUE:
      goto after_value;
    case S_STRING:
      if (in_key) goto key_string;
      goto value_string;
    case S_ESCAPE:
      goto escape;
    case S_UNICODE:
      goto unicode;
    case S_MINUS:
      goto minus;
    case S_ZERO:
      goto zero;
    case S_INT:
      goto integer;
    case S_FRACTION_START:
      goto fraction_start;
    case S_FRACTION:
      goto fraction;
    case S_EXPONENT_START:
      goto exponent_start;
    case S_EXPONENT_SIGN:
      goto exponent_sign;
    case S_EXPONENT:
      goto exponent;
    case S_LITERAL:
      goto literal;
    default:
      // Not a state of a nested value: the caller's mistake, never valid.
      FAIL;
  }

value_or_close:  // right after `[`
  NEED(S_VALUE_OR_CLOSE);
  c = window[i];
  if (c == ']') {
    i += 1;
    goto close;
  }
  if (is_space(c)) {
    i += 1;
    goto value_or_close;
  }
  goto value_byte;
value:  // after `:`, or `,` in an array
  NEED(S_VALUE);
  c = window[i];
value_byte:
  i += 1;
  switch (c) {
    case '"':
      goto value_string;
    case '{':
    case '[':
      if (depth == MAX_DEPTH) FAIL;
      depth += 1;
      stack[depth] = c == '{' ? OBJECT : ARRAY;
      if (c == '{') goto key_or_close;
      goto value_or_close;
    case '-':
      goto minus;
    case '0':
      goto zero;
    case 't':
      aux = (0u << 8) | 1u;
      goto literal;
    case 'f':
      aux = (1u << 8) | 1u;
      goto literal;
    case 'n':
      aux = (2u << 8) | 1u;
      goto literal;
    case ' ':
    case '\n':
    case '\r':
    case '\t':
      goto value;
    default:
      if (!is_digit(c)) FAIL;
      goto integer;
  }

key_or_close:  // right after `{`
  NEED(S_KEY_OR_CLOSE);
  c = window[i];
  if (c == '}') {
    i += 1;
    goto close;
  }
  if (is_space(c)) {
    i += 1;
    goto key_or_close;
  }
  goto key_byte;
key:  // after `,` in an object
  NEED(S_KEY);
  c = window[i];
key_byte:
  i += 1;
  if (c == '"') goto key_string;
  if (!is_space(c)) FAIL;
  goto key;
key_string:
  i = plain_run_end(i, to);
  if (i == to) {
    state = S_STRING;
    in_key = 1;
    goto stop;
  }
  c = window[i];
  i += 1;
  if (c == '"') goto colon;
  if (c != '\\') FAIL;
  in_key = 1;
  goto escape;
colon:
  NEED(S_COLON);
  c = window[i];
  i += 1;
  if (c == ':') goto value;
  if (!is_space(c)) FAIL;
  goto colon;

value_string:
  i = plain_run_end(i, to);
  if (i == to) {
    state = S_STRING;
    in_key = 0;
    goto stop;
  }
  c = window[i];
  i += 1;
  if (c == '"') goto after_value;
  if (c != '\\') FAIL;
  in_key = 0;
  goto escape;
escape:  // after `\` in a string; in_key says which kind
  NEED(S_ESCAPE);
  c = window[i];
  i += 1;
  if (c == 'u') {
    aux = 4;
    goto unicode;
  }
  if (!is_escapable(c)) FAIL;
  if (in_key) goto key_string;
  goto value_string;
unicode:  // aux hex digits of `\uXXXX` still due
  NEED(S_UNICODE);
  if (!is_hex(window[i])) FAIL;
  i += 1;
  aux -= 1;
  if (aux != 0) goto unicode;
  if (in_key) goto key_string;
  goto value_string;

literal: {  // inside true, false or null: aux is which one (bits 8+) and the next index
  NEED(S_LITERAL);
  uint32_t which = aux >> 8;
  uint32_t next = aux & 0xff;
  if (window[i] != LITERALS[which][next]) FAIL;
  i += 1;
  next += 1;
  if (next == LITERAL_LENGTHS[which]) goto after_value;
  aux = (which << 8) | next;
  goto literal;
}

minus:
  NEED(S_MINUS);
  c = window[i];
  i += 1;
  if (c == '0') goto zero;
  if (is_digit(c)) goto integer;
  FAIL;
zero:  // the integer part is `0`: no more digits
  NEED(S_ZERO);
  c = window[i];
  goto after_integer;
integer:
  while (i < to && is_digit(window[i])) i += 1;
  NEED(S_INT);
  c = window[i];
after_integer:
  if (c == '.') {
    i += 1;
    goto fraction_start;
  }
  if (c == 'e' || c == 'E') {
    i += 1;
    goto exponent_start;
  }
  goto after_value;  // the number ended: this byte is read again
fraction_start:
  NEED(S_FRACTION_START);
  if (!is_digit(window[i])) FAIL;
  i += 1;
fraction:
  while (i < to && is_digit(window[i])) i += 1;
  NEED(S_FRACTION);
  c = window[i];
  if (c == 'e' || c == 'E') {
    i += 1;
    goto exponent_start;
  }
  goto after_value;
exponent_start:
  NEED(S_EXPONENT_START);
  c = window[i];
  i += 1;
  if (c == '+' || c == '-') goto exponent_sign;
  if (is_digit(c)) goto exponent;
  FAIL;
exponent_sign:
  NEED(S_EXPONENT_SIGN);
  if (!is_digit(window[i])) FAIL;
  i += 1;
exponent:
  while (i < to && is_digit(window[i])) i += 1;
  NEED(S_EXPONENT);
  goto after_value;

after_value:  // `,` or the container's close
  NEED(S_AFTER_VALUE);
  c = window[i];
  if (c == ',') {
    i += 1;
    if (stack[depth] == OBJECT) goto key;
    goto value;
  }
  if (c == '}' || c == ']') {
    if (stack[depth] != (c == '}' ? OBJECT : ARRAY)) FAIL;
    i += 1;
    goto close;
  }
  if (!is_space(c)) FAIL;
  i += 1;
  goto after_value;
close:  // the byte before i closed the container at `depth`
  depth -= 1;
  if (depth >= 2) goto after_value;
  // Back at the top level: the TypeScript reads on from here.
  state = S_AFTER_VALUE;

stop:
  exit_state.state = state;
  exit_state.depth = depth;
  exit_state.in_key = in_key;
  exit_state.aux = aux;
  return i;
}
