;; The inner loop of the streamed answers' JSON check (src/seek/plainRun.ts): where, in a run of
;; bytes inside a JSON string, the first byte that ends the run is: a quote (0x22), a backslash
;; (0x5c) or a control character (below 0x20). Sixteen bytes per step with SIMD, then byte by
;; byte for the last few. The caller copies the bytes into `memory` first.
;;
;; Built into src/seek/wasm/plainRun.wasm.ts by `node scripts/build-wasm.mjs` (wabt).
(module
  (memory (export "memory") 4 4)
  ;; The index of the first quote, backslash or control byte in memory[from, to), or `to`.
  (func (export "plainRunEnd") (param $from i32) (param $to i32) (result i32)
    (local $i i32)
    (local $v v128)
    (local $mask i32)
    (local.set $i (local.get $from))
    (block $tail
      (loop $wide
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $to)))
        (local.set $v (v128.load (local.get $i)))
        (local.set $mask
          (i8x16.bitmask
            (v128.or
              (v128.or
                (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22)))
                (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))
              (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 0x20))))))
        (if (local.get $mask)
          (then (return (i32.add (local.get $i) (i32.ctz (local.get $mask))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $wide)))
    (block $done
      (loop $narrow
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (local.set $mask (i32.load8_u (local.get $i)))
        (br_if $done (i32.eq (local.get $mask) (i32.const 0x22)))
        (br_if $done (i32.eq (local.get $mask) (i32.const 0x5c)))
        (br_if $done (i32.lt_u (local.get $mask) (i32.const 0x20)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $narrow)))
    (local.get $i)))
