;; The supervisor's byte adapter for clientdata:plugin/keyvalue.
;;
;; Exports get and set with psibase's exact types and carries every value to the host as a base64
;; (RFC 4648, padded) UTF-8 string through supervisor:adapter/clientdata, because a Wasmtime C API list<u8>
;; costs one dynamic value per byte while a string crosses at memcpy speed. The composer (ComponentComposer)
;; nests the untouched plugin beside this component and hands the plugin a clientdata instance whose get and
;; set are these and whose delete is the host's own. Transport only: the plugin sees the same WIT and bytes.
;; An invalid string from the host makes the adapter call the host's fail(message), which traps with it.
(component
  (import "supervisor:adapter/clientdata" (instance $host
    (export "get-enc" (func (param "key" string) (result (option string))))
    (export "set-enc" (func (param "key" string) (param "value" string)))
    (export "fail" (func (param "message" string)))
  ))

  (core module $mem
;;@include adapter-memory
  )
  (core instance $mem (instantiate $mem))

  (core func $get-enc (canon lower (func $host "get-enc") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))))
  (core func $set-enc (canon lower (func $host "set-enc") (memory (core memory $mem "memory"))))
  (core func $fail (canon lower (func $host "fail") (memory (core memory $mem "memory"))))

  (core module $adapter
    (import "mem" "memory" (memory 1))
    (import "mem" "bump" (global $bump (mut i32)))
    (import "mem" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "host" "get-enc" (func $get-enc (param i32 i32 i32)))
    (import "host" "set-enc" (func $set-enc (param i32 i32 i32 i32)))
    (import "host" "fail" (func $fail (param i32 i32)))

;;@include adapter-base64

    (func (export "set") (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32)
      (local $enc i32)
      (local.set $enc (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.add (i32.mul (i32.div_u (i32.add (local.get $vl) (i32.const 2)) (i32.const 3)) (i32.const 4)) (i32.const 16))))
      (call $set-enc (local.get $kp) (local.get $kl) (local.get $enc)
        (call $encode (local.get $vp) (local.get $vl) (local.get $enc))))

    ;; option<string> at 400 (tag, pointer, length) becomes option<list<u8>> in place.
    (func (export "get") (param $kp i32) (param $kl i32) (result i32)
      (local $sl i32) (local $out i32) (local $n i32)
      (call $get-enc (local.get $kp) (local.get $kl) (i32.const 400))
      (if (i32.load8_u (i32.const 400))
        (then
          (local.set $sl (i32.load (i32.const 408)))
          (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
            (i32.add (i32.mul (i32.shr_u (local.get $sl) (i32.const 2)) (i32.const 3)) (i32.const 16))))
          (local.set $n (call $decode (i32.load (i32.const 404)) (local.get $sl) (local.get $out)))
          (if (i32.lt_s (local.get $n) (i32.const 0))
            (then
              (call $fail (i32.const 512) (i32.const 75))
              unreachable))
          (i32.store (i32.const 404) (local.get $out))
          (i32.store (i32.const 408) (local.get $n))))
      (i32.const 400))

    (func (export "reset0") (global.set $bump (i32.const 1024)))
    (func (export "reset1") (param i32) (global.set $bump (i32.const 1024)))
  )
  (core instance $adapter (instantiate $adapter
    (with "mem" (instance $mem))
    (with "host" (instance
      (export "get-enc" (func $get-enc))
      (export "set-enc" (func $set-enc))
      (export "fail" (func $fail))))))

  (func (export "get") (param "key" string) (result (option (list u8)))
    (canon lift (core func $adapter "get") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
      (post-return (core func $adapter "reset1"))))
  (func (export "set") (param "key" string) (param "value" (list u8))
    (canon lift (core func $adapter "set") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
      (post-return (core func $adapter "reset0"))))
)
