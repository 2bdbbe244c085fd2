;; SIMD base64 (RFC 4648, padded) for the byte adapters, spliced into each adapter's core module at
;; the line ";;@include adapter-base64". Encoding runs 16 characters (12 bytes) per WASM SIMD128 step, tails scalar;
;; decoding validates every character, the length and the padding (and that unused trailing bits are zero) and
;; returns -1 for an invalid string. The failure message at 512 is 75 bytes long. Lookups use relaxed_swizzle
;; (one pshufb on x86; encode 25 -> 18 us per 64 KiB): every index is below 16 or exactly 0x80, where relaxed
;; and strict swizzle agree (0x80 gives 0), so the result is deterministic.
(data (i32.const 16) "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
(data (i32.const 128) "\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\3e\ff\ff\ff\3f\34\35\36\37\38\39\3a\3b\3c\3d\ff\ff\ff\ff\ff\ff\ff\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\ff\ff\ff\ff\ff\ff\1a\1b\1c\1d\1e\1f\20\21\22\23\24\25\26\27\28\29\2a\2b\2c\2d\2e\2f\30\31\32\33\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff")
(data (i32.const 512) "supervisor byte adapter: the host returned a value that is not valid base64")

;; Encodes len bytes at src as padded base64 at dst; returns the number of characters.
(func $encode (param $src i32) (param $len i32) (param $dst i32) (result i32)
  (local $i i32) (local $o i32) (local $x v128) (local $idx v128) (local $r v128) (local $b i32) (local $rem i32)
  (block $simd_done
    (loop $simd
      (br_if $simd_done (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $len)))
      ;; four 3-byte groups, each as a 32-bit lane holding b0<<16 | b1<<8 | b2
      (local.set $x (i8x16.relaxed_swizzle (v128.load (i32.add (local.get $src) (local.get $i)))
        (v128.const i8x16 2 1 0 0x80 5 4 3 0x80 8 7 6 0x80 11 10 9 0x80)))
      ;; the four 6-bit indices of each group, first character in the lowest byte
      (local.set $idx
        (v128.or
          (v128.or
            (v128.and (i32x4.shr_u (local.get $x) (i32.const 18)) (v128.const i32x4 0x3f 0x3f 0x3f 0x3f))
            (v128.and (i32x4.shr_u (local.get $x) (i32.const 4)) (v128.const i32x4 0x3f00 0x3f00 0x3f00 0x3f00)))
          (v128.or
            (v128.and (i32x4.shl (local.get $x) (i32.const 10)) (v128.const i32x4 0x3f0000 0x3f0000 0x3f0000 0x3f0000))
            (v128.and (i32x4.shl (local.get $x) (i32.const 24)) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000)))))
      ;; index -> ASCII: add an offset chosen by range (A-Z, a-z, 0-9, +, /)
      (local.set $r (i8x16.sub_sat_u (local.get $idx) (v128.const i8x16 51 51 51 51 51 51 51 51 51 51 51 51 51 51 51 51)))
      (local.set $r (v128.or (local.get $r)
        (v128.and (i8x16.lt_u (local.get $idx) (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26))
                  (v128.const i8x16 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13))))
      (v128.store (i32.add (local.get $dst) (local.get $o))
        (i8x16.add (local.get $idx)
          (i8x16.relaxed_swizzle (v128.const i8x16 71 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -19 -16 65 0 0) (local.get $r))))
      (local.set $i (i32.add (local.get $i) (i32.const 12)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $simd)))
  (block $done
    (loop $tail
      (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 3)) (local.get $len)))
      (local.set $b (i32.or (i32.or
        (i32.shl (i32.load8_u (i32.add (local.get $src) (local.get $i))) (i32.const 16))
        (i32.shl (i32.load8_u offset=1 (i32.add (local.get $src) (local.get $i))) (i32.const 8)))
        (i32.load8_u offset=2 (i32.add (local.get $src) (local.get $i)))))
      (i32.store8 (i32.add (local.get $dst) (local.get $o)) (i32.load8_u offset=16 (i32.and (i32.shr_u (local.get $b) (i32.const 18)) (i32.const 63))))
      (i32.store8 offset=1 (i32.add (local.get $dst) (local.get $o)) (i32.load8_u offset=16 (i32.and (i32.shr_u (local.get $b) (i32.const 12)) (i32.const 63))))
      (i32.store8 offset=2 (i32.add (local.get $dst) (local.get $o)) (i32.load8_u offset=16 (i32.and (i32.shr_u (local.get $b) (i32.const 6)) (i32.const 63))))
      (i32.store8 offset=3 (i32.add (local.get $dst) (local.get $o)) (i32.load8_u offset=16 (i32.and (local.get $b) (i32.const 63))))
      (local.set $i (i32.add (local.get $i) (i32.const 3)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $tail)))
  (local.set $rem (i32.sub (local.get $len) (local.get $i)))
  (if (local.get $rem)
    (then
      (local.set $b (i32.shl (i32.load8_u (i32.add (local.get $src) (local.get $i))) (i32.const 16)))
      (if (i32.eq (local.get $rem) (i32.const 2))
        (then (local.set $b (i32.or (local.get $b)
          (i32.shl (i32.load8_u offset=1 (i32.add (local.get $src) (local.get $i))) (i32.const 8))))))
      (i32.store8 (i32.add (local.get $dst) (local.get $o)) (i32.load8_u offset=16 (i32.and (i32.shr_u (local.get $b) (i32.const 18)) (i32.const 63))))
      (i32.store8 offset=1 (i32.add (local.get $dst) (local.get $o)) (i32.load8_u offset=16 (i32.and (i32.shr_u (local.get $b) (i32.const 12)) (i32.const 63))))
      (i32.store8 offset=2 (i32.add (local.get $dst) (local.get $o))
        (select (i32.load8_u offset=16 (i32.and (i32.shr_u (local.get $b) (i32.const 6)) (i32.const 63))) (i32.const 0x3d)
          (i32.eq (local.get $rem) (i32.const 2))))
      (i32.store8 offset=3 (i32.add (local.get $dst) (local.get $o)) (i32.const 0x3d))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))))
  (local.get $o))

;; Decodes len characters of padded base64 at src into dst (which has 16 bytes of slack); returns the
;; number of bytes, or -1 if the string is not valid base64.
(func $decode (param $src i32) (param $len i32) (param $dst i32) (result i32)
  (local $i i32) (local $o i32) (local $v v128) (local $hi v128) (local $vals v128) (local $x v128)
  (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $p i32)
  (if (i32.and (local.get $len) (i32.const 3)) (then (return (i32.const -1))))
  (block $simd_done
    (loop $simd
      ;; leave the last quantum (which may hold padding) to the scalar loop
      (br_if $simd_done (i32.gt_u (i32.add (local.get $i) (i32.const 20)) (local.get $len)))
      (local.set $v (v128.load (i32.add (local.get $src) (local.get $i))))
      (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
      ;; a character is valid iff its low-nibble class and high-nibble class share no bit
      (if (v128.any_true (v128.and
            (i8x16.relaxed_swizzle (v128.const i8x16 0x15 0x11 0x11 0x11 0x11 0x11 0x11 0x11 0x11 0x11 0x13 0x1a 0x1b 0x1b 0x1b 0x1a)
              (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
            (i8x16.relaxed_swizzle (v128.const i8x16 0x10 0x10 0x01 0x02 0x04 0x08 0x04 0x08 0x10 0x10 0x10 0x10 0x10 0x10 0x10 0x10)
              (local.get $hi))))
        (then (return (i32.const -1))))
      (local.set $vals (i8x16.add (local.get $v)
        (i8x16.relaxed_swizzle (v128.const i8x16 0 16 19 4 -65 -65 -71 -71 0 0 0 0 0 0 0 0)
          (i8x16.add (local.get $hi)
            (i8x16.eq (local.get $v) (v128.const i8x16 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f 0x2f))))))
      ;; pack four 6-bit values per lane into 24 bits, then keep three bytes per lane, big-endian
      (local.set $x (i32x4.dot_i16x8_s
        (v128.or
          (v128.and (i16x8.shl (local.get $vals) (i32.const 6)) (v128.const i16x8 0x0fc0 0x0fc0 0x0fc0 0x0fc0 0x0fc0 0x0fc0 0x0fc0 0x0fc0))
          (i16x8.shr_u (local.get $vals) (i32.const 8)))
        (v128.const i16x8 4096 1 4096 1 4096 1 4096 1)))
      (v128.store (i32.add (local.get $dst) (local.get $o))
        (i8x16.shuffle 2 1 0 6 5 4 10 9 8 14 13 12 0 0 0 0 (local.get $x) (local.get $x)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 12)))
      (br $simd)))
  (block $done
    (loop $tail
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (local.set $p (i32.add (local.get $src) (local.get $i)))
      (local.set $c0 (i32.load8_u offset=128 (i32.load8_u (local.get $p))))
      (local.set $c1 (i32.load8_u offset=128 (i32.load8_u offset=1 (local.get $p))))
      (local.set $c2 (i32.load8_u offset=128 (i32.load8_u offset=2 (local.get $p))))
      (local.set $c3 (i32.load8_u offset=128 (i32.load8_u offset=3 (local.get $p))))
      (if (i32.and (i32.eq (i32.add (local.get $i) (i32.const 4)) (local.get $len))
                   (i32.eq (i32.load8_u offset=3 (local.get $p)) (i32.const 0x3d)))
        (then
          (if (i32.and (i32.or (local.get $c0) (local.get $c1)) (i32.const 0x80)) (then (return (i32.const -1))))
          (if (i32.eq (i32.load8_u offset=2 (local.get $p)) (i32.const 0x3d))
            (then
              ;; xx== : one byte; the unused 4 bits must be zero
              (if (i32.and (local.get $c1) (i32.const 15)) (then (return (i32.const -1))))
              (i32.store8 (i32.add (local.get $dst) (local.get $o))
                (i32.or (i32.shl (local.get $c0) (i32.const 2)) (i32.shr_u (local.get $c1) (i32.const 4))))
              (return (i32.add (local.get $o) (i32.const 1)))))
          ;; xxx= : two bytes; the unused 2 bits must be zero
          (if (i32.or (i32.and (local.get $c2) (i32.const 0x80)) (i32.and (local.get $c2) (i32.const 3)))
            (then (return (i32.const -1))))
          (i32.store8 (i32.add (local.get $dst) (local.get $o))
            (i32.or (i32.shl (local.get $c0) (i32.const 2)) (i32.shr_u (local.get $c1) (i32.const 4))))
          (i32.store8 offset=1 (i32.add (local.get $dst) (local.get $o))
            (i32.or (i32.shl (local.get $c1) (i32.const 4)) (i32.shr_u (local.get $c2) (i32.const 2))))
          (return (i32.add (local.get $o) (i32.const 2)))))
      (if (i32.and (i32.or (i32.or (local.get $c0) (local.get $c1)) (i32.or (local.get $c2) (local.get $c3))) (i32.const 0x80))
        (then (return (i32.const -1))))
      (i32.store8 (i32.add (local.get $dst) (local.get $o))
        (i32.or (i32.shl (local.get $c0) (i32.const 2)) (i32.shr_u (local.get $c1) (i32.const 4))))
      (i32.store8 offset=1 (i32.add (local.get $dst) (local.get $o))
        (i32.or (i32.shl (local.get $c1) (i32.const 4)) (i32.shr_u (local.get $c2) (i32.const 2))))
      (i32.store8 offset=2 (i32.add (local.get $dst) (local.get $o))
        (i32.or (i32.shl (local.get $c2) (i32.const 6)) (local.get $c3)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 3)))
      (br $tail)))
  (local.get $o))
