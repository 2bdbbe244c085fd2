;; The supervisor's byte adapter for the bucket methods of psibase's host:db/store (and its older name
;; host:common/store).
;;
;; Imports the plugin's bucket resource type (the host's, passed in by the outer component) and exports get and
;; set with psibase's exact types: [method]bucket.get and [method]bucket.set. Values cross to the host as base64
;; UTF-8 strings through supervisor:adapter/db (imported by the composer under a name per interface). The WIT
;; has no error type: a refused set traps on the host, as it does without the adapter.
(component
  (import "bucket" (type $bucket (sub resource)))
  (import "supervisor:adapter/db" (instance $host
    (alias outer 1 0 (type $b))
    (export "get-enc" (func (param "self" (borrow $b)) (param "key" string) (result (option string))))
    (export "set-enc" (func (param "self" (borrow $b)) (param "key" string) (param "value" string)))
    (export "fail" (func (param "message" string)))
  ))

  (core module $mem
;;@include adapter-memory
  )
  (core instance $mem (instantiate $mem))

  (core func $get-enc (canon lower (func $host "get-enc") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))))
  (core func $set-enc (canon lower (func $host "set-enc") (memory (core memory $mem "memory"))))
  (core func $fail (canon lower (func $host "fail") (memory (core memory $mem "memory"))))
  (core func $release (canon resource.drop $bucket))

  (core module $adapter
    (import "mem" "memory" (memory 1))
    (import "mem" "bump" (global $bump (mut i32)))
    (import "mem" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "host" "get-enc" (func $get-enc (param i32 i32 i32 i32)))
    (import "host" "set-enc" (func $set-enc (param i32 i32 i32 i32 i32)))
    (import "host" "fail" (func $fail (param i32 i32)))
    ;; A function that receives a borrowed handle must give it back (drop it) before it returns.
    (import "host" "release" (func $release (param i32)))

;;@include adapter-base64

    (func (export "set") (param $self i32) (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32)
      (local $enc i32)
      (local.set $enc (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.add (i32.mul (i32.div_u (i32.add (local.get $vl) (i32.const 2)) (i32.const 3)) (i32.const 4)) (i32.const 16))))
      (call $set-enc (local.get $self) (local.get $kp) (local.get $kl) (local.get $enc)
        (call $encode (local.get $vp) (local.get $vl) (local.get $enc)))
      (call $release (local.get $self)))

    ;; option<string> at 400 (tag, pointer, length) becomes option<list<u8>> in place.
    (func (export "get") (param $self i32) (param $kp i32) (param $kl i32) (result i32)
      (local $sl i32) (local $out i32) (local $n i32)
      (call $get-enc (local.get $self) (local.get $kp) (local.get $kl) (i32.const 400))
      (call $release (local.get $self))
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
      (export "fail" (func $fail))
      (export "release" (func $release))))))

  (func (export "get") (param "self" (borrow $bucket)) (param "key" string) (result (option (list u8)))
    (canon lift (core func $adapter "get") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
      (post-return (core func $adapter "reset1"))))
  (func (export "set") (param "self" (borrow $bucket)) (param "key" string) (param "value" (list u8))
    (canon lift (core func $adapter "set") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
      (post-return (core func $adapter "reset0"))))
)
