;; The supervisor's spliced byte adapter for clientdata:plugin/keyvalue: a core module the composer
;; instantiates inside a wit-component plugin itself (ComponentComposer.Splice) and puts in the plugin's import
;; table in place of the lowered get and set, so values move between the plugin's memory and the adapter's with
;; memory.copy instead of a component-to-component copy. Memory 0 is the adapter's own (the shared scratch
;; memory, tables and messages of adapter-base64); memory 1 is the plugin's. Core signatures are those of the
;; plugin's own lowered imports: get(key-ptr, key-len, ret-ptr) writing option<list<u8>> at ret-ptr in the
;; plugin's memory (the value allocated with the plugin's cabi_realloc, as Wasmtime would), set(key-ptr,
;; key-len, value-ptr, value-len). Each call starts with an empty scratch memory (the bump is reset on entry).
(module
  (import "mem" "memory" (memory 1))
  (import "mem" "bump" (global $bump (mut i32)))
  (import "mem" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
  (import "plugin" "memory" (memory $plugin 0))
  (import "plugin" "realloc" (func $plugin-realloc (param i32 i32 i32 i32) (result i32)))
  (import "host" "get-enc" (func $get-enc (param i32 i32 i32)))
  (import "host" "set-enc" (func $set-enc (param i32 i32 i32 i32)))
  (import "host" "fail" (func $fail (param i32 i32)))

;;@include adapter-base64

  ;; Copies len bytes from the plugin's memory into fresh scratch memory.
  (func $take (param $src i32) (param $len i32) (result i32)
    (local $dst i32)
    (local.set $dst (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $len)))
    (memory.copy 0 1 (local.get $dst) (local.get $src) (local.get $len))
    (local.get $dst))

  (func (export "set") (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32)
    (local $key i32) (local $value i32) (local $enc i32)
    (global.set $bump (i32.const 1024))
    (local.set $key (call $take (local.get $kp) (local.get $kl)))
    (local.set $value (call $take (local.get $vp) (local.get $vl)))
    (local.set $enc (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
      (i32.add (i32.mul (i32.div_u (i32.add (local.get $vl) (i32.const 2)) (i32.const 3)) (i32.const 4)) (i32.const 16))))
    (call $set-enc (local.get $key) (local.get $kl) (local.get $enc)
      (call $encode (local.get $value) (local.get $vl) (local.get $enc))))

  ;; option<string> at 400 in scratch memory (tag, pointer, length) becomes option<list<u8>> at ret in the plugin's.
  (func (export "get") (param $kp i32) (param $kl i32) (param $ret i32)
    (local $sl i32) (local $out i32) (local $n i32) (local $dst i32)
    (global.set $bump (i32.const 1024))
    (call $get-enc (call $take (local.get $kp) (local.get $kl)) (local.get $kl) (i32.const 400))
    (if (i32.eqz (i32.load8_u (i32.const 400)))
      (then
        (i32.store8 $plugin (local.get $ret) (i32.const 0))
        (return)))
    (local.set $sl (i32.load (i32.const 408)))
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
      (i32.add (i32.mul (i32.shr_u (local.get $sl) (i32.const 2)) (i32.const 3)) (i32.const 16))))
    (local.set $n (call $decode (i32.load (i32.const 404)) (local.get $sl) (local.get $out)))
    (if (i32.lt_s (local.get $n) (i32.const 0))
      (then
        (call $fail (i32.const 512) (i32.const 75))
        unreachable))
    (local.set $dst (call $plugin-realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $n)))
    (memory.copy 1 0 (local.get $dst) (local.get $out) (local.get $n))
    (i32.store8 $plugin (local.get $ret) (i32.const 1))
    (i32.store $plugin offset=4 (local.get $ret) (local.get $dst))
    (i32.store $plugin offset=8 (local.get $ret) (local.get $n)))
)
