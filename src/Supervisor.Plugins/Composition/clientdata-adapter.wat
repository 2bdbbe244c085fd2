;; The supervisor's byte adapter for clientdata:plugin/keyvalue (issue 7).
;;
;; Exports clientdata:plugin/keyvalue with psibase's exact types and carries every value to the host as a
;; base64 (RFC 4648, padded) UTF-8 string through supervisor:adapter/clientdata, because a Wasmtime C API
;; list<u8> costs one dynamic value per byte while a string crosses at memcpy speed. The composer
;; (ComponentComposer) nests the untouched plugin beside this component. Transport only: the plugin sees
;; the same WIT and the same bytes.
;;
;; Memory (owned by $mem, shared with $adapter): 16..79 alphabet; 128..383 decode table (0xff = invalid);
;; 384 get's return area; 400 the host's option<string> result; 512.. messages; a bump allocator above 1024
;; serves realloc (arguments copied in by Wasmtime, the encoded value, the decoded value) and every
;; export's post-return resets it, so memory stays bounded.
;;
;; Base64 runs 16 characters (12 bytes) per WASM SIMD128 step; the tails are scalar. Decoding validates every
;; character, the length and the padding (and that unused trailing bits are zero); an invalid string from the
;; host makes the adapter call the host's fail(message), which traps with that message.
(component
  (import "supervisor:adapter/clientdata" (instance $host
    (export "get-enc" (func (param "key" string) (result (option string))))
    (export "set-enc" (func (param "key" string) (param "value" string)))
    (export "delete" (func (param "key" string)))
    (export "fail" (func (param "message" string)))
  ))

  (core module $mem
    (memory (export "memory") 1)
    (global $bump (export "bump") (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
      (local $ptr i32) (local $end i32) (local $pages i32)
      (local.set $ptr (i32.and
        (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $ptr) (local.get $size)))
      (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then
          (local.set $pages (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
          (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1)) (then unreachable))))
      (if (local.get $old)
        (then (memory.copy (local.get $ptr) (local.get $old)
          (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
      (global.set $bump (local.get $end))
      (local.get $ptr))
  )
  (core instance $mem (instantiate $mem))

  (core func $get-enc (canon lower (func $host "get-enc") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))))
  (core func $set-enc (canon lower (func $host "set-enc") (memory (core memory $mem "memory"))))
  (core func $delete (canon lower (func $host "delete") (memory (core memory $mem "memory"))))
  (core func $fail (canon lower (func $host "fail") (memory (core memory $mem "memory"))))

  (core module $adapter
    (import "mem" "memory" (memory 1))
    (import "mem" "bump" (global $bump (mut i32)))
    (import "mem" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "host" "get-enc" (func $get-enc (param i32 i32 i32)))
    (import "host" "set-enc" (func $set-enc (param i32 i32 i32 i32)))
    (import "host" "delete" (func $delete (param i32 i32)))
    (import "host" "fail" (func $fail (param i32 i32)))

    (data (i32.const 16) "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    (data (i32.const 128) "\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\3e\ff\ff\ff\3f\34\35\36\37\38\39\3a\3b\3c\3d\ff\ff\ff\ff\ff\ff\ff\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\ff\ff\ff\ff\ff\ff\1a\1b\1c\1d\1e\1f\20\21\22\23\24\25\26\27\28\29\2a\2b\2c\2d\2e\2f\30\31\32\33\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff")
    (data (i32.const 512) "supervisor byte adapter: the host returned a clientdata value that is not valid base64")

    ;; Encodes len bytes at src as padded base64 at dst; returns the number of characters.
    (func $encode (param $src i32) (param $len i32) (param $dst i32) (result i32)
      (local $i i32) (local $o i32) (local $x v128) (local $idx v128) (local $r v128) (local $b i32) (local $rem i32)
      (block $simd_done
        (loop $simd
          (br_if $simd_done (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $len)))
          ;; four 3-byte groups, each as a 32-bit lane holding b0<<16 | b1<<8 | b2
          (local.set $x (i8x16.swizzle (v128.load (i32.add (local.get $src) (local.get $i)))
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
              (i8x16.swizzle (v128.const i8x16 71 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -19 -16 65 0 0) (local.get $r))))
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
                (i8x16.swizzle (v128.const i8x16 0x15 0x11 0x11 0x11 0x11 0x11 0x11 0x11 0x11 0x11 0x13 0x1a 0x1b 0x1b 0x1b 0x1a)
                  (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
                (i8x16.swizzle (v128.const i8x16 0x10 0x10 0x01 0x02 0x04 0x08 0x04 0x08 0x10 0x10 0x10 0x10 0x10 0x10 0x10 0x10)
                  (local.get $hi))))
            (then (return (i32.const -1))))
          (local.set $vals (i8x16.add (local.get $v)
            (i8x16.swizzle (v128.const i8x16 0 16 19 4 -65 -65 -71 -71 0 0 0 0 0 0 0 0)
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

    (func (export "set") (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32)
      (local $enc i32)
      (local.set $enc (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.add (i32.mul (i32.div_u (i32.add (local.get $vl) (i32.const 2)) (i32.const 3)) (i32.const 4)) (i32.const 16))))
      (call $set-enc (local.get $kp) (local.get $kl) (local.get $enc)
        (call $encode (local.get $vp) (local.get $vl) (local.get $enc))))

    (func (export "get") (param $kp i32) (param $kl i32) (result i32)
      (local $sp i32) (local $sl i32) (local $out i32) (local $n i32)
      (call $get-enc (local.get $kp) (local.get $kl) (i32.const 400))
      (if (i32.eqz (i32.load8_u (i32.const 400)))
        (then
          (i32.store8 (i32.const 384) (i32.const 0))
          (return (i32.const 384))))
      (local.set $sp (i32.load (i32.const 404)))
      (local.set $sl (i32.load (i32.const 408)))
      (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.add (i32.mul (i32.shr_u (local.get $sl) (i32.const 2)) (i32.const 3)) (i32.const 16))))
      (local.set $n (call $decode (local.get $sp) (local.get $sl) (local.get $out)))
      (if (i32.lt_s (local.get $n) (i32.const 0))
        (then
          (call $fail (i32.const 512) (i32.const 86))
          unreachable))
      (i32.store8 (i32.const 384) (i32.const 1))
      (i32.store (i32.const 388) (local.get $out))
      (i32.store (i32.const 392) (local.get $n))
      (i32.const 384))

    (func (export "delete") (param $kp i32) (param $kl i32)
      (call $delete (local.get $kp) (local.get $kl)))

    (func (export "reset0") (global.set $bump (i32.const 1024)))
    (func (export "reset1") (param i32) (global.set $bump (i32.const 1024)))
  )
  (core instance $adapter (instantiate $adapter
    (with "mem" (instance $mem))
    (with "host" (instance
      (export "get-enc" (func $get-enc))
      (export "set-enc" (func $set-enc))
      (export "delete" (func $delete))
      (export "fail" (func $fail))))))

  (func $get (param "key" string) (result (option (list u8)))
    (canon lift (core func $adapter "get") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
      (post-return (core func $adapter "reset1"))))
  (func $set (param "key" string) (param "value" (list u8))
    (canon lift (core func $adapter "set") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
      (post-return (core func $adapter "reset0"))))
  (func $delete (param "key" string)
    (canon lift (core func $adapter "delete") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
      (post-return (core func $adapter "reset0"))))

  (instance $clientdata
    (export "get" (func $get))
    (export "set" (func $set))
    (export "delete" (func $delete)))
  (export "clientdata:plugin/keyvalue" (instance $clientdata))
)
